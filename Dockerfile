# Build: docker build -t ai-gate .                        (the web app: the last stage)
#        docker build --target worker -t ai-gate-worker .  (a Celery worker)
# Run:   docker run -p 3000:3000 --env-file .env ai-gate
FROM python:3.11-slim AS builder
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# Dependencies from the lock file alone (pinned and hash-checked): ruff's and mypy's versions
# decide findings, so an image finds what CI found. A layer of its own, rebuilt only when the
# lock changes.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY app ./app
COPY workers ./workers
RUN pip install --no-cache-dir --no-deps .

FROM python:3.11-slim AS runtime
# git: the content path reads every pull request through git
RUN apt-get update && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 aigate \
    && install -d -o aigate -g aigate /home/aigate/cache
COPY --from=builder /opt/venv /opt/venv
# Nothing is written outside the cache (owned by the user, so a volume mounted there is too)
# and /tmp, so the root filesystem can be read-only.
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    AI_GATE_CACHE_DIR=/home/aigate/cache/git AI_GATE_HEARTBEAT_FILE=/tmp/ai-gate-worker.alive
USER 10001
WORKDIR /home/aigate

# A worker serves no HTTP: its probe reads the heartbeat its consumer loop renews. Built from
# `runtime`, not from `web`, so it never inherits the web's probe.
FROM runtime AS worker
HEALTHCHECK --interval=15s --timeout=5s --retries=2 CMD ["ai-gate", "health", "worker"]
CMD ["ai-gate", "worker", "--concurrency", "2"]

FROM runtime AS web
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD ["ai-gate", "health", "web"]
CMD ["ai-gate", "serve", "--host", "0.0.0.0", "--port", "3000"]
