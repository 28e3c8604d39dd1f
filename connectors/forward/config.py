"""The forward connector takes no configuration: every key is rejected as an invalid key."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Config:
    """No settings."""
