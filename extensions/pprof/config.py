"""pprof configuration (Go: extension/pprofextension): a TCP address and the profile settings."""

from __future__ import annotations

from dataclasses import dataclass, field

from pyotelcol.config.confighttp import DialerConfig

DEFAULT_ENDPOINT = "localhost:1777"


@dataclass
class Config:
    # Go's confignet.TCPAddrConfig, squashed: only ``endpoint`` and ``dialer``.
    endpoint: str = DEFAULT_ENDPOINT
    dialer: DialerConfig = field(default_factory=DialerConfig)
    # Go's runtime block/mutex profile rates: Python has no such profiles (see README).
    block_profile_fraction: int = 0
    mutex_profile_fraction: int = 0
    # A CPU profile from start to shutdown, written in pprof's format at shutdown.
    save_to_file: str = ""
