"""Configuration of the ``python`` receiver."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import ClassVar

from pyotelcol.helpers.pyfunction import FunctionConfig


@dataclass
class Config(FunctionConfig):
    # ``function(emit, config)`` runs from start to shutdown and calls ``emit(data)`` for each
    # request it produces (async functions ``await emit(data)``; sync ones run in their own
    # thread, where ``emit`` blocks until the pipelines answered).
    PARAMS: ClassVar[tuple[str, ...]] = ("emit", "config")

    function: str = "receive"
    # The receiver's function runs for the collector's life: no time limit per call.
    timeout: timedelta = timedelta(0)
