"""Configuration of the ``delta_to_rate`` processor (Go's ``deltatorateprocessor.Config``)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Config:
    # Names of the delta sums to turn into rates (exact names).
    metrics: list[str] = field(default_factory=list)

    def validate(self) -> None:
        if not self.metrics:
            raise ValueError("metric names are missing")
