# The gateway and the action server (Python 3.11, from uv.lock)
FROM python:3.11-slim
RUN pip install --no-cache-dir uv
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
COPY receivables receivables
COPY api api
COPY channels channels
COPY bot bot
COPY config config
COPY scripts scripts
RUN uv sync --frozen --no-dev
ENV PATH="/app/.venv/bin:$PATH" PYTHONUNBUFFERED=1
EXPOSE 8000 5055
CMD ["sh", "-c", "python -m receivables.migrate && uvicorn api.main:create_app --factory --host 0.0.0.0 --port 8000 --ws none"]
