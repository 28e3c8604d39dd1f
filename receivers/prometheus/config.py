"""Configuration of the ``prometheus`` receiver (Go's ``prometheusreceiver.Config``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from . import promconfig


@dataclass
class Config:
    """``config`` holds a Prometheus server config (read by ``promconfig.load``)."""

    # kept as written; its typed form (``prometheus``) tells print-config which values are secrets
    config: Any = field(default=None, metadata={"decoded_in": "prometheus"})
    trim_metric_suffixes: bool = False
    scrape_on_shutdown: bool = False
    discovery_reload_on_startup: bool = False
    initial_scrape_offset: timedelta = timedelta(0)
    target_allocator: Any = None
    api_server: Any = None
    prometheus: promconfig.PromConfig | None = field(default=None, metadata={"internal": True})

    def validate(self) -> None:
        if self.target_allocator is not None:
            raise ValueError("target_allocator is not supported yet by pyotelcol")
        if isinstance(self.api_server, dict) and self.api_server.get("enabled"):
            raise ValueError("api_server is not supported yet by pyotelcol")
        cfg = self.config
        has_jobs = isinstance(cfg, dict) and bool(cfg.get("scrape_configs") or cfg.get("scrape_config_files"))
        if not has_jobs:
            raise ValueError("no Prometheus scrape_configs or target_allocator set")
        try:
            self.prometheus = promconfig.load(cfg)
        except promconfig.ScrapeConfigFilesError as exc:
            raise ValueError(f"config: failed to get scrape configs: {exc}") from None
        except ValueError as exc:
            raise ValueError(
                f"prometheus receiver: failed to unmarshal yaml to prometheus config object: {exc}"
            ) from None
