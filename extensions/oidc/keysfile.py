"""``public_keys_file``: a local JWK set used instead of discovery (Go's parseJWKSFile)."""

from __future__ import annotations

import os

from . import jose
from .config import ERR_NO_SUPPORTED_KEYS


def parse_keys(data: bytes) -> tuple[list[jose.Key], tuple[str, ...]]:
    """The file's usable keys and the algorithms they allow (each key's ``alg`` when it suits
    the key type, else every algorithm of the type)."""
    try:
        keys = jose.parse_jwks(data, skip_unsupported_alg=False)
    except jose.JoseError as exc:
        raise ValueError(f"failed to parse JWKS: {exc}") from None
    if not keys:
        raise ValueError(ERR_NO_SUPPORTED_KEYS)
    algorithms: list[str] = []
    for key in keys:
        algorithms.extend(a for a in jose.algorithms_for(key) if a not in algorithms)
    return keys, tuple(algorithms)


def read_keys_file(path: str) -> tuple[list[jose.Key], tuple[str, ...]]:
    path = os.path.abspath(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        text = exc.strerror or str(exc)
        raise ValueError(f"could not read file: open {path}: {text[:1].lower()}{text[1:]}") from None
    return parse_keys(data)
