"""Configuration of the ``service_graph`` connector: Go's keys, defaults and validation messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

#: Go's default latency buckets, in seconds.
DEFAULT_LATENCY_BUCKETS = [0.002, 0.004, 0.006, 0.008, 0.01, 0.05, 0.1, 0.2, 0.4, 0.8, 1, 1.4, 2, 5, 10, 15]
#: peer.service, then the older semantic conventions' db.name and db.system.
DEFAULT_PEER_ATTRIBUTES = ["peer.service", "db.name", "db.system"]
DEFAULT_DATABASE_NAME_ATTRIBUTES = ["db.name"]
DEFAULT_METRICS_FLUSH_INTERVAL = timedelta(seconds=60)


@dataclass
class StoreConfig:
    ttl: timedelta = timedelta(seconds=2)
    max_items: int = 1000


@dataclass
class Config:
    # Deprecated and unused in Go since the connector gets its pipeline's consumer; accepted.
    metrics_exporter: str = ""
    # Unset: Go's defaults; an empty list makes a histogram with a single bucket.
    latency_histogram_buckets: list[timedelta] | None = None
    # Non-zero (and no explicit buckets): exponential histograms of at most this many buckets.
    exponential_histogram_max_size: int = 0
    dimensions: list[str] = field(default_factory=list)
    store: StoreConfig = field(default_factory=StoreConfig)
    cache_loop: timedelta = timedelta(minutes=1)
    store_expiration_loop: timedelta = timedelta(seconds=2)
    # Unset: Go's defaults; an empty list turns virtual nodes off.
    virtual_node_peer_attributes: list[str] | None = None
    virtual_node_extra_label: bool = False
    # Unset: 60s; 0 (or less): metrics are flushed after every batch of spans.
    metrics_flush_interval: timedelta | None = None
    database_name_attributes: list[str] = field(default_factory=list)
    metrics_timestamp_offset: timedelta = timedelta(0)

    def validate(self) -> None:
        if self.latency_histogram_buckets is None and self.exponential_histogram_max_size < 0:
            raise ValueError("`exponential_histogram_max_size` can not be negative")
        if self.latency_histogram_buckets is not None and self.exponential_histogram_max_size > 0:
            raise ValueError("use either `latency_histogram_buckets` or `exponential_histogram_max_size`")

    # -- the values Go settles on when the connector is created -------------------------------
    def bounds(self) -> list[float] | None:
        """Explicit bucket bounds in seconds, or None for exponential histograms."""
        if self.exponential_histogram_max_size != 0:
            return None
        if self.latency_histogram_buckets is None:
            return list(DEFAULT_LATENCY_BUCKETS)
        return [b.total_seconds() for b in self.latency_histogram_buckets]

    def peer_attributes(self) -> list[str]:
        if self.virtual_node_peer_attributes is None:
            return list(DEFAULT_PEER_ATTRIBUTES)
        return self.virtual_node_peer_attributes

    def database_attributes(self) -> list[str]:
        return self.database_name_attributes or list(DEFAULT_DATABASE_NAME_ATTRIBUTES)

    def flush_interval(self) -> timedelta:
        if self.metrics_flush_interval is None:
            return DEFAULT_METRICS_FLUSH_INTERVAL
        return self.metrics_flush_interval

    def cache_loop_interval(self) -> timedelta:
        return self.cache_loop if self.cache_loop > timedelta(0) else timedelta(minutes=1)

    def store_expiration_interval(self) -> timedelta:
        if self.store_expiration_loop > timedelta(0):
            return self.store_expiration_loop
        return timedelta(seconds=2)
