"""zpages configuration (Go: extension/zpagesextension): a confighttp server plus ``expvar``."""

from __future__ import annotations

from dataclasses import dataclass, field

from pyotelcol.config.confighttp import ServerConfig

DEFAULT_ENDPOINT = "localhost:55679"


@dataclass
class ExpvarConfig:
    enabled: bool = False


@dataclass
class Config(ServerConfig):
    endpoint: str = DEFAULT_ENDPOINT
    expvar: ExpvarConfig = field(default_factory=ExpvarConfig)

    def validate(self) -> None:
        if self.endpoint == "":
            raise ValueError('"endpoint" is required when using the "zpages" extension')
        super().validate()
