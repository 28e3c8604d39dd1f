"""The ``probabilistic_sampler`` processor: keeps a fixed share of spans or log records, decided
per item from its trace ID (or a record attribute) so every collector decides the same way (Go's
``processor/probabilisticsamplerprocessor``)."""

from .config import Config
from .factory import create_factory

__all__ = ["Config", "create_factory"]
