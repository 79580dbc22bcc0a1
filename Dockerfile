# MeetX API: migrations run at start, then the server.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    MEETX_DATABASE_URL=sqlite:////data/meetx.db

WORKDIR /app
COPY pyproject.toml setup.py README.md alembic.ini ./
COPY service ./service
COPY matching ./matching
COPY migrations ./migrations
COPY seeds ./seeds
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /app meetx \
    && mkdir -p /data && chown meetx /data

USER meetx
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"

# `meetx serve` upgrades the database to the latest migration before it serves.
CMD ["meetx", "serve", "--host", "0.0.0.0", "--port", "8000"]
