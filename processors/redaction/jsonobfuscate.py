"""JSON document obfuscation for ``db_sanitizer`` ``mongo``, ``opensearch`` and ``es``, as
DataDog's JSON obfuscator (used by Go's redaction processor) does it.

Only a valid JSON document (Go's ``json.Valid``) is touched. Every value that is a string, number,
boolean or null becomes ``"?"``; object keys and the structure stay; white space between tokens
is dropped (white space after the document is kept): ``{"find": "users", "filter": {"age": 42}}``
-> ``{"find":"?","filter":{"age":"?"}}``. A document that is a bare value becomes ``"?"``.
"""

from __future__ import annotations

import json
import re

_SPACE = " \t\r\n"
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[ \t\r\n]+|[^ \t\r\n{}\[\]:,"]+', re.S)
WIPED = '"?"'


def _reject_constant(name: str) -> None:
    raise ValueError(f"not JSON: {name}")


def is_valid_json(text: str) -> bool:
    """Go's check before obfuscating: not blank, and one JSON value (Python's parser without
    its NaN/Infinity extension)."""
    if not text.strip(_SPACE + "\v\f\x85\xa0"):
        return False
    try:
        json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return False
    return True


def obfuscate_json(text: str) -> str:
    if not is_valid_json(text):
        return text
    out: list[str] = []
    # Go's closure stack: True for an object, where the next literal is a key.
    closures: list[bool] = []
    depth = 0
    ended = False
    key = False
    for match in _TOKEN.finditer(text):
        token = match.group()
        first = token[0]
        if first in _SPACE:
            if ended:
                out.append(token)
            continue
        if first in "{[":
            closures.append(first == "{")
            depth += 1
            key = closures[-1]
        elif first in "}]":
            if len(closures) > 1:
                closures.pop()
            depth -= 1
            ended = depth == 0
            key = closures[-1]
        elif first == ":":
            key = False
        elif first == ",":
            key = closures[-1]
        elif not key:
            out.append(WIPED)
            ended = depth == 0
            continue
        out.append(token)
    return "".join(out)
