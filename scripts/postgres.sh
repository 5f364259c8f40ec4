#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server on loopback for the tests and prints its URL.
# Installs Debian's postgresql package when it is missing (root only). Idempotent per data dir.
set -euo pipefail
PORT=${ZORGSTRAF_PG_PORT:-54329}
DATA=${ZORGSTRAF_PG_DATA:-/tmp/zorgstraf-pg}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
if [ -z "$bin" ]; then
  if [ "$(id -u)" != 0 ]; then echo "postgres: niet geïnstalleerd en geen root" >&2; exit 2; fi
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
fi
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
if [ ! -f "$DATA/PG_VERSION" ]; then
  mkdir -p "$DATA"
  [ "$(id -u)" = 0 ] && chown postgres "$DATA"
  as_pg "'$bin/initdb' -D '$DATA' -A trust -U postgres" >/dev/null
fi
if ! as_pg "'$bin/pg_ctl' -D '$DATA' status" >/dev/null 2>&1; then
  as_pg "'$bin/pg_ctl' -D '$DATA' -l '$DATA/log' -w -o \"-p $PORT -k /tmp -c listen_addresses=127.0.0.1\" start" >/dev/null
fi
echo "postgresql://postgres@127.0.0.1:$PORT/postgres"
