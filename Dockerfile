# The default pyotelcol distribution. Works with the opentelemetry-collector Helm chart's contract:
# --config=/conf/relay.yaml, liveness/readiness on / at :13133, ${env:MY_POD_IP}.
#   docker build -t pyotelcol .
#   docker run -p 4317:4317 -p 4318:4318 -p 13133:13133 pyotelcol
FROM python:3.11-slim AS build
# a C compiler for the optional OTTL wire-program extension (setup.py); the runtime image needs none
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev && rm -rf /var/lib/apt/lists/*
COPY . /src
RUN sh /src/docker/install.sh /src /opt/pyotelcol

FROM python:3.11-slim
COPY --from=build /opt/pyotelcol /opt/pyotelcol
RUN useradd --system --uid 10001 --no-create-home pyotelcol \
    && mkdir -p /etc/pyotelcol \
    && cp /opt/pyotelcol/etc/config.yaml /etc/pyotelcol/config.yaml
ENV PATH=/opt/pyotelcol/bin:$PATH
USER 10001
EXPOSE 4317 4318 13133 8888
ENTRYPOINT ["pyotelcol"]
CMD ["--config=/etc/pyotelcol/config.yaml"]
