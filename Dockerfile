# Production image: gunicorn serves wsgi:app; migrations and process deployment run at start.
# Front-end packages come from npm in a build stage (never copied into the repository).
FROM node:20-bookworm-slim AS frontend
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY app/static/src ./app/static/src
RUN npm run build

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 FLASK_APP=wsgi:app \
    INSTANCE_DIR=/data STORAGE_DIR=/data/storage NODE_MODULES_DIR=/srv/app/node_modules
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /srv/app
COPY requirements.txt constraints.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY --from=frontend /build/node_modules ./node_modules
COPY app ./app
COPY processes ./processes
COPY forms ./forms
COPY migrations ./migrations
COPY wsgi.py docker-entrypoint.sh ./
RUN useradd --system --home /data registratura && mkdir -p /data && chown registratura /data \
 && pybabel compile -d app/translations || true
USER registratura
VOLUME ["/data"]
EXPOSE 8000
ENTRYPOINT ["./docker-entrypoint.sh"]
