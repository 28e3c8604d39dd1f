"""What a detector is, and the small pieces every detector shares."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp

from ..catalog import enabled_attributes

#: the semantic conventions version Go's detectors report (``conventions.SchemaURL``)
SCHEMA_URL = "https://opentelemetry.io/schemas/1.43.0"


class DetectionError(Exception):
    """A detector failed; detection is retried per ``retry`` and then fails the processor's start."""


class MetadataUnavailable(DetectionError):
    """The platform's metadata service did not answer (not on that platform, or not reachable)."""


@dataclass
class Detected:
    """One detector's result: attributes in the order set, and a schema URL (or "")."""

    attributes: dict[str, Any] = field(default_factory=dict)
    schema_url: str = ""


@dataclass
class Deadline:
    """When the current detection attempt must end (monotonic seconds; None: no bound)."""

    at: float | None

    def remaining(self, cap: float | None = None) -> float | None:
        left = None if self.at is None else max(self.at - time.monotonic(), 0.001)
        if cap is None:
            return left
        return cap if left is None else min(left, cap)


AnyLogger = logging.Logger | logging.LoggerAdapter[Any]


class Detector(Protocol):
    async def detect(self, deadline: Deadline) -> Detected: ...


@dataclass
class DetectorContext:
    """What a detector gets when it is created."""

    section: Any
    logger: AnyLogger
    fail_on_missing_metadata: bool


class ResourceBuilder:
    """Go's generated ResourceBuilder: sets an attribute only when it is enabled in the config."""

    def __init__(self, section: Any) -> None:
        self._enabled = enabled_attributes(section)
        self._attrs: dict[str, Any] = {}

    def enabled(self, name: str) -> bool:
        return self._enabled.get(name, False)

    def set(self, name: str, value: Any) -> None:
        if self._enabled.get(name, False):
            self._attrs[name] = value

    def emit(self, schema_url: str = SCHEMA_URL) -> Detected:
        attrs, self._attrs = self._attrs, {}
        return Detected(attrs, schema_url)


def client_timeout(deadline: Deadline, cap: float | None = None) -> aiohttp.ClientTimeout:
    """An aiohttp timeout for one request that ends no later than the attempt's deadline."""
    return aiohttp.ClientTimeout(total=deadline.remaining(cap))
