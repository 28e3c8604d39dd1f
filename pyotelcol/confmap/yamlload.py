"""YAML parsed the way Go's yaml.v3 parses it when decoding into ``any`` (what confmap does).

PyYAML's SafeLoader follows YAML 1.1; the Go collector does not. Plain (unquoted) scalars resolve
as follows, checked against otelcol-contrib 0.135:

- null: ``""`` (empty), ``~``, ``null``, ``Null``, ``NULL``.
- bool: only ``true``/``True``/``TRUE``/``false``/``False``/``FALSE``; ``yes/no/on/off/y/n`` are strings.
- Scalars starting with a digit, ``+`` or ``-``: first a timestamp (``2001-12-14``,
  ``2001-12-14T21:59:43.1Z``, ``2001-12-14 21:59:43``) becomes a UTC/offset ``datetime`` (Go's
  ``time.Time``); otherwise every ``_`` is removed and the rest is parsed like Go's
  ``strconv.ParseInt(s, 0, 64)``: ``0x1F`` = 31, ``0o17`` = ``017`` = 15 (YAML 1.1 octal, so
  ``007`` = 7 and ``0123`` = 83), ``0b101`` = 5, ``1_000`` = 1000, up to uint64; failing that, a YAML
  float (``1e3``, ``1.``, and ``08``/``09`` which are no valid octal become floats 8.0/9.0).
- Scalars starting with ``.``: ``.inf``/``.Inf``/``.INF``/``.nan``... or a Go float such as ``.5``.
- Everything else is a string (no sexagesimal ``12:30:00``, no ``=`` value key).

Only the first document of a stream is read (errors in later ones are not seen); an empty document
is None. Map keys that are not strings come back as :class:`NonStringKey` (a ``str`` holding Go's
``%v`` text: ``1``, ``true``, ``<nil>``), the way koanf stringifies them. Duplicate keys are an error with yaml.v3's wording; every error is a :class:`YamlError`
whose message copies yaml.v3's (``yaml: line 2: mapping values are not allowed in this context``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import yaml

from .errors import go_key, go_quote

_GO_SCALAR = "tag:pyotelcol,2024:go-plain"
_MERGE = "tag:yaml.org,2002:merge"

_SPECIAL: dict[str, Any] = {
    **dict.fromkeys(("true", "True", "TRUE"), True),
    **dict.fromkeys(("false", "False", "FALSE"), False),
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), None),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), float("nan")),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), float("inf")),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), float("-inf")),
}
_DOT_FLOAT = re.compile(r"\.[0-9](_?[0-9])*([eE][-+]?[0-9](_?[0-9])*)?")
_YAML_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_GO_INT = re.compile(r"([-+]?)(?:0[xX]([0-9a-fA-F]+)|0[bB]([01]+)|0[oO]?([0-7]+)|([0-9]+))")
_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:(?:([Tt])|( ))(\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,](\d+))?(Z|[+-]\d\d:\d\d)?)?"
)

# PyYAML problem texts -> libyaml's (which yaml.v3 reports).
_PROBLEMS = [
    ("mapping values are not allowed here", "mapping values are not allowed in this context"),
    ("sequence entries are not allowed here", "block sequence entries are not allowed in this context"),
    ("mapping keys are not allowed here", "mapping keys are not allowed in this context"),
    ("that cannot start any token", "found character that cannot start any token"),
    ("expected ',' or ']'", "did not find expected ',' or ']'"),
    ("expected ',' or '}'", "did not find expected ',' or '}'"),
    ("expected the node content", "did not find expected node content"),
    ("found unknown escape character", "found unknown escape character"),
    ("expected alphabetic or numeric character", "did not find expected alphabetic or numeric character"),
]


class NonStringKey(str):
    """A map key that was not a YAML string (``1:``, ``true:``, ``~:``), as Go's ``%v`` text of it."""


class YamlError(ValueError):
    """Invalid YAML; the message follows yaml.v3's wording.

    yaml.v3 often numbers the line of the enclosing block rather than the offending one (and
    lists a duplicate key twice); ``line`` (1-based, 0 when unknown) and ``problem`` (the
    message without ``yaml: line N:``) locate the offending text for messages that name the file.
    """

    def __init__(self, message: str, line: int = 0, problem: str = "") -> None:
        super().__init__(message)
        self.line = line
        self.problem = problem or message.removeprefix("yaml: ")

    def at(self, source: str) -> str:
        """``yaml: <source>:<line>: <problem>``, the offending line named once."""
        where = f"{source}:{self.line}" if self.line else source
        return f"yaml: {where}: {self.problem}"


def _go_int(s: str) -> int | None:
    m = _GO_INT.fullmatch(s)
    if not m:
        return None
    sign, hexa, binary, octal, dec = m.groups()
    if dec is not None and len(dec) > 1 and dec[0] == "0":
        return None  # a leading 0 means octal, and this has 8s or 9s
    v = int(hexa, 16) if hexa else int(binary, 2) if binary else int(octal, 8) if octal else int(dec)
    v = -v if sign == "-" else v
    if -(2**63) <= v < 2**63 or (not sign and v < 2**64):
        return v
    return None


def _timestamp(s: str) -> datetime | None:
    m = _TIMESTAMP.fullmatch(s)
    if not m:
        return None
    year, month, day, t, space, hh, mm, ss, frac, zone = m.groups()
    if (t and not zone) or (space and zone):  # 'T' forms need a zone, the space form has none
        return None
    tz = UTC
    if zone and zone != "Z":
        minutes = int(zone[1:3]) * 60 + int(zone[4:6])
        tz = timezone(timedelta(minutes=-minutes if zone[0] == "-" else minutes))
    try:
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hh or 0),
            int(mm or 0),
            int(ss or 0),
            int((frac or "0")[:6].ljust(6, "0")),
            tzinfo=tz,
        )
    except ValueError:
        return None


def resolve_plain(s: str) -> Any:
    """The value yaml.v3 gives an unquoted scalar when decoding into ``any``."""
    if s in _SPECIAL:
        return _SPECIAL[s]
    if s[0] == ".":
        return float(s) if _DOT_FLOAT.fullmatch(s) else s
    if s[0] in "+-0123456789":
        ts = _timestamp(s)
        if ts is not None:
            return ts
        plain = s.replace("_", "")
        n = _go_int(plain)
        if n is not None:
            return n
        if _YAML_FLOAT.fullmatch(plain):
            return float(plain)
    return s


class GoLoader(yaml.SafeLoader):
    """SafeLoader with yaml.v3's scalar resolution and duplicate-key errors."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicate_errors: list[tuple[int, str]] = []  # (line, yaml.v3's text)
        self._open_anchors: set[str] = set()

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        anchor = getattr(event, "anchor", None)
        if isinstance(event, yaml.AliasEvent):
            if anchor in self._open_anchors:
                line = event.start_mark.line + 1 if event.start_mark is not None else 0
                raise YamlError(f"yaml: anchor '{anchor}' value contains itself", line)
            return super().compose_node(parent, index)
        if anchor:
            self._open_anchors.add(anchor)
        try:
            return super().compose_node(parent, index)
        finally:
            self._open_anchors.discard(anchor or "")

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode:
            if not implicit[0]:  # quoted
                return "tag:yaml.org,2002:str"
            return _MERGE if value == "<<" else _GO_SCALAR
        return "tag:yaml.org,2002:seq" if kind is yaml.SequenceNode else "tag:yaml.org,2002:map"

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        keys = [k for k, _ in node.value]
        dups = [
            (
                b.start_mark.line + 1,
                f"mapping key {go_quote(b.value)} already defined at line {a.start_mark.line + 1}",
            )
            for i, a in enumerate(keys)
            for b in keys[i + 1 :]
            if isinstance(a, yaml.ScalarNode) and isinstance(b, yaml.ScalarNode) and a.value == b.value
        ]
        if dups:  # like yaml.v3, a mapping with duplicates is not decoded any further
            self.duplicate_errors.extend(dups)
            return {}
        self.flatten_mapping(node)  # `<<` merge keys
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            # Python would merge the keys 1, 1.0 and True; Go keeps them apart until koanf turns them
            # into the strings "1", "1" and "true".
            key = key if isinstance(key, str) else NonStringKey(go_key(key))
            out[key] = self.construct_object(value_node, deep=deep)
        return out


def _plain_constructor(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    return resolve_plain(str(node.value))


def _unknown_tag_constructor(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    """yaml.v3 ignores tags it does not know: the node decodes as if it had none."""
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return str(node.value)


GoLoader.add_constructor(_GO_SCALAR, _plain_constructor)
GoLoader.add_constructor(None, _unknown_tag_constructor)


def _go_error(exc: yaml.YAMLError) -> YamlError:
    if not isinstance(exc, yaml.MarkedYAMLError):
        return YamlError(f"yaml: {exc}")
    problem = exc.problem or "unknown problem parsing YAML content"
    offending = exc.problem_mark.line + 1 if exc.problem_mark is not None else 0
    if problem.startswith("found undefined alias"):
        name = problem.split("'")[1] if "'" in problem else ""
        return YamlError(f"yaml: unknown anchor '{name}' referenced", offending)
    if problem.startswith("expected <block end>"):
        block_seq = "collection" in (exc.context or "")
        problem = "did not find expected '-' indicator" if block_seq else "did not find expected key"
    for needle, go_text in _PROBLEMS:
        if needle in problem:
            problem = go_text
            break
    lines = [m.line for m in (exc.context_mark, exc.problem_mark) if m is not None]
    if exc.problem_mark is not None and exc.problem_mark.column and "<stream end>" in (exc.problem or ""):
        lines[-1] += 1  # libyaml puts the end of the stream on a line of its own
    line = next((n for n in lines if n), 0)
    if isinstance(exc, yaml.scanner.ScannerError) and line:
        line += 1  # libyaml's scanner errors are reported one line further than parser errors
    return YamlError(f"yaml: line {line}: {problem}" if line else f"yaml: {problem}", offending, problem)


def load_yaml(text: str) -> Any:
    """Parse the first YAML document of ``text`` like yaml.v3; raise YamlError with Go's message."""
    loader = GoLoader(text)
    try:
        if not loader.check_node():
            return None
        node = loader.get_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        raise _go_error(exc) from None
    except RecursionError:
        raise YamlError("yaml: exceeded max depth") from None
    finally:
        loader.dispose()
    if loader.duplicate_errors:
        # yaml.v3 (as vendored by the collector) lists every duplicate twice.
        lines = [f"line {n}: {text}" for n, text in loader.duplicate_errors] * 2
        first_line, first_text = loader.duplicate_errors[0]
        raise YamlError("yaml: unmarshal errors:\n  " + "\n  ".join(lines), first_line, first_text)
    return data
