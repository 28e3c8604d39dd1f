"""CORS for HTTP servers: rs/cors as Go's confighttp configures it (preflight and actual requests).

Origins may carry one ``*`` wildcard; ``allowed_headers`` defaults to rs/cors' list and always
admits ``Content-Type``; methods are rs/cors' defaults (GET, POST, HEAD). A preflight answers
204 with the allow headers when origin, method and requested headers pass, and only ``Vary``
otherwise. Credentials are allowed, as confighttp sets them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web
from multidict import CIMultiDict

if TYPE_CHECKING:
    from pyotelcol.config.confighttp import CORSConfig

_PREFLIGHT_VARY = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"


class Cors:
    """The CORS policy of one server; fills the response headers of a request."""

    __slots__ = ("_all_headers", "_all_origins", "_exact", "_expose", "_headers", "_max_age", "_wild")

    _METHODS = frozenset({"GET", "POST", "HEAD"})

    def __init__(self, cfg: CORSConfig) -> None:
        origins = [o.lower() for o in cfg.allowed_origins]
        self._all_origins = "*" in origins
        self._exact = {o for o in origins if "*" not in o}
        self._wild = [tuple(o.split("*", 1)) for o in origins if "*" in o and o != "*"]
        headers = [h.lower() for h in cfg.allowed_headers] or ["accept", "content-type", "x-requested-with"]
        self._all_headers = "*" in headers
        self._headers = frozenset([*headers, "content-type"])
        self._expose = ", ".join("-".join(p.capitalize() for p in h.split("-")) for h in cfg.exposed_headers)
        self._max_age = str(cfg.max_age) if cfg.max_age > 0 else ("0" if cfg.max_age < 0 else "")

    def _origin_allowed(self, origin: str) -> bool:
        if self._all_origins:
            return True
        origin = origin.lower()
        if origin in self._exact:
            return True
        return any(
            len(origin) >= len(pre) + len(suf) and origin.startswith(pre) and origin.endswith(suf)
            for pre, suf in self._wild
        )

    def _headers_allowed(self, requested: list[str]) -> bool:
        if self._all_headers:
            return True
        for value in requested:
            for name in value.split(","):
                name = name.strip().lower()
                if name and name not in self._headers:
                    return False
        return True

    def preflight(self, request: web.BaseRequest, out: CIMultiDict[str]) -> None:
        out.add("Vary", _PREFLIGHT_VARY)
        origin = request.headers.get("Origin", "")
        if not origin or not self._origin_allowed(origin):
            return
        method = request.headers.get("Access-Control-Request-Method", "")
        if method != "OPTIONS" and method not in self._METHODS:
            return
        requested = request.headers.getall("Access-Control-Request-Headers", [])
        if requested and not self._headers_allowed(requested):
            return
        out["Access-Control-Allow-Origin"] = "*" if self._all_origins else origin
        out["Access-Control-Allow-Methods"] = method.upper()
        if requested and requested[0]:
            for value in requested:
                out.add("Access-Control-Allow-Headers", value)
        out["Access-Control-Allow-Credentials"] = "true"
        if self._max_age:
            out["Access-Control-Max-Age"] = self._max_age

    def actual(self, request: web.BaseRequest, out: CIMultiDict[str]) -> None:
        out.add("Vary", "Origin")
        origin = request.headers.get("Origin", "")
        if not origin or not self._origin_allowed(origin):
            return
        if request.method != "OPTIONS" and request.method not in self._METHODS:
            return
        out["Access-Control-Allow-Origin"] = "*" if self._all_origins else origin
        if self._expose:
            out["Access-Control-Expose-Headers"] = self._expose
        out["Access-Control-Allow-Credentials"] = "true"


__all__ = ["Cors"]
