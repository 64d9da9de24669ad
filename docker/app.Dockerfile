# The gateway (api) and the action server (actions): Python 3.11, dependencies from uv.lock.
# Build context: the repository root (see docker-compose.yml).
FROM python:3.11-slim
RUN pip install --no-cache-dir uv
ENV UV_LINK_MODE=copy UV_COMPILE_BYTECODE=1 PYTHONUNBUFFERED=1 PATH="/app/.venv/bin:$PATH"
WORKDIR /app
# dependencies first: this layer is rebuilt only when the lock file changes
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY receivables receivables
COPY api api
COPY channels channels
COPY payment_providers payment_providers
COPY texts texts
COPY settle settle
COPY bot bot
COPY config config
RUN uv sync --frozen --no-dev \
 && useradd --system --uid 10001 --home-dir /app settle
USER settle
EXPOSE 8000 5055
# the gateway; docker-compose.yml and deploy/ give the migrations (`settle migrate`, run once
# before the others), the action server, the workers and the follow-up job (`settle workers`,
# `settle followup`) their own commands; every operator task is a `settle` subcommand.
# Behind a proxy: --proxy-headers (X-Forwarded-For, -Proto).
CMD ["uvicorn", "api.main:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000", "--ws", "none", "--proxy-headers", "--forwarded-allow-ips", "*"]
