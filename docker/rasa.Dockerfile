# Rasa Open Source 3.6 in its own Python 3.10 (Rasa 3.6 needs < 3.11); the model is trained
# at build time from bot/, so the image carries exactly the model of its commit.
# Build context: the repository root (see docker-compose.yml).
FROM python:3.10-slim
ENV PYTHONUNBUFFERED=1 SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=3 \
    RASA_TELEMETRY_ENABLED=false
WORKDIR /bot
COPY bot/requirements-rasa.txt .
RUN pip install --no-cache-dir -r requirements-rasa.txt
COPY bot/config.yml bot/endpoints.yml bot/endpoints-redis.yml bot/credentials.yml ./
# Settle's code inside Rasa (the NLU component, the validator built once): bot.runtime
COPY bot/runtime bot/runtime
COPY bot/domain domain
COPY bot/data data
RUN rasa train --config config.yml --domain domain --data data --out models \
      --fixed-model-name settle \
 && useradd --system --uid 10001 --home-dir /bot rasa \
 && chown -R rasa /bot
USER rasa
EXPOSE 5005
# endpoints.yml reads SETTLE_ACTIONS_URL and SETTLE_TRACKER_STORE_URL (an SQLite file in the
# container unless compose gives PostgreSQL); the HTTP API needs SETTLE_RASA_TOKEN
ENV SETTLE_TRACKER_STORE_URL=sqlite:////bot/rasa-tracker.db
# the API's token comes from SETTLE_RASA_TOKEN, not the command line (bot/runtime/server.py)
CMD ["python", "-m", "bot.runtime.server", "run", "--enable-api", "--model", "models/settle.tar.gz", "--endpoints", "endpoints.yml", "--credentials", "credentials.yml", "--port", "5005"]
