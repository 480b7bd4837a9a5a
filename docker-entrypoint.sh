#!/bin/sh
# web (default): apply migrations and deploy the BPMN routes (a changed file becomes a new version; deployments
# take a lock, so several web containers starting at once are safe), then serve.
# jobs: the one process that runs timers, the outbox, the register freeze, the archive and audit checkpoints.
set -e
case "${1:-web}" in
  jobs)
    exec flask jobs run
    ;;
  web)
    flask db upgrade
    flask processes deploy
    exec gunicorn --bind "0.0.0.0:${PORT:-8000}" --workers "${WEB_CONCURRENCY:-2}" --threads "${GUNICORN_THREADS:-4}" \
        --access-logfile - --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}" wsgi:app
    ;;
  *)
    exec "$@"
    ;;
esac
