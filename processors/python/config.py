"""Configuration of the ``python`` processor (loading and calling: ``helpers.pyfunction``)."""

from __future__ import annotations

from dataclasses import dataclass

from pyotelcol.helpers.pyfunction import ERROR_MODES, ErrorModeConfig, LoadError, load_function

__all__ = ["ERROR_MODES", "Config", "LoadError", "load_function"]


@dataclass
class Config(ErrorModeConfig):
    # ``function(data, config)`` -> data, or None to drop the data; with ``error_mode: ignore`` a
    # failing call hands the data on unchanged.
    pass
