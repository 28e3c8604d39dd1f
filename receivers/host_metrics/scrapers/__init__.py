"""The hostmetrics scrapers, one module each, by scraper name."""

from __future__ import annotations

from typing import Any

from .base import HostScraper
from .cpu import CPUScraper
from .disk import DiskScraper
from .filesystem import FilesystemScraper
from .load import LoadScraper
from .memory import MemoryScraper
from .network import NetworkScraper
from .paging import PagingScraper
from .process import ProcessScraper
from .processes import ProcessesScraper
from .system import SystemScraper

__all__ = ["BY_NAME", "HostScraper"]

BY_NAME: dict[str, type[HostScraper[Any]]] = {
    "cpu": CPUScraper,
    "disk": DiskScraper,
    "filesystem": FilesystemScraper,
    "load": LoadScraper,
    "memory": MemoryScraper,
    "network": NetworkScraper,
    "paging": PagingScraper,
    "processes": ProcessesScraper,
    "process": ProcessScraper,
    "system": SystemScraper,
}
