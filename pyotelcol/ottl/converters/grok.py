"""ExtractGrokPatterns: grok expressions (``%{SYNTAX:ID:TYPE}``) over Go regexps.

The engine follows the grok library Go uses: ``%{NAME}`` references expand (repeatedly) to
their definitions; without ``namedCapturesOnly`` every reference becomes a capture named after
the pattern, with it only the ``%{NAME:id}`` ones do; ``:int``/``:long``, ``:float``/``:double``
and ``:bool``/``:boolean`` convert the captured text; empty captures are left out.

The pattern library below is this project's own definition of the commonly used default
patterns (numbers, words, strings, network addresses, paths and URIs, dates and times, syslog
and Apache access logs), written for RE2 (no look-arounds). Go ships a larger catalogue; a name
that is not defined here or in ``patternDefinitions`` fails at compile time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pyotelcol.helpers.goregex import GoRegex, GoRegexError, compile_go_regex
from pyotelcol.ottl.functions import CompileError, ExecutionError, Getter, Param, converter
from pyotelcol.ottl.values import expect_string, go_parse_bool, go_parse_float, go_parse_int

__all__ = ["GROK_PATTERNS", "GrokExpression", "compile_grok"]

_H16 = "[0-9A-Fa-f]{1,4}"

GROK_PATTERNS: dict[str, str] = {
    # Words, numbers and strings.
    "USERNAME": r"[a-zA-Z0-9._-]+",
    "USER": r"%{USERNAME}",
    "EMAILLOCALPART": r"[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]+)*",
    "EMAILADDRESS": r"%{EMAILLOCALPART}@%{HOSTNAME}",
    "INT": r"(?:[+-]?(?:[0-9]+))",
    "BASE10NUM": r"(?:[+-]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+))",
    "NUMBER": r"(?:%{BASE10NUM})",
    "BASE16NUM": r"(?:[+-]?(?:0[xX])?[0-9A-Fa-f]+)",
    "BASE16FLOAT": r"(?:[+-]?(?:0[xX])?(?:[0-9A-Fa-f]+(?:\.[0-9A-Fa-f]*)?|\.[0-9A-Fa-f]+))",
    "POSINT": r"\b(?:[1-9][0-9]*)\b",
    "NONNEGINT": r"\b(?:[0-9]+)\b",
    "WORD": r"\b\w+\b",
    "NOTSPACE": r"\S+",
    "SPACE": r"\s*",
    "DATA": r".*?",
    "GREEDYDATA": r".*",
    "QUOTEDSTRING": (r'(?:"(?:\\.|[^\\"])*"|' + r"'(?:\\.|[^\\'])*'|" + r"`(?:\\.|[^\\`])*`)"),
    "QS": r"%{QUOTEDSTRING}",
    "BOOL": r"(?:[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])",
    "UUID": r"[A-Fa-f0-9]{8}-(?:[A-Fa-f0-9]{4}-){3}[A-Fa-f0-9]{12}",
    "URN": r"urn:[0-9A-Za-z][0-9A-Za-z-]{0,31}:(?:%[0-9a-fA-F]{2}|[0-9A-Za-z()+,.:=@;$_!*'/?#-])+",
    # Network.
    "CISCOMAC": r"(?:(?:[A-Fa-f0-9]{4}\.){2}[A-Fa-f0-9]{4})",
    "WINDOWSMAC": r"(?:(?:[A-Fa-f0-9]{2}-){5}[A-Fa-f0-9]{2})",
    "COMMONMAC": r"(?:(?:[A-Fa-f0-9]{2}:){5}[A-Fa-f0-9]{2})",
    "MAC": r"(?:%{CISCOMAC}|%{WINDOWSMAC}|%{COMMONMAC})",
    "IPV4": (
        r"(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}"
        r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
    ),
    # Alternatives with more trailing groups come first so a match is never cut short.
    "IPV6": (
        "(?:"
        + "|".join(
            [
                f"(?:{_H16}:){{6}}%{{IPV4}}",
                "::(?:[fF]{4}(?::0{1,4})?:)?%{IPV4}",
                f"(?:{_H16}:){{1,4}}:%{{IPV4}}",
                f"(?:{_H16}:){{7}}{_H16}",
                f"{_H16}:(?::{_H16}){{1,6}}",
                f"(?:{_H16}:){{1,2}}(?::{_H16}){{1,5}}",
                f"(?:{_H16}:){{1,3}}(?::{_H16}){{1,4}}",
                f"(?:{_H16}:){{1,4}}(?::{_H16}){{1,3}}",
                f"(?:{_H16}:){{1,5}}(?::{_H16}){{1,2}}",
                f"(?:{_H16}:){{1,6}}:{_H16}",
                f"(?:{_H16}:){{1,7}}:",
                f":(?::{_H16}){{1,7}}",
                "::",
            ]
        )
        + ")(?:%[0-9A-Za-z]+)?"
    ),
    "IP": r"(?:%{IPV6}|%{IPV4})",
    "HOSTNAME": r"\b(?:[0-9A-Za-z][0-9A-Za-z-]{0,62})(?:\.(?:[0-9A-Za-z][0-9A-Za-z-]{0,62}))*\.?",
    "IPORHOST": r"(?:%{IP}|%{HOSTNAME})",
    "HOSTPORT": r"%{IPORHOST}:%{POSINT}",
    # Paths and URIs.
    "UNIXPATH": r"(?:/[\w%!$@:.,+~-]*)+",
    "WINPATH": r"(?:[A-Za-z]+:|\\)(?:\\[^\\?*]*)+",
    "PATH": r"(?:%{UNIXPATH}|%{WINPATH})",
    "TTY": r"(?:/dev/(?:pts|tty[pq]?)(?:\w+)?/?(?:[0-9]+))",
    "URIPROTO": r"[A-Za-z][A-Za-z0-9+.-]+",
    "URIHOST": r"%{IPORHOST}(?::%{POSINT})?",
    "URIPATH": r"(?:/[A-Za-z0-9$.+!*'(){},~:;=@#%&_-]*)+",
    "URIQUERY": r"[A-Za-z0-9$.+!*'|(){},~@#%&/=:;_?\[\]<>-]*",
    "URIPARAM": r"\?%{URIQUERY}",
    "URIPATHPARAM": r"%{URIPATH}(?:%{URIPARAM})?",
    # URI captures its parts under semantic-convention names, as Go's (ECS) library does.
    "URI": (
        r"%{URIPROTO:url.scheme}://(?:%{USER:url.username}(?::[^@]*)?@)?"
        r"(?:%{IPORHOST:url.domain}(?::%{POSINT:url.port:int})?)?"
        r"(?:%{URIPATH:url.path}(?:\?%{URIQUERY:url.query})?)?"
    ),
    # Dates and times.
    "MONTH": (
        r"\b(?:[Jj]an(?:uary)?|[Ff]eb(?:ruary)?|[Mm]ar(?:ch)?|[Aa]pr(?:il)?|[Mm]ay|"
        r"[Jj]un(?:e)?|[Jj]ul(?:y)?|[Aa]ug(?:ust)?|[Ss]ep(?:t(?:ember)?)?|[Oo]ct(?:ober)?|"
        r"[Nn]ov(?:ember)?|[Dd]ec(?:ember)?)\b"
    ),
    "MONTHNUM": r"(?:1[0-2]|0?[1-9])",
    "MONTHNUM2": r"(?:0[1-9]|1[0-2])",
    "MONTHDAY": r"(?:3[01]|[12][0-9]|0?[1-9])",
    "DAY": (
        r"(?:Mon(?:day)?|Tue(?:sday)?|Wed(?:nesday)?|Thu(?:rsday)?|Fri(?:day)?|"
        r"Sat(?:urday)?|Sun(?:day)?)"
    ),
    "YEAR": r"(?:\d\d){1,2}",
    "HOUR": r"(?:2[0-3]|[01]?[0-9])",
    "MINUTE": r"(?:[0-5][0-9])",
    "SECOND": r"(?:(?:60|[0-5]?[0-9])(?:[:.,][0-9]+)?)",
    "TIME": r"%{HOUR}:%{MINUTE}(?::%{SECOND})?",
    "DATE_US": r"%{MONTHNUM}[/-]%{MONTHDAY}[/-]%{YEAR}",
    "DATE_EU": r"%{MONTHDAY}[./-]%{MONTHNUM}[./-]%{YEAR}",
    "ISO8601_TIMEZONE": r"(?:Z|[+-]%{HOUR}(?::?%{MINUTE}))",
    "ISO8601_SECOND": r"%{SECOND}",
    "TIMESTAMP_ISO8601": (
        r"%{YEAR}-%{MONTHNUM}-%{MONTHDAY}[T ]%{HOUR}:?%{MINUTE}(?::?%{SECOND})?"
        r"%{ISO8601_TIMEZONE}?"
    ),
    "DATE": r"%{DATE_US}|%{DATE_EU}",
    "DATESTAMP": r"%{DATE}[- ]%{TIME}",
    "TZ": r"(?:[APMCE][SD]T|UTC)",
    "DATESTAMP_RFC822": r"%{DAY} %{MONTH} %{MONTHDAY} %{YEAR} %{TIME} %{TZ}",
    "DATESTAMP_RFC2822": r"%{DAY}, %{MONTHDAY} %{MONTH} %{YEAR} %{TIME} %{ISO8601_TIMEZONE}",
    "DATESTAMP_OTHER": r"%{DAY} %{MONTH} %{MONTHDAY} %{TIME} %{TZ} %{YEAR}",
    "DATESTAMP_EVENTLOG": r"%{YEAR}%{MONTHNUM2}%{MONTHDAY}%{HOUR}%{MINUTE}%{SECOND}",
    "HTTPDATE": r"%{MONTHDAY}/%{MONTH}/%{YEAR}:%{TIME} %{INT}",
    # Logs.
    "LOGLEVEL": (
        r"(?:[Aa]lert|ALERT|[Tt]race|TRACE|[Dd]ebug|DEBUG|[Nn]otice|NOTICE|"
        r"[Ii]nfo(?:rmation)?|INFO(?:RMATION)?|[Ww]arn(?:ing)?|WARN(?:ING)?|"
        r"[Ee]rr(?:or)?|ERR(?:OR)?|[Cc]rit(?:ical)?|CRIT(?:ICAL)?|[Ff]atal|FATAL|"
        r"[Ss]evere|SEVERE|[Ee]merg(?:ency)?|EMERG(?:ENCY)?)"
    ),
    "SYSLOGTIMESTAMP": r"%{MONTH} +%{MONTHDAY} %{TIME}",
    "PROG": r"[\x21-\x5a\x5c\x5e-\x7e]+",
    "SYSLOGPROG": r"%{PROG:program}(?:\[%{POSINT:pid}\])?",
    "SYSLOGHOST": r"%{IPORHOST}",
    "SYSLOGFACILITY": r"<%{NONNEGINT:facility}.%{NONNEGINT:priority}>",
    "SYSLOGBASE": (
        r"%{SYSLOGTIMESTAMP:timestamp} (?:%{SYSLOGFACILITY} )?%{SYSLOGHOST:logsource} "
        r"%{SYSLOGPROG}:"
    ),
    "HTTPDUSER": r"%{EMAILADDRESS}|%{USER}",
    "COMMONAPACHELOG": (
        r"%{IPORHOST:clientip} %{HTTPDUSER:ident} %{HTTPDUSER:auth} \[%{HTTPDATE:timestamp}\] "
        r'"(?:%{WORD:verb} %{NOTSPACE:request}(?: HTTP/%{NUMBER:httpversion})?|%{DATA:rawrequest})" '
        r"%{NUMBER:response} (?:%{NUMBER:bytes}|-)"
    ),
    "COMBINEDAPACHELOG": r"%{COMMONAPACHELOG} %{QS:referrer} %{QS:agent}",
}

_REFERENCE = re.compile(r"%\{(\w+(?::[\w+.]+(?::\w+)?)?)\}")
_CONVERSIONS: dict[str, Callable[[str], Any]] = {
    "": str,
    "string": str,
    "int": go_parse_int,
    "long": go_parse_int,
    "float": go_parse_float,
    "double": go_parse_float,
    "bool": go_parse_bool,
    "boolean": go_parse_bool,
}


class GrokExpression:
    """A compiled grok expression: ``parse(text)`` gives the typed captures (empty when the
    text does not match)."""

    def __init__(self, regex: GoRegex, hints: dict[str, str]) -> None:
        self.regex = regex
        self.hints = hints

    @property
    def has_captures(self) -> bool:
        return bool(self.regex.group_names)

    def parse(self, text: str) -> dict[str, Any]:
        match = self.regex.search(text)
        if match is None:
            return {}
        captures: dict[str, Any] = {}
        for py_name, name in self.regex.group_names.items():
            value = match.group(py_name)
            if not value:
                continue
            convert = _CONVERSIONS.get(self.hints.get(name, ""))
            if convert is None:
                raise ExecutionError(f"invalid type for {name}: type not specified")
            try:
                captures[name] = convert(value)
            except ValueError as err:
                raise ExecutionError(str(err)) from None
        return captures


def compile_grok(pattern: str, named_captures_only: bool, definitions: dict[str, str]) -> GrokExpression:
    """Expand ``pattern`` with ``definitions`` (over the built-in library) and compile it."""
    hints: dict[str, str] = {}
    expanded = pattern
    # A bound on the passes guards against definitions that refer to each other in a cycle.
    for _ in range(1000):
        if not _REFERENCE.search(expanded):
            break

        def replace(match: re.Match[str]) -> str:
            name, _, rest = match.group(1).partition(":")
            target, _, hint = rest.partition(":")
            definition = definitions.get(name, GROK_PATTERNS.get(name))
            if definition is None:
                raise CompileError(f'pattern definition "{name}" unknown: parsing failed')
            if hint:
                hints[target] = hint
            if named_captures_only and not target:
                return f"(?:{definition})"
            return f"(?P<{target or name}>{definition})"

        expanded = _REFERENCE.sub(replace, expanded)
    else:
        raise CompileError("grok pattern definitions refer to each other in a cycle")
    try:
        regex = compile_go_regex(expanded)
    except GoRegexError as err:
        raise CompileError(
            f"the regex pattern supplied to ExtractGrokPatterns '{pattern}' is not a valid pattern: {err}"
        ) from None
    return GrokExpression(regex, hints)


def _definitions(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise CompileError("patternDefinitions must be a list of strings")
    definitions: dict[str, str] = {}
    for index, entry in enumerate(value):
        name, sep, definition = entry.partition("=")
        if not sep:
            shown = entry if len(entry) <= 20 else entry[:17] + "..."
            raise CompileError(
                f'pattern "{shown}" supplied to ExtractGrokPatterns at index {index} has '
                "incorrect format, expecting PATTERNNAME=pattern definition"
            )
        if ":" in name:
            raise CompileError(f"pattern ID \"{name}\" should not contain ':'")
        definitions[name] = definition
    return definitions


@converter(
    "ExtractGrokPatterns",
    Param("target", "getter"),
    Param("pattern", "literal"),
    Param("namedCapturesOnly", "literal", optional=True),
    Param("patternDefinitions", "literal", optional=True),
)
def build_extract_grok_patterns(
    target: Getter,
    pattern: str,
    namedCapturesOnly: bool | None = None,
    patternDefinitions: list[str] | None = None,
) -> Callable[[Any], Any]:
    if not isinstance(pattern, str):
        raise CompileError("ExtractGrokPatterns: pattern must be a string literal")
    named_only = bool(namedCapturesOnly)
    expression = compile_grok(pattern, named_only, _definitions(patternDefinitions))
    if named_only and not expression.has_captures:
        raise CompileError("at least 1 named capture group must be supplied in the given regex")

    def run(tctx: Any) -> dict[str, Any]:
        return expression.parse(expect_string(target(tctx)))

    return run
