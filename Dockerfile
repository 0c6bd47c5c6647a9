FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

RUN useradd --create-home --uid 10001 mch

COPY pyproject.toml README.md babel.cfg ./
COPY bot ./bot
COPY storage ./storage
COPY content ./content
COPY locales ./locales
RUN pip install -e . && python -m bot i18n compile && chown -R mch /app

USER mch
# SQLite by default lives in the working directory; mount a volume or set DATABASE_URL.
WORKDIR /app
# 8080: the webhook (with /healthz, /readyz, /metrics); 9090: those three in polling mode.
EXPOSE 8080 9090
ENV LOG_FORMAT=json
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-m", "bot.observability.healthcheck"]
CMD ["python", "-m", "bot", "run"]
