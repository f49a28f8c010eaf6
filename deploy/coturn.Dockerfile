# TURN for the live stage: Debian's coturn (turnserver, and turnutils_stunclient for the
# healthcheck). Its options come from docker-compose.yml; its secret from the environment.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends coturn \
    && rm -rf /var/lib/apt/lists/*
USER turnserver
EXPOSE 3478/udp 3478/tcp
