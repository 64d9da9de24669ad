# Rasa Open Source 3.6 in its own Python 3.10; the model is trained at build time
FROM python:3.10-slim
WORKDIR /bot
COPY bot/requirements-rasa.txt .
RUN pip install --no-cache-dir -r requirements-rasa.txt
COPY bot/config.yml bot/endpoints.yml bot/credentials.yml ./
COPY bot/domain domain
COPY bot/data data
ENV SQLALCHEMY_SILENCE_UBER_WARNING=1
RUN rasa train --config config.yml --domain domain --data data --out models --fixed-model-name settle
EXPOSE 5005
CMD ["sh", "-c", "rasa run --enable-api --auth-token \"$SETTLE_RASA_TOKEN\" --model models/settle.tar.gz --endpoints endpoints.yml --credentials credentials.yml --port 5005"]
