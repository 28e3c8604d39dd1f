"""Configuration of the ``python`` connector."""

from __future__ import annotations

from dataclasses import dataclass

from pyotelcol.helpers.pyfunction import ERROR_MODES, ErrorModeConfig, LoadError, load_function

__all__ = ["ERROR_MODES", "Config", "LoadError", "load_function"]


@dataclass
class Config(ErrorModeConfig):
    # ``function(data, config)`` -> data of the target pipelines' signal, or None to send nothing;
    # with ``error_mode: ignore`` a failing call sends nothing.
    pass
