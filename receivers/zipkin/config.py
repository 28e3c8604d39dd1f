"""Configuration of the ``zipkin`` receiver: confighttp's server keys (squashed in, ``endpoint``
default ``localhost:9411``) and ``parse_string_tags``."""

from __future__ import annotations

from dataclasses import dataclass

from pyotelcol.config import confighttp

DEFAULT_ENDPOINT = "localhost:9411"


@dataclass
class Config(confighttp.ServerConfig):
    """Go's zipkinreceiver Config; Go's Validate accepts everything beyond the server keys."""

    endpoint: str = DEFAULT_ENDPOINT
    # Turn string tags and binary annotations into int/bool/double attributes when they parse.
    parse_string_tags: bool = False
