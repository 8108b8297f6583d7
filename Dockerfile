# Production image: gunicorn serves Django; the same image runs the Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=alternance.settings.production

# WeasyPrint needs pango; DejaVu fonts are embedded in generated PDFs.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
# manage.py backup / restore need the client tools of the server's major version (postgres:16 in
# docker-compose.yml; Debian 12 ships 15): PostgreSQL's own Debian repository.
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl gnupg \
    && curl -fsSL https://www.postgresql.org/media/keys/ACCC4CF8.asc | gpg --dearmor -o /usr/share/keyrings/pgdg.gpg \
    && echo "deb [signed-by=/usr/share/keyrings/pgdg.gpg] https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" > /etc/apt/sources.list.d/pgdg.list \
    && apt-get update && apt-get install -y --no-install-recommends postgresql-client-16 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY . .
# Editable install: the code runs from /app (templates and data files next to it).
RUN pip install --no-cache-dir -e .
# collectstatic needs a key to import the production settings; it is not kept in the image.
RUN SECRET_KEY=build-only NIR_ENCRYPTION_KEY=build-only-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx= \
    python manage.py collectstatic --noinput

RUN useradd --create-home --uid 1000 app && mkdir -p /var/lib/alternance/media /var/lib/alternance/backups && chown -R app /var/lib/alternance
USER app
EXPOSE 8000
# Workers and timeout set explicitly (gunicorn.conf.py reads GUNICORN_WORKERS / GUNICORN_TIMEOUT).
ENV GUNICORN_WORKERS=3 GUNICORN_TIMEOUT=60
CMD ["gunicorn", "alternance.wsgi:application", "--config", "gunicorn.conf.py"]
