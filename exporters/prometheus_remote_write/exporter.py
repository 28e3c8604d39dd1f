"""The remote-write push: OTLP metrics → ``prometheus.WriteRequest`` batches → snappy-compressed
POSTs, as Go's prometheusremotewriteexporter sends them.

Headers: ``Content-Encoding: snappy``, ``Content-Type: application/x-protobuf``,
``X-Prometheus-Remote-Write-Version: 0.1.0``, ``User-Agent: <build description>/<version>``,
then the configured ``headers`` and the auth extension's. Up to ``num_consumers`` (or
``max_batch_request_parallelism``) requests of one push are in flight at once. Responses: 2xx is
success; 5xx and network errors are retryable; every other status (429 included, as in Go
without its RetryOn429 gate) is permanent.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import Any

import aiohttp
import cramjam

from pyotelcol.component import Host, Settings
from pyotelcol.config.confighttpclient import HttpClient, set_headers, start_http_client
from pyotelcol.consumer import ConsumerError, PermanentError
from pyotelcol.pdata import AnyData
from pyotelcol.translator.prometheus.from_otlp import ResourceLabeler
from pyotelcol.translator.prometheus.naming import strategy_switches
from pyotelcol.translator.prometheus.to_remote_write import Converter, RemoteWriteSettings, batch_requests

from .config import Config

Logger = logging.Logger | logging.LoggerAdapter[logging.Logger]

_MAX_ERROR_BODY = 1024
_THREAD_BYTES = 256 * 1024  # encode and compress bigger requests in a worker thread


def _encode(request: Any) -> bytes:
    return bytes(cramjam.snappy.compress_raw(request.SerializeToString()))


class RemoteWriteExporter:
    def __init__(self, settings: Settings, cfg: Config) -> None:
        self._cfg = cfg
        self._client = cfg.client()
        self._logger: Logger = settings.telemetry.logger
        self.url = self._client.endpoint
        strategy = strategy_switches(cfg.translation_strategy, cfg.add_metric_suffixes)
        labeler = ResourceLabeler(cfg.resource_to_telemetry_conversion, cfg.resource_constant_labels)
        self._settings = RemoteWriteSettings(
            namespace=cfg.namespace,
            external_labels=cfg.sanitized_external_labels(),
            disable_target_info=not cfg.target_info.enabled,
            disable_scope_info=cfg.disable_scope_info,
            strategy=strategy,
            resource_labels=labeler if labeler.active else None,
        )
        concurrency = cfg.remote_write_queue.num_consumers
        if cfg.max_batch_request_parallelism is not None:
            concurrency = cfg.max_batch_request_parallelism
        self._concurrency = max(1, concurrency)
        info = settings.build_info
        headers = {
            "Content-Encoding": "snappy",
            "Content-Type": "application/x-protobuf",
            "X-Prometheus-Remote-Write-Version": "0.1.0",
            "User-Agent": f"{info.description.lower().replace(' ', '-')}/{info.version}",
        }
        self._headers = set_headers(headers, self._client.header_pairs())
        timeout = cfg.attempt_timeout()
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._http: HttpClient | None = None
        self._closed = False
        self._init_telemetry(settings)

    def _init_telemetry(self, settings: Settings) -> None:
        """Go's ``otelcol_exporter_prometheusremotewrite_*`` self-metrics (the remote-write 1.0 ones)."""
        meter = settings.telemetry.meter
        prefix = "otelcol_exporter_prometheusremotewrite_"
        self._attrs = {"exporter": str(settings.id), "endpoint": self.url}
        consumers = meter.create_up_down_counter(
            prefix + "consumers",
            unit="{consumer}",
            description="Number of configured workers to use to fan out the outgoing requests",
        )
        consumers.add(self._concurrency, self._attrs)
        self._failed_translations = meter.create_counter(
            prefix + "failed_translations",
            unit="1",
            description="Number of translation operations that failed to translate metrics from Otel to Prometheus",
        )
        self._translated = meter.create_counter(
            prefix + "translated_time_series",
            unit="1",
            description="Number of Prometheus time series that were translated from OTel metrics",
        )
        self._sent_batches = meter.create_counter(
            prefix + "sent_batches",
            unit="{batch}",
            description="Number of remote write request batches sent to the remote write endpoint regardless of "
            "success or failure",
        )

    # -- lifecycle --------------------------------------------------------------------------------

    async def start(self, host: Host) -> None:
        self._http = await start_http_client(self._client, host, self.url, logger=self._logger)
        self._logger.info(
            "starting prometheus remote write exporter", extra={"fields": {"ProtoMsg": self._cfg.protobuf_message}}
        )

    async def shutdown(self) -> None:
        if self._closed:
            return
        self._closed = True
        http, self._http = self._http, None
        if http is not None:
            await http.close()

    # -- export -----------------------------------------------------------------------------------

    def _requests(self, data: AnyData) -> list[Any]:
        converter = Converter(self._settings)
        series = converter.convert(data.message)
        self._translated.add(len(series), self._attrs)
        if converter.errors:
            self._failed_translations.add(1, self._attrs)
            self._logger.debug(
                "failed to translate metrics, exporting remaining metrics",
                extra={"fields": {"error": "; ".join(converter.errors), "translated": len(series)}},
            )
        if not series:
            return []
        metadata = converter.metadata(data.message) if self._cfg.send_metadata else []
        return batch_requests(series, metadata, self._cfg.max_batch_size_bytes)

    async def push(self, data: AnyData) -> None:
        if self._closed or self._http is None:
            raise PermanentError("shutdown has been called")
        if data.item_count() > 1000:
            requests = await asyncio.to_thread(self._requests, data)
        else:
            requests = self._requests(data)
        if not requests:
            return
        limit = asyncio.Semaphore(self._concurrency)

        async def send(request: Any) -> None:
            async with limit:
                await self._send(request)

        results = await asyncio.gather(*(send(r) for r in requests), return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        if not errors:
            return
        for error in errors:
            if not isinstance(error, Exception):
                raise error
        message = "; ".join(str(e).removeprefix("Permanent error: ") for e in errors)
        if len(errors) < len(requests):
            message = f"{message} ({len(errors)} of {len(requests)} requests failed)"
        if all(isinstance(e, PermanentError) for e in errors):
            raise PermanentError(message)
        raise ConsumerError(message)

    async def _send(self, request: Any) -> None:
        http = self._http
        if http is None:
            raise PermanentError("shutdown has been called")
        if request.ByteSize() > _THREAD_BYTES:
            body = await asyncio.to_thread(_encode, request)
        else:
            body = _encode(request)
        headers = await http.headers(self._headers)
        kwargs = http.request_kwargs(self._timeout)
        self._sent_batches.add(1, self._attrs)
        try:
            async with http.session.post(self.url, data=body, headers=headers, **kwargs) as resp:
                status = resp.status
                reason = resp.reason or ""
                text = (await resp.content.read(_MAX_ERROR_BODY)).decode("utf-8", "replace") if status >= 300 else ""
        except TimeoutError:
            raise ConsumerError(f'Post "{self.url}": context deadline exceeded') from None
        except (aiohttp.ClientError, OSError, ssl.SSLError) as exc:
            raise ConsumerError(f'Post "{self.url}": {str(exc) or type(exc).__name__}') from None
        if 200 <= status < 300:
            self._logger.debug(
                "remote write request successful", extra={"fields": {"status_code": status, "endpoint": self.url}}
            )
            return
        self._logger.error(
            "failed to send WriteRequest to remote endpoint",
            extra={
                "fields": {
                    "status_code": status,
                    "status": f"{status} {reason}",
                    "endpoint": self.url,
                    "error": text.strip(),
                }
            },
        )
        message = f"remote write request failed (http status {status}): {text.strip()}"
        if 500 <= status < 600:
            raise ConsumerError(message)
        raise PermanentError(message)
