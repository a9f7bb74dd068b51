# syntax=docker/dockerfile:1
# consultbot: one image for every transport; settings come from the environment (.env.example).
# Build: docker build -t consultbot .   Run the whole stack: docker compose up -d (compose.yaml).
# Python 3.11: the version the test suite runs on (CI), so the image runs what was tested.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- build: the project and its runtime dependencies in a virtualenv, nothing else ----
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/consultbot
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY locales ./locales
# No [dev] extra: tests, linters and benchmarks stay out of the image.
RUN /opt/consultbot/bin/pip install . \
    && /opt/consultbot/bin/pip uninstall --yes pip

# ---- runtime: the virtualenv on a fresh base, run by an unprivileged user ----
FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/consultbot/bin:$PATH \
    LANG=C.UTF-8 \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DATABASE_URL=sqlite+aiosqlite:////data/consultbot.db \
    ATTACHMENTS_DIR=/data/attachments \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8080
RUN groupadd --gid 10001 consultbot \
    && useradd --uid 10001 --gid 10001 --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin consultbot \
    && mkdir -p /data/attachments \
    && chown -R consultbot:consultbot /data
COPY --from=build /opt/consultbot /opt/consultbot
USER 10001:10001
WORKDIR /data
EXPOSE 8080
# Alive = the HTTP server answers; /readyz (database and migrations) is for the load balancer.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('HTTP_PORT', '8080'), timeout=4)"]
STOPSIGNAL SIGTERM
CMD ["consultbot", "run"]
