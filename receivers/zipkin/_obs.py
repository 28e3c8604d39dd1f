"""Self-metrics of the zipkin receiver: Go keeps one ObsReport per Zipkin transport, so the
``transport`` label names the wire format (``http_v2_json``, ...) and there is no ``format`` label."""

from __future__ import annotations

from pyotelcol.component import Settings

TRANSPORT_V1_THRIFT = "http_v1_thrift"
TRANSPORT_V1_JSON = "http_v1_json"
TRANSPORT_V2_JSON = "http_v2_json"
TRANSPORT_V2_PROTO = "http_v2_proto"
TRANSPORTS = (TRANSPORT_V1_THRIFT, TRANSPORT_V1_JSON, TRANSPORT_V2_JSON, TRANSPORT_V2_PROTO)


class ZipkinObs:
    """``otelcol_receiver_{accepted,refused,failed}_spans`` with labels receiver and transport.

    As in Go without the ``receiverhelper.newReceiverMetrics`` gate: all three are added on every
    forwarded request, every pipeline error counts as refused, and failed stays 0. A request whose
    body does not translate records nothing."""

    def __init__(self, settings: Settings) -> None:
        meter = settings.telemetry.meter
        # Same names, units and descriptions as pyotelcol.telemetry.obsreport, so the SDK sees
        # one instrument per name whichever receiver creates it first.
        self._accepted = meter.create_counter(
            "otelcol_receiver_accepted_spans",
            unit="{spans}",
            description="Number of spans successfully pushed into the pipeline.",
        )
        self._refused = meter.create_counter(
            "otelcol_receiver_refused_spans",
            unit="{spans}",
            description="Number of spans that could not be pushed into the pipeline.",
        )
        self._failed = meter.create_counter(
            "otelcol_receiver_failed_spans",
            unit="{spans}",
            description="The number of spans that failed to be processed by the receiver due to internal errors.",
        )
        receiver = str(settings.id)
        self._attrs = {t: {"receiver": receiver, "transport": t} for t in TRANSPORTS}

    def record(self, transport: str, spans: int, refused: bool) -> None:
        attrs = self._attrs[transport]
        self._accepted.add(0 if refused else spans, attrs)
        self._refused.add(spans if refused else 0, attrs)
        self._failed.add(0, attrs)
