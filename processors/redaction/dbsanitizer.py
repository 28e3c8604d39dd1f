"""Database statement obfuscation as Go's redaction processor does it (``internal/db``).

Each enabled family knows the ``db.system.name`` (or older ``db.system``) values it handles and
the attribute keys listed for it:

* an attribute is obfuscated when its key is listed for the family that handles the map's
  database system (first such family in the order sql, redis, valkey, memcached, mongo; Go
  ignores the attributes listed for opensearch and es); for logs,
  where the system is often missing, every family listing the key runs in that order;
* a string log body (and every string leaf of a map or list body) goes through every enabled
  family in that order, whatever its content;
* a client, server or internal span whose map names a handled system has its name obfuscated
  by that family (SQL with the system as dialect).

Nothing happens to attributes when no enabled family lists an attribute.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from pyotelcol.pdata.pcommon import Map, ValueType
from pyotelcol.pdata.ptrace import SpanKind

from .jsonobfuscate import obfuscate_json
from .kvobfuscate import obfuscate_memcached, obfuscate_redis
from .sqlobfuscate import obfuscate_sql

SQL_SYSTEMS = frozenset({"other_sql", "mysql", "postgresql", "mariadb", "sqlite"})
_SPAN_KINDS = frozenset({SpanKind.CLIENT, SpanKind.SERVER, SpanKind.INTERNAL})


@dataclass(frozen=True)
class Family:
    """One ``db_sanitizer`` entry: its systems, listed attributes and obfuscation function
    (which takes the statement and the database system used as SQL dialect, "" for none)."""

    name: str
    systems: frozenset[str]
    attributes: frozenset[str]
    obfuscate: Callable[[str, str], str]


def _sql(text: str, dbms: str) -> str:
    return obfuscate_sql(text, dbms)


def _redis(text: str, _dbms: str) -> str:
    return obfuscate_redis(text)


def _memcached(text: str, _dbms: str) -> str:
    return obfuscate_memcached(text)


def _json(text: str, _dbms: str) -> str:
    return obfuscate_json(text)


def build_families(enabled: dict[str, list[str]]) -> list[Family]:
    """The families in Go's order from ``{family name: attributes}`` of the enabled ones."""
    table: list[tuple[str, frozenset[str], Callable[[str, str], str]]] = [
        ("sql", SQL_SYSTEMS, _sql),
        ("redis", frozenset({"redis"}), _redis),
        ("valkey", frozenset({"valkey"}), _redis),
        ("memcached", frozenset({"memcached"}), _memcached),
        ("mongo", frozenset({"mongodb"}), _json),
        ("opensearch", frozenset({"opensearch"}), _json),
        ("es", frozenset({"elasticsearch"}), _json),
    ]
    # Go ignores the attributes listed for opensearch and es.
    return [
        Family(name, systems, frozenset(enabled[name] if name not in ("opensearch", "es") else ()), fn)
        for name, systems, fn in table
        if name in enabled
    ]


def database_system(attributes: Map) -> str:
    """``db.system.name``, else ``db.system``, lower-cased; "" when neither is a string."""
    for key in ("db.system.name", "db.system"):
        value = attributes.get(key)
        if value is not None and value.type is ValueType.STR and value.str_value:
            return value.str_value.lower()
    return ""


@dataclass(frozen=True)
class DBSanitizer:
    families: tuple[Family, ...]
    # Logs: attributes without a database system go through every family listing their key.
    fallback_without_system: bool = False

    @property
    def enabled(self) -> bool:
        return bool(self.families)

    @property
    def _lists_attributes(self) -> bool:
        return any(family.attributes for family in self.families)

    def for_logs(self) -> DBSanitizer:
        return replace(self, fallback_without_system=True)

    def obfuscate(self, text: str) -> str:
        """A log body: every enabled family in turn."""
        for family in self.families:
            text = family.obfuscate(text, "")
        return text

    def obfuscate_attribute(self, value: str, key: str, system: str) -> str:
        if not self._lists_attributes:
            return value
        if not system:
            if not self.fallback_without_system:
                return value
            for family in self.families:
                if key in family.attributes:
                    value = family.obfuscate(value, "")
            return value
        for family in self.families:
            if system in family.systems and key in family.attributes:
                return family.obfuscate(value, "")
        return value

    def sanitize_span_name(self, name: str, kind: int, attributes: Map) -> str | None:
        """The obfuscated name, or None when the span is not a database call or nothing changed."""
        if kind not in _SPAN_KINDS:
            return None
        system = database_system(attributes)
        if not system:
            return None
        for family in self.families:
            if system in family.systems:
                obfuscated = family.obfuscate(name, system)
                return obfuscated if obfuscated != name else None
        return None
