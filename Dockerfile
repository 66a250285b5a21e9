# Production image: gunicorn serves the app; the same image runs the Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# WeasyPrint needs Pango and HarfBuzz; poppler-utils is only for text extraction checks.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
      fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.lock pyproject.toml ./
RUN pip install --no-cache-dir -r requirements.lock
COPY . .
RUN SECRET_KEY=build python manage.py collectstatic --noinput -v0 \
 && useradd --create-home --uid 1000 drawback && mkdir -p /app/media && chown drawback /app/media
USER drawback

EXPOSE 8000
CMD ["gunicorn", "drawback.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120"]
