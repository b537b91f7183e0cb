#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests (Debian's postgresql package).
#
#   scripts/pg_cluster.sh start        creates and starts one; prints its folder
#   scripts/pg_cluster.sh url FOLDER   prints its base URL (postgres://hakusho_test@127.0.0.1:PORT/postgres)
#   scripts/pg_cluster.sh stop FOLDER  stops it and removes the folder
#
# PostgreSQL refuses to run as root: as root, the cluster belongs to the package's
# `postgres` user (runuser); as a normal user, to that user. It lives in a temporary
# folder of its own (data, socket, log), listens on a free port of 127.0.0.1 only,
# trusts every local connection (role hakusho_test, a superuser, so tests may
# CREATE DATABASE) and is tuned for speed, not durability: it is thrown away.
set -euo pipefail

marker=hakusho-test-cluster

# The bin folder of the installed PostgreSQL (the highest version when several).
pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$dir" ] || [ ! -x "$dir/initdb" ]; then
    echo "PostgreSQL が見つかりません: apt-get install -y postgresql で入れてください" >&2
    exit 1
  fi
  echo "$dir"
}

# Runs a command as the cluster's owner.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# A port nobody listens on now (the kernel's choice), on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Refuses a folder this script did not create: `stop` removes it.
check_folder() {
  if [ -z "${1:-}" ] || [ ! -f "$1/$marker" ]; then
    echo "テスト用クラスタのフォルダではありません: '${1:-}'" >&2
    exit 2
  fi
}

start() {
  local bin folder port tries
  bin=$(pg_bin)
  folder=$(mktemp -d /tmp/hakusho-pg.XXXXXX)
  touch "$folder/$marker"
  [ "$(id -u)" -ne 0 ] || chown -R postgres: "$folder"
  as_owner "$bin/initdb" -D "$folder/data" -A trust -U hakusho_test -E UTF8 \
    --locale=C.UTF-8 >"$folder/initdb.log" 2>&1 \
    || { cat "$folder/initdb.log" >&2; rm -rf "$folder"; exit 1; }
  # Another process may take the port between the choice and the bind: try again.
  for tries in 1 2 3 4 5; do
    port=$(free_port)
    if as_owner "$bin/pg_ctl" -D "$folder/data" -l "$folder/server.log" -w -t 60 \
      -o "-p $port -k $folder -c listen_addresses=127.0.0.1 -c max_connections=300 \
          -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
          -c shared_buffers=32MB" start >/dev/null; then
      echo "$port" >"$folder/port"
      echo "$folder"
      return 0
    fi
  done
  cat "$folder/server.log" >&2
  rm -rf "$folder"
  exit 1
}

url() {
  check_folder "${1:-}"
  echo "postgres://hakusho_test@127.0.0.1:$(cat "$1/port")/postgres"
}

stop() {
  check_folder "${1:-}"
  as_owner "$(pg_bin)/pg_ctl" -D "$1/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$1"
}

case "${1:-}" in
  start) start ;;
  url) url "${2:-}" ;;
  stop) stop "${2:-}" ;;
  *)
    echo "使い方: $0 start | url FOLDER | stop FOLDER" >&2
    exit 2
    ;;
esac
