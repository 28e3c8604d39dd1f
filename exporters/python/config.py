"""Configuration of the ``python`` exporter: the function, and the exporter helper's settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import ClassVar

from pyotelcol.config import OptionalSection
from pyotelcol.helpers.exporterhelper import QueueConfig, RetryConfig, default_queue
from pyotelcol.helpers.pyfunction import FunctionConfig


@dataclass
class Config(FunctionConfig):
    # ``function(data, config)``: sends the data; returns nothing. Raising fails the send (retried
    # per ``retry_on_failure`` unless it is a ``pyotelcol.consumer.PermanentError``).
    PARAMS: ClassVar[tuple[str, ...]] = ("data", "config")

    timeout: timedelta = timedelta(seconds=5)
    sending_queue: OptionalSection[QueueConfig] = field(default_factory=default_queue)
    retry_on_failure: RetryConfig = field(default_factory=RetryConfig)
