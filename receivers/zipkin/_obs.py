"""Self-metrics of the zipkin receiver: Go keeps one ObsReport per Zipkin transport, so the
``transport`` label names the wire format (``http_v2_json``, ...) and there is no ``format`` label."""

from __future__ import annotations

from pyotelcol.component import Settings, Signal
from pyotelcol.telemetry.obsreport import ReceiverObs

TRANSPORT_V1_THRIFT = "http_v1_thrift"
TRANSPORT_V1_JSON = "http_v1_json"
TRANSPORT_V2_JSON = "http_v2_json"
TRANSPORT_V2_PROTO = "http_v2_proto"
TRANSPORTS = (TRANSPORT_V1_THRIFT, TRANSPORT_V1_JSON, TRANSPORT_V2_JSON, TRANSPORT_V2_PROTO)


class ZipkinObs:
    """``otelcol_receiver_{accepted,refused,failed}_spans`` with labels receiver and transport (one
    ``ReceiverObs`` per Zipkin transport, without the ``format`` label, as Go's). A request whose
    body does not translate records nothing."""

    def __init__(self, settings: Settings) -> None:
        self._by_transport = {t: ReceiverObs(settings, t, format=None) for t in TRANSPORTS}

    def record(self, transport: str, spans: int, refused: bool) -> None:
        self._by_transport[transport].record(Signal.TRACES, spans, refused)
