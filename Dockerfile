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
EXPOSE 8080
CMD ["python", "-m", "bot", "run"]
