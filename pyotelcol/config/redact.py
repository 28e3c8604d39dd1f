"""Redaction of secrets for ``print-initial-config`` (Go's config/configopaque).

A config dataclass field whose metadata has ``{"opaque": True}`` holds a secret (bearer tokens,
basic-auth passwords, exporter header values, PEM keys). ``redact`` walks each component's
decoded config alongside the resolved plain map and replaces what the user wrote at every
opaque field's key path with ``[REDACTED]``: the value of a string field, every value of a map
field, every element of a list field (for a ``[{name, value}]`` list, every ``value``).
"""

from __future__ import annotations

import copy
import dataclasses
from typing import TYPE_CHECKING, Any

from ..component import ID, IDError
from .decode import OptionalSection, field_key

if TYPE_CHECKING:
    from ..service.config import Config

REDACTED = "[REDACTED]"

__all__ = ["REDACTED", "redact", "redact_component"]


def redact(conf: dict[str, Any], config: Config) -> dict[str, Any]:
    """A copy of the resolved map ``conf`` with every opaque value of every component masked."""
    out = copy.deepcopy(conf)
    for kind, components in config.components.items():
        section = out.get(kind.plural)
        if not isinstance(section, dict):
            continue
        for key, body in section.items():
            try:
                comp_id = ID.parse(str(key))
            except IDError:
                continue
            comp = components.get(comp_id)
            if comp is not None:
                section[key] = redact_component(comp.config, body)
    return out


def redact_component(decoded: Any, raw: Any) -> Any:
    """``raw`` (one component's plain config) with the values at ``decoded``'s opaque fields masked."""
    if isinstance(decoded, OptionalSection):
        decoded = decoded.value
    if dataclasses.is_dataclass(decoded) and not isinstance(decoded, type) and isinstance(raw, dict):
        by_key = {str(k): k for k in raw}
        out = dict(raw)
        for f in dataclasses.fields(decoded):
            raw_key = by_key.get(field_key(f))
            if raw_key is None:
                continue
            value = getattr(decoded, f.name)
            if f.metadata.get("decoded_in"):  # a raw section whose typed form another field holds
                value = getattr(decoded, f.metadata["decoded_in"])
            if f.metadata.get("opaque"):
                out[raw_key] = _mask(raw[raw_key], value)
            else:
                out[raw_key] = redact_component(value, raw[raw_key])
        return out
    if isinstance(decoded, list) and isinstance(raw, list):
        return [redact_component(d, r) for d, r in zip(decoded, raw, strict=False)] + raw[len(decoded) :]
    if isinstance(decoded, dict) and isinstance(raw, dict):
        return {k: redact_component(decoded[str(k)], v) if str(k) in decoded else v for k, v in raw.items()}
    return raw


def _mask(raw: Any, decoded: Any) -> Any:
    if isinstance(raw, dict):
        return {k: REDACTED for k in raw}
    if isinstance(raw, list):
        return [_mask_item(item) for item in raw]
    if raw is None and isinstance(decoded, (dict, list)):
        return None  # an unset map or list: nothing to hide
    return REDACTED


def _mask_item(item: Any) -> Any:
    if isinstance(item, dict) and "value" in item and set(map(str, item)) <= {"name", "value"}:
        return {**item, "value": REDACTED}  # configopaque.MapList entry
    return REDACTED
