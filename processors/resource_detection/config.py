"""Configuration of the ``resource_detection`` processor (Go's resourcedetectionprocessor.Config).

The HTTP client settings (``timeout``, ``tls``, ``headers``, ...) sit at the top level, as Go
squashes ``confighttp.ClientConfig`` into the config; ``timeout`` (5s) bounds detection. Each
detector's section (``system:``, ``ec2:``, ...) is built from the catalog, see ``catalog.py``.
"""

from __future__ import annotations

import dataclasses
import keyword
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from pyotelcol.config.confighttp import ClientConfig
from pyotelcol.helpers.exporterhelper.config import RetryConfig

from .catalog import catalog, section_classes


def section_attribute(key: str) -> str:
    """The Python attribute of a section key (``lambda`` is a keyword)."""
    return key + "_" if keyword.iskeyword(key) else key


def _default_retry() -> RetryConfig:
    return RetryConfig(
        enabled=True,
        initial_interval=timedelta(seconds=1),
        randomization_factor=0.5,
        multiplier=2.0,
        max_interval=timedelta(seconds=30),
        max_elapsed_time=timedelta(0),
    )


@dataclass
class BaseConfig(ClientConfig):
    # Ordered list of detectors; on a conflict the earlier detector's value wins.
    detectors: list[str] = field(default_factory=lambda: ["env"])
    # Whether detected values replace attributes the data already has.
    override: bool = True
    # Above 0: detect again at this interval (a failed refresh keeps the last good result).
    refresh_interval: timedelta = timedelta(0)
    # Network detectors fail (instead of detecting nothing) when their metadata service is unreachable.
    fail_on_missing_metadata: bool = False
    # Back-off between the attempts of a failing detector.
    retry: RetryConfig = field(default_factory=_default_retry)
    timeout: timedelta = timedelta(seconds=5)
    # The detection state the processors of every signal of this component share (Go keeps one
    # provider per component ID).
    shared_provider: Any = field(default=None, metadata={"internal": True}, repr=False, compare=False)

    def validate(self) -> None:
        super().validate()  # the HTTP client settings
        errors: list[str] = []
        names = sorted(catalog())
        for raw in self.detectors:
            name = raw.strip()
            if name not in catalog():
                errors.append(
                    f'detector "{name}" is not compiled into this binary; compiled detectors: [{", ".join(names)}]'
                )
        if self.retry.enabled and self.timeout == timedelta(0) and self.retry.max_elapsed_time == timedelta(0):
            errors.append("retry.enabled requires either timeout > 0 or retry.max_elapsed_time > 0 to bound detection")
        if self.refresh_interval < timedelta(0):
            errors.append("'refresh_interval' must not be negative")
        if errors:
            raise ValueError("\n".join(errors))

    def section(self, detector: str) -> Any:
        """The config section of one detector (``system``, ``ec2``, ...); None for dynatrace."""
        key = catalog()[detector].section
        return None if key is None else getattr(self, section_attribute(key))

    def detector_names(self) -> list[str]:
        return [name.strip() for name in self.detectors]


def _build_config_class() -> type[BaseConfig]:
    fields = [
        (section_attribute(key), cls, field(default_factory=cls, metadata={"key": key}))
        for key, cls in section_classes().items()
    ]
    built = dataclasses.make_dataclass("Config", fields, bases=(BaseConfig,))
    built.__module__ = __name__
    built.__doc__ = "The processor's config: BaseConfig plus one section per detector."
    return built


Config = _build_config_class()
