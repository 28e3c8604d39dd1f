"""What both OTLP exporters share: error wording and classification, partial success, User-Agent."""

from __future__ import annotations

import logging
import platform

import pytest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceResponse

from pyotelcol.component import Kind, Signal
from pyotelcol.consumer import ConsumerError, PermanentError
from pyotelcol.helpers import receiverhelper
from pyotelcol.helpers.exporterhelper.otlp import RESPONSES, export_error, grpc_code_retryable, user_agent
from pyotelcol.helpers.grpcstatus import GrpcCode, go_code_name, grpc_code_for_http
from pyotelcol.testing import make_settings

LOG = logging.getLogger("pyotelcol.test.otlp_shared")


def test_go_code_names_are_grpc_gos() -> None:
    names = {code: go_code_name(code) for code in GrpcCode}
    assert names[GrpcCode.CANCELLED] == "Canceled"
    assert names[GrpcCode.DEADLINE_EXCEEDED] == "DeadlineExceeded"
    assert names[GrpcCode.OK] == "OK" and names[GrpcCode.DATA_LOSS] == "DataLoss"
    assert go_code_name(17) == "Code(17)"


def test_receiverhelper_re_exports_the_one_code_enum() -> None:
    assert receiverhelper.GrpcCode is GrpcCode
    assert receiverhelper.grpc_code_for_http is grpc_code_for_http


def test_export_error_is_worded_as_a_grpc_go_status_error() -> None:
    err = export_error(GrpcCode.UNAVAILABLE, "connection refused", retryable=True, retry_after=2.5)
    assert type(err) is ConsumerError
    assert str(err) == "rpc error: code = Unavailable desc = connection refused"
    assert (err.grpc_code, err.retry_after) == (14, 2.5)
    perm = export_error(GrpcCode.INVALID_ARGUMENT, "bad", retryable=False)
    assert isinstance(perm, PermanentError) and perm.grpc_code == 3
    assert str(perm) == "Permanent error: rpc error: code = InvalidArgument desc = bad"


@pytest.mark.parametrize(
    ("code", "with_info", "retryable"),
    [
        (GrpcCode.UNAVAILABLE, False, True),
        (GrpcCode.CANCELLED, False, True),
        (GrpcCode.DATA_LOSS, False, True),
        (GrpcCode.RESOURCE_EXHAUSTED, False, False),
        (GrpcCode.RESOURCE_EXHAUSTED, True, True),
        (GrpcCode.INVALID_ARGUMENT, True, False),
        (GrpcCode.UNKNOWN, False, False),
    ],
)
def test_grpc_codes_worth_retrying_are_gos(code: GrpcCode, with_info: bool, retryable: bool) -> None:
    assert grpc_code_retryable(code, with_info) is retryable


def test_partial_success_is_logged_with_the_signals_field(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger=LOG.name)
    response = ExportMetricsServiceResponse()
    RESPONSES[Signal.METRICS].log_partial_success(response, LOG)  # all accepted: nothing to say
    response.partial_success.rejected_data_points = 3
    response.partial_success.error_message = "too old"
    RESPONSES[Signal.METRICS].log_partial_success(response, LOG)
    (record,) = caplog.records
    assert record.getMessage() == "Partial success response"
    assert record.fields == {"message": "too old", "dropped_data_points": 3}  # type: ignore[attr-defined]


def test_user_agent_is_gos() -> None:
    settings = make_settings("otlp/ua", Kind.EXPORTER, Signal.TRACES)
    info = settings.build_info
    expected = f"{info.description}/{info.version} ({platform.system().lower()}/{platform.machine().lower()})"
    assert user_agent(settings) == expected
