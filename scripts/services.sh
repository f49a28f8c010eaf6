#!/usr/bin/env bash
# Starts the local PostgreSQL and Redis servers that some tests use (the dual-engine database
# tests, the two-process live room), when they are installed but not answering. Without them
# those tests skip and say why; nothing else needs them.
set -uo pipefail
root=$([[ $(id -u) -eq 0 ]] && echo yes || echo no)

if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then
    if [[ $root == yes ]] && command -v pg_ctlcluster >/dev/null 2>&1; then
        for version in $(ls /etc/postgresql 2>/dev/null); do
            pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
        done
        for _ in $(seq 1 20); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
    fi
    pg_isready -q -h 127.0.0.1 -p 5432 ||
        echo "PostgreSQL is not answering on 127.0.0.1:5432: its tests will be skipped." >&2
fi

if command -v redis-server >/dev/null 2>&1 && ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
        --dir /tmp --logfile /tmp/presession-test-redis.log >/dev/null 2>&1 || true
    for _ in $(seq 1 20); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 0.25; done
    redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 ||
        echo "Redis is not answering on 127.0.0.1:6379: its tests will be skipped." >&2
fi
exit 0
