# Build: docker build -t ai-gate .   Run: docker run -p 3000:3000 --env-file .env ai-gate
FROM python:3.11-slim AS builder
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY pyproject.toml README.md ./
COPY app ./app
COPY workers ./workers
RUN pip install --no-cache-dir .

FROM python:3.11-slim
# git: `ai-gate check` reads local checkouts
RUN apt-get update && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 aigate
COPY --from=builder /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 \
    AI_GATE_CACHE_DIR=/home/aigate/cache/git AI_GATE_HEARTBEAT_FILE=/tmp/ai-gate-worker.alive
USER aigate
WORKDIR /home/aigate
EXPOSE 3000
# The web's probe; a worker container overrides it with `ai-gate health worker` (Compose,
# Kubernetes), which reads the heartbeat its consumer loop renews.
HEALTHCHECK --interval=30s --timeout=3s CMD ["ai-gate", "health", "web"]
CMD ["ai-gate", "serve", "--host", "0.0.0.0", "--port", "3000"]
