"""Configuration of the ``python`` connector."""

from __future__ import annotations

from dataclasses import dataclass

from pyotelcol.helpers.pyfunction import FunctionConfig

ERROR_MODES = ("propagate", "ignore", "silent")


@dataclass
class Config(FunctionConfig):
    # ``function(data, config)`` -> data of the target pipelines' signal, or None to send nothing.
    # What happens when the function raises: propagate (the source pipeline's caller gets a
    # permanent error), ignore (logged, nothing is sent on), silent (the same, not logged).
    error_mode: str = "propagate"

    def validate(self) -> None:
        if self.error_mode not in ERROR_MODES:
            raise ValueError(f"'error_mode' must be one of {', '.join(ERROR_MODES)}, got {self.error_mode!r}")
        super().validate()
