#!/usr/bin/env bash
# What the Procfile runs: `serve.sh web` (gunicorn) or `serve.sh worker` (Celery with beat).
# PICTURA_ROLE splits them between two Elastic Beanstalk environments from one bundle
# (infra/pictura.yaml): "web" runs no worker, "worker" runs one gunicorn process only, for the
# health check. Unset, an environment runs both, as a single-environment deployment does.
set -euo pipefail
role="${PICTURA_ROLE:-}"
case "$1" in
  web)
    workers=3
    [ "$role" = worker ] && workers=1
    exec gunicorn pictura.wsgi:application --bind 127.0.0.1:8000 --workers "$workers" --timeout 120 --access-logfile -
    ;;
  worker)
    # A Procfile process that exits is started again: one with nothing to do waits instead.
    [ "$role" = web ] && exec sleep infinity
    exec celery -A pictura worker --beat --schedule /tmp/pictura-beat-schedule --loglevel INFO --concurrency 2
    ;;
  *)
    echo "usage: $0 web|worker" >&2
    exit 2
    ;;
esac
