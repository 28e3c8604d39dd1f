"""The ``request`` context's tiny grammar: ``request["<name>"] == "<value>"`` or ``!=``.

Go parses it with three regular expressions rather than OTTL, and so does this module, with Go's
error messages. A condition holds when any value of the named client metadata key (HTTP header or
gRPC metadata, case-insensitive) compares true; an absent key never matches, not even ``!=``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pyotelcol.client import Info

_COMPARATOR = re.compile(r"==|!=")
_FIELD = re.compile(r'request\[".*"\]')
_VALUE = re.compile(r'".*"')


@dataclass(frozen=True)
class RequestCondition:
    key: str
    value: str
    equal: bool

    def matches(self, info: Info) -> bool:
        values = info.metadata.get_values(self.key)
        if self.equal:
            return self.value in values
        return any(v != self.value for v in values)


def _trim(text: str, prefix: str, suffix: str) -> str:
    if text.startswith(prefix):
        text = text[len(prefix) :]
    if text.endswith(suffix):
        text = text[: -len(suffix)]
    return text


def parse_request_condition(condition: str) -> RequestCondition:
    """The condition, or ValueError with Go's message."""
    if condition == "":
        raise ValueError("condition is empty")
    comparators = _COMPARATOR.findall(condition)
    if not comparators:
        raise ValueError("condition does not contain a valid comparator")
    parts = condition.split(comparators[0])
    if len(comparators) > 1 or len(parts) > 2:
        raise ValueError("condition contains multiple comparators")
    left, right = parts[0].strip(), parts[1].strip()
    if not _FIELD.search(left):
        raise ValueError("condition must have format 'request[\"<name>\"] <comparator> <value>'")
    if not _VALUE.search(right):
        raise ValueError('condition must have format \'request["<name>"] <comparator> "<value>"\'')
    return RequestCondition(
        key=_trim(left, 'request["', '"]'),
        value=_trim(right, '"', '"'),
        equal=comparators[0] == "==",
    )
