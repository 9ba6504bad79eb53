# Partywire in a container. The install steps are the README's (`pip install .`);
# keep the two the same. Mount the config at /config/config.yaml and a volume at
# /data; put `database.path: /data/partywire.sqlite3` and
# `endpoint: {enabled: true, host: 0.0.0.0, port: 8080}` in the config.
FROM python:3.11-slim

RUN useradd --system --create-home --home-dir /home/partywire partywire \
    && mkdir /data /config && chown partywire /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
RUN pip install --no-cache-dir .

USER partywire
VOLUME ["/data"]
ENV PARTYWIRE_CONFIG=/config/config.yaml
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status != 200)"
ENTRYPOINT ["partywire"]
CMD ["run"]
