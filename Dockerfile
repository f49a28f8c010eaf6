# The Presession services: the aiohttp server with Debian's ffmpeg; the same image runs the
# transcode worker and the live stage's Janus (`presession janus`, Debian's janus).

# The browser libraries, from client/package-lock.json (no test tooling), as the files the
# pages load from /static/vendor/.
FROM node:20-bookworm-slim AS client-libraries
WORKDIR /client
COPY client/package.json client/package-lock.json ./
COPY client/scripts ./scripts
RUN npm ci --omit=dev --no-audit --no-fund && node scripts/vendor.mjs

FROM python:3.11-slim-bookworm

RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg janus janus-tools \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 presession \
    && mkdir /data && chown presession /data

WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY server ./server
COPY media ./media
COPY migrations ./migrations
COPY client ./client
COPY --from=client-libraries /client/vendor ./client/vendor
RUN pip install --no-cache-dir .

USER presession
ENV PRESESSION_ENV=production \
    PRESESSION_DATA_DIR=/data \
    PRESESSION_HOST=0.0.0.0 \
    PRESESSION_PORT=8080
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"]
CMD ["presession", "serve"]
