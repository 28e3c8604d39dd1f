"""The resolver: config URIs -> retrieved maps -> deep merge -> expansion, as Go's confmap.Resolver does."""

from __future__ import annotations

import logging
import re
from typing import Any

from .errors import ResolveError, go_quote
from .expand import Expander, parse_location
from .merge import flatten, merge, merge_append, unflatten
from .providers import SCHEMES, Providers, go_clean

_DRIVE_LETTER = re.compile(r"[A-z]:")  # Go's "^[A-z]:" (the range includes [\]^_`)


def set_flag_to_uri(flag: str) -> str:
    """``--set a.b.c=value`` payload -> ``yaml:a::b::c: value`` (split at the first ``=``, both sides trimmed)."""
    key, sep, value = flag.partition("=")
    if not sep:
        raise ValueError("missing equal sign")
    return f"yaml:{key.replace('.', '::').strip()}: {value.strip()}"


def config_locations(uris: list[str]) -> list[tuple[str, str]]:
    """Parse every ``--config`` URI up front, as Go's NewResolver does (errors have ``at_creation``)."""
    if not uris:
        raise ResolveError("invalid 'confmap.ResolverSettings' configuration: no URIs", at_creation=True)
    out = []
    for uri in uris:
        if _DRIVE_LETTER.match(uri) or ":" not in uri:
            out.append(("file", uri))
            continue
        try:
            scheme, opaque = parse_location(uri)
        except ResolveError as exc:
            raise ResolveError(str(exc), at_creation=True) from None
        if scheme not in SCHEMES:
            raise ResolveError(f"unsupported scheme on URI {go_quote(uri)}", at_creation=True)
        out.append((scheme, opaque))
    return out


def _merged(uris: list[str], providers: Providers, append: bool) -> dict[str, Any]:
    conf: dict[str, Any] = {}
    for scheme, opaque in config_locations(uris):
        try:
            retrieved = providers.retrieve(scheme, opaque)
        except ResolveError as exc:
            raise ResolveError(f"cannot retrieve the configuration: {exc}") from None
        source = go_clean(opaque) if scheme == "file" else ""
        (merge_append if append else merge)(conf, retrieved.as_conf(source))
    return conf


def resolve_raw(uris: list[str], *, logger: logging.Logger | None = None, merge_append: bool = False) -> dict[str, Any]:
    """The merged configuration before any ``${...}`` expansion or ``$$`` unescaping."""
    return _merged(uris, Providers(logger), merge_append)


def resolve(uris: list[str], *, logger: logging.Logger | None = None, merge_append: bool = False) -> dict[str, Any]:
    """Retrieve, merge and expand the configuration like the Go collector's resolver.

    Whole-value references come back as ``ExpandedValue(parsed, original_text)``; everything else
    is plain YAML data (``datetime`` for timestamp-like scalars, as Go's ``time.Time``).
    ``merge_append`` is the ``confmap.enableMergeAppendOption`` feature gate. The env provider logs
    unset (warning) and empty (info) variables on ``logger`` with ``extra={"fields": {"name": ...}}``;
    without a logger nothing is logged (Go's resolver default is a no-op logger).
    """
    providers = Providers(logger)
    leaves = list(flatten(_merged(uris, providers, merge_append)))
    expander = Expander(providers)
    # Go expands leaf by leaf in sorted key order; that order decides which error and warning come first.
    expanded = {path: expander.expand(value) for path, value in sorted(leaves, key=lambda kv: "::".join(kv[0]))}
    return unflatten([(path, expanded[path]) for path, _ in leaves])
