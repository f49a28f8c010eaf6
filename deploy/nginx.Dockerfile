# nginx for docker-compose: Debian's package (the one the tests run), deploy/nginx.conf
# filled in at start by deploy/nginx-entrypoint.sh.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends nginx curl \
    && rm -rf /var/lib/apt/lists/*
COPY deploy/nginx.conf /etc/presession/nginx.conf.template
COPY deploy/nginx-entrypoint.sh /usr/local/bin/presession-nginx
EXPOSE 80
CMD ["presession-nginx"]
