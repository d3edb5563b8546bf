#!/usr/bin/env bash
# The whole suite, as `make test` runs it: once on SQLite and once on PostgreSQL, each with a
# second pass for the tests that need a real Celery worker on Redis.
#
# PostgreSQL and Redis on their usual loopback ports are used when they answer; otherwise this
# script installs them from Debian's packages and starts its own on free ports, and stops them
# at the end. SeaweedFS (S3), Celery workers, gunicorn and the fault tests' own Redis are
# started by the tests themselves.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
# The installed packages agree with each other (the lean production set is checked the same
# way by scripts/install_sizes.sh).
"$PY" -m pip check --disable-pip-version-check
STATE="$PWD/.test-services"
mkdir -p "$STATE"
STARTED=()

cleanup() {
  for service in "${STARTED[@]:-}"; do
    case "$service" in
      postgres) as_postgres "$PG_BIN/pg_ctl" -D "$STATE/pg/data" -m fast stop >/dev/null || true ;;
      redis) [ -f "$STATE/redis.pid" ] && kill "$(cat "$STATE/redis.pid")" 2>/dev/null || true ;;
    esac
  done
}
trap cleanup EXIT

sudo_if_needed() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
APT_UPDATED=
apt_install() {
  [ -n "$APT_UPDATED" ] || { sudo_if_needed apt-get update -qq; APT_UPDATED=1; }
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# PostgreSQL refuses to run as root: as root, run its tools as the postgres user.
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

postgres_answers() {
  "$PY" -c "import psycopg, sys; psycopg.connect(sys.argv[1], connect_timeout=3).close()" "$1" 2>/dev/null
}
redis_answers() {
  "$PY" -c "import redis, sys; redis.Redis.from_url(sys.argv[1], socket_connect_timeout=2).ping()" "$1" 2>/dev/null
}

# --- PostgreSQL -------------------------------------------------------------------------------
PG_URL="postgres://postgres@127.0.0.1:5432/postgres"
if postgres_answers "$PG_URL"; then
  echo "Using the PostgreSQL that answers on 127.0.0.1:5432."
else
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { echo "Installing PostgreSQL..."; apt_install postgresql; }
  PG_BIN=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
  PG_PORT=$(free_port)
  rm -rf "$STATE/pg" && mkdir -p "$STATE/pg"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$STATE/pg"
  as_postgres "$PG_BIN/initdb" -D "$STATE/pg/data" -A trust -U postgres --no-sync -E UTF8 >/dev/null
  as_postgres "$PG_BIN/pg_ctl" -D "$STATE/pg/data" -l "$STATE/pg/server.log" -w start \
    -o "-p $PG_PORT -k $STATE/pg -c listen_addresses=127.0.0.1 -c fsync=off" >/dev/null
  STARTED+=(postgres)
  PG_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
  echo "Started PostgreSQL on 127.0.0.1:$PG_PORT."
fi
# pytest-django creates (and drops) test_pictura next to this database name.
PG_URL="${PG_URL%/postgres}/pictura"

# --- Redis ------------------------------------------------------------------------------------
# The fault tests start (and stop) a Redis of their own, whatever the shared one does.
command -v redis-server >/dev/null || { echo "Installing Redis..."; apt_install redis-server; }
REDIS_URL_FOR_TESTS="redis://127.0.0.1:6379/0"
if redis_answers "$REDIS_URL_FOR_TESTS"; then
  echo "Using the Redis that answers on 127.0.0.1:6379."
else
  REDIS_PORT=$(free_port)
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --pidfile "$STATE/redis.pid" --logfile "$STATE/redis.log" --dir "$STATE"
  STARTED+=(redis)
  REDIS_URL_FOR_TESTS="redis://127.0.0.1:$REDIS_PORT/0"
  for _ in $(seq 50); do redis_answers "$REDIS_URL_FOR_TESTS" && break; sleep 0.1; done
  echo "Started Redis on 127.0.0.1:$REDIS_PORT."
fi

# --- Chromium, for the browser tests ------------------------------------------------------------
if [ ! -x /usr/bin/chromium ]; then
  echo "Installing Chromium..."
  apt_install chromium
fi

# --- ExifTool, which strips locations from shared originals ---------------------------------------
bash scripts/exiftool.sh

"$PY" manage.py collectstatic --noinput -v0

status=0
run_pass() {
  local label=$1; shift
  echo
  echo "=== $label ==="
  env "$@" || status=1
}
# The API's OpenAPI schema, generated as a client would fetch it and checked against the spec.
run_pass "OpenAPI schema" "$PY" manage.py spectacular --validate --fail-on-warn --file "$STATE/openapi.yaml"
run_pass "OpenAPI schema against the OpenAPI spec" .venv/bin/openapi-spec-validator "$STATE/openapi.yaml"
QUEUE="pictura-test-$$"
# Coverage adds up over the four passes (settings in pyproject.toml); a report per app follows.
rm -f "$STATE"/coverage*
PYTEST=("$PY" -m pytest --cov --cov-append --cov-report=)
# Most tests run on both cores (pytest-xdist): 3× faster here, since they wait on servers, browsers
# and subprocesses as much as they compute. SeaweedFS takes fixed ports, so the S3 tests run apart.
run_pass "SQLite" -u DATABASE_URL -u REDIS_URL "${PYTEST[@]}" -n 2 -m "not worker and not s3"
run_pass "SQLite, S3 on SeaweedFS" -u DATABASE_URL -u REDIS_URL "${PYTEST[@]}" -m "s3 and not worker"
run_pass "SQLite, Celery worker on Redis" -u DATABASE_URL REDIS_URL="$REDIS_URL_FOR_TESTS" \
  PICTURA_CELERY_QUEUE="$QUEUE" "${PYTEST[@]}" -m worker
run_pass "PostgreSQL" -u REDIS_URL DATABASE_URL="$PG_URL" "${PYTEST[@]}" -n 2 -m "not worker and not s3"
run_pass "PostgreSQL, S3 on SeaweedFS" -u REDIS_URL DATABASE_URL="$PG_URL" "${PYTEST[@]}" -m "s3 and not worker"
run_pass "PostgreSQL, Celery worker on Redis" DATABASE_URL="$PG_URL" REDIS_URL="$REDIS_URL_FOR_TESTS" \
  PICTURA_CELERY_QUEUE="$QUEUE" "${PYTEST[@]}" -m worker
"$PY" scripts/coverage_by_app.py --floor 85 || status=1
exit $status
