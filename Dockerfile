# consultbot: one image for every transport. Configure with environment variables (see README).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY locales ./locales
RUN pip install . && useradd --create-home consultbot && mkdir -p /data && chown consultbot /data

USER consultbot
WORKDIR /data
ENV DATABASE_URL=sqlite+aiosqlite:////data/consultbot.db ATTACHMENTS_DIR=/data/attachments
EXPOSE 8080
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz')" || exit 1
CMD ["consultbot", "run"]
