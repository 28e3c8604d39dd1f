"""The ``statsd`` receiver: StatsD / DogStatsD lines over UDP or TCP, aggregated into metrics."""

from .factory import create_factory

__all__ = ["create_factory"]
