"""Configuration of the ``prometheus`` exporter (Go's prometheusexporter Config): confighttp's
server keys (``endpoint`` required), naming, labels and ``metric_expiration``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from pyotelcol.config import OptionalSection
from pyotelcol.config.confighttp import ServerConfig
from pyotelcol.helpers.exporterhelper import QueueConfig, default_queue
from pyotelcol.translator.prometheus.from_otlp import ResourceLabelsConfig, validate_resource_labels
from pyotelcol.translator.prometheus.naming import STRATEGIES


@dataclass
class Config(ServerConfig):
    sending_queue: OptionalSection[QueueConfig] = field(default_factory=lambda: default_queue(False))
    namespace: str = ""
    const_labels: dict[str, str] = field(default_factory=dict)
    send_timestamps: bool = False
    metric_expiration: timedelta = timedelta(minutes=5)
    resource_to_telemetry_conversion: ResourceLabelsConfig = field(default_factory=ResourceLabelsConfig)
    resource_constant_labels: ResourceLabelsConfig = field(default_factory=ResourceLabelsConfig)
    enable_open_metrics: bool = False
    without_scope_info: bool = False
    add_metric_suffixes: bool = True
    translation_strategy: str = ""

    def validate(self) -> None:
        validate_resource_labels(self.resource_to_telemetry_conversion, self.resource_constant_labels)
        if self.translation_strategy and self.translation_strategy not in STRATEGIES:
            raise ValueError(f"invalid translation_strategy: {self.translation_strategy}")
        super().validate()
        # Go fails the exporter's creation with this message; here `validate` reports it.
        if not self.endpoint.strip():
            raise ValueError("expecting a non-blank address to run the Prometheus metrics handler")
