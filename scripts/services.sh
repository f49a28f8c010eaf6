#!/usr/bin/env bash
# Starts the local PostgreSQL server that the dual-engine tests use, when it is installed
# but not answering. Without one, those tests skip and say why; nothing else needs it.
set -uo pipefail
command -v pg_isready >/dev/null 2>&1 || exit 0
pg_isready -q -h 127.0.0.1 -p 5432 && exit 0
if [[ $(id -u) -eq 0 ]] && command -v pg_ctlcluster >/dev/null 2>&1; then
    for version in $(ls /etc/postgresql 2>/dev/null); do
        pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
    done
    for _ in $(seq 1 20); do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 0.5; done
fi
echo "PostgreSQL is not answering on 127.0.0.1:5432: its tests will be skipped." >&2
exit 0
