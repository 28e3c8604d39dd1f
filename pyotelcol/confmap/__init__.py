"""confmap: resolving the collector configuration exactly as the Go collector does.

``resolve(uris)`` fetches every config URI (bare paths are ``file:``; also ``env:``, ``yaml:``,
``http(s)://``), parses YAML like Go's yaml.v3 (:mod:`.yamlload`), deep-merges (maps merge, lists and
nulls replace), expands ``${...}`` in values and unescapes ``$$``.
"""

from __future__ import annotations

from typing import Any

from .errors import ResolveError
from .expanded import ExpandedValue, plain
from .resolver import config_locations, resolve, resolve_raw, set_flag_to_uri
from .yamlload import YamlError, load_yaml


def to_plain(conf: Any) -> Any:
    """The configuration with every ExpandedValue replaced by its parsed value (for printing)."""
    return plain(conf)


__all__ = [
    "ExpandedValue",
    "ResolveError",
    "YamlError",
    "config_locations",
    "load_yaml",
    "resolve",
    "resolve_raw",
    "set_flag_to_uri",
    "to_plain",
]
