"""The ``UserAgent`` converter: a user-agent string to its semantic-convention attributes.

Go parses with ``ua-parser/uap-go`` and its bundled uap-core regexes; here the Python port of the
same project (``ua-parser`` with ``ua-parser-builtins``) reads the same uap-core rules. The package
is imported when a statement uses ``UserAgent``, so the rest of OTTL works without it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pyotelcol.ottl.functions import CompileError, Getter, Param, converter
from pyotelcol.ottl.values import expect_string

if TYPE_CHECKING:
    from ua_parser import Parser

Item = Callable[[Any], Any]

# Distinct user agents seen by one collector are few and repeat a lot; 4096 covers a busy
# frontend while bounding memory (the strings are a few hundred bytes each).
CACHE_SIZE = 4096
# uap-core's family when no rule matches, as uap-go reports it.
UNKNOWN_FAMILY = "Other"


@functools.cache
def _parser() -> Parser:
    try:
        from ua_parser import BasicResolver, Parser, load_lazy_builtins
    except ImportError:
        raise CompileError(
            "UserAgent needs the 'ua-parser' package (with 'ua-parser-builtins'): pip install 'ua-parser>=1.0'"
        ) from None
    # Lazy matchers compile each uap-core regex the first time it is tried, so the first call
    # does not pay for the ~1000 regexes at once.
    return Parser(BasicResolver(load_lazy_builtins()))


def _version(*parts: str | None) -> str:
    """uap-go's ``ToVersionString``: the non-empty parts, the first bare and the rest after dots."""
    text = ""
    for index, part in enumerate(parts):
        if part:
            text += part if index == 0 else "." + part
    return text


@functools.lru_cache(maxsize=CACHE_SIZE)
def parse_user_agent(text: str) -> tuple[tuple[str, str], ...]:
    """The attributes Go's ``UserAgent`` returns for ``text``, as ordered pairs (a tuple so the
    cached value cannot be changed by a caller)."""
    parser = _parser()
    agent = parser.parse_user_agent(text)
    os = parser.parse_os(text)
    pairs = [
        ("user_agent.original", text),
        ("user_agent.name", agent.family if agent else UNKNOWN_FAMILY),
        # uap-go's UserAgent has no patch_minor: its version stops at the patch.
        ("user_agent.version", _version(agent.major, agent.minor, agent.patch) if agent else ""),
    ]
    # Go adds os.name and os.version only when non-empty; uap-go's unknown OS is "Other".
    os_name = os.family if os else UNKNOWN_FAMILY
    if os_name:
        pairs.append(("os.name", os_name))
    os_version = _version(os.major, os.minor, os.patch, os.patch_minor) if os else ""
    if os_version:
        pairs.append(("os.version", os_version))
    return tuple(pairs)


@converter("UserAgent", Param("user_agent", "getter"))
def build_user_agent(user_agent: Getter) -> Item:
    """Go: a map with ``user_agent.original``, ``user_agent.name`` (``Other`` when unknown) and
    ``user_agent.version`` (possibly empty), plus ``os.name`` and ``os.version`` when known."""
    _parser()  # a missing package is a statement error, reported when the config is loaded

    def run(tctx: Any) -> dict[str, Any]:
        return dict(parse_user_agent(expect_string(user_agent(tctx))))

    return run
