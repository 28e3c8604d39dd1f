"""Configuration of the ``debug`` exporter, with the Go collector's defaults and messages."""

from __future__ import annotations

from dataclasses import dataclass, field

from pyotelcol.config import OptionalSection
from pyotelcol.helpers.exporterhelper import QueueConfig, default_queue

VERBOSITIES = ("basic", "normal", "detailed")


@dataclass
class Config:
    verbosity: str = "basic"
    sampling_initial: int = 2
    sampling_thereafter: int = 1
    use_internal_logger: bool = True
    output_paths: list[str] | None = None
    # The exporterhelper queue schema, off by default for debug (Go's Default state).
    sending_queue: OptionalSection[QueueConfig] = field(default_factory=lambda: default_queue(enabled=False))

    @property
    def level(self) -> str:
        """The verbosity, lower-cased (Go's level parsing is case-insensitive)."""
        return self.verbosity.lower()

    def validate(self) -> None:
        level = self.level
        if level == "none":
            raise ValueError('verbosity level "None" is not supported')
        if level not in VERBOSITIES:
            raise ValueError(f'unknown metrics level "{level}"')
        if self.use_internal_logger and self.output_paths is not None:
            raise ValueError("output_paths is not supported when use_internal_logger is true")
        if not self.use_internal_logger and self.output_paths is not None and not self.output_paths:
            raise ValueError("output_paths must not be empty when use_internal_logger is false")
