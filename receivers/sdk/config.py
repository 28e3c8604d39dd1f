"""The ``sdk`` receiver has no settings: the embedded collector's SDK exporters feed it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Config:
    pass
