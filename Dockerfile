# The Presession web service: the aiohttp server with Debian's ffmpeg.
FROM python:3.11-slim-bookworm

RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 presession \
    && mkdir /data && chown presession /data

WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY server ./server
COPY media ./media
COPY migrations ./migrations
COPY client ./client
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
