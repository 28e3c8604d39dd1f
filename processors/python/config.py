"""Configuration of the ``python`` processor (loading and calling: ``helpers.pyfunction``)."""

from __future__ import annotations

from dataclasses import dataclass

from pyotelcol.helpers.pyfunction import FunctionConfig, LoadError, load_function

__all__ = ["ERROR_MODES", "Config", "LoadError", "load_function"]

ERROR_MODES = ("propagate", "ignore", "silent")


@dataclass
class Config(FunctionConfig):
    # ``function(data, config)`` -> data, or None to drop the data.
    # What happens when the function raises: propagate (the caller gets a permanent error), ignore
    # (logged, the data goes on unchanged), silent (the same, not logged).
    error_mode: str = "propagate"

    def validate(self) -> None:
        if self.error_mode not in ERROR_MODES:
            raise ValueError(f"'error_mode' must be one of {', '.join(ERROR_MODES)}, got {self.error_mode!r}")
        super().validate()
