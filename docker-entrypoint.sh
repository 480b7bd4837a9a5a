#!/bin/sh
# Apply migrations and deploy the BPMN routes (a changed file becomes a new version), then serve.
set -e
flask db upgrade
flask processes deploy
exec gunicorn --bind "0.0.0.0:${PORT:-8000}" --workers "${WEB_CONCURRENCY:-2}" --threads "${GUNICORN_THREADS:-4}" \
    --access-logfile - --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}" wsgi:app
