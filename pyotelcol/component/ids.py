"""Component and pipeline identifiers with the Go collector's character rules."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum, StrEnum

_TYPE_RE = re.compile(r"^[a-zA-Z][0-9a-zA-Z_]{0,62}$")
_NAME_MAX_BYTES = 1024


class Signal(StrEnum):
    TRACES = "traces"
    METRICS = "metrics"
    LOGS = "logs"
    PROFILES = "profiles"

    def __str__(self) -> str:
        return self.value


class Kind(StrEnum):
    RECEIVER = "receiver"
    PROCESSOR = "processor"
    EXPORTER = "exporter"
    EXTENSION = "extension"
    CONNECTOR = "connector"

    def __str__(self) -> str:
        return self.value

    @property
    def plural(self) -> str:
        return self.value + "s"


class StabilityLevel(Enum):
    UNDEFINED = "Undefined"
    UNMAINTAINED = "Unmaintained"
    DEPRECATED = "Deprecated"
    DEVELOPMENT = "Development"
    ALPHA = "Alpha"
    BETA = "Beta"
    STABLE = "Stable"

    def __str__(self) -> str:
        return self.value


class IDError(ValueError):
    pass


def _valid_name(name: str) -> bool:
    return all(unicodedata.category(ch)[0] not in ("Z", "C", "S") for ch in name)


def validate_type(type_: str) -> None:
    if not _TYPE_RE.match(type_):
        raise IDError(f'invalid character(s) in type "{type_}"')


def _split(text: str) -> tuple[str, str]:
    if text == "":
        raise IDError("id must not be empty")
    type_, sep, name = text.partition("/")
    type_, name = type_.strip(), name.strip()
    if sep:
        if not type_:
            raise IDError(f'in "{text}" id: the part before / should not be empty')
        if not name:
            raise IDError(f'in "{text}" id: the part after / should not be empty')
        if len(name.encode()) > _NAME_MAX_BYTES:
            size = len(name.encode())
            raise IDError(f'name "{name}" is longer than {_NAME_MAX_BYTES} characters ({size} characters)')
        if not _valid_name(name):
            raise IDError(f'in "{name}" id: invalid character(s) in name "{name}"')
    return type_, name


@dataclass(frozen=True, order=True, slots=True)
class ID:
    """A component ID: ``type[/name]``."""

    type: str
    name: str = ""

    @classmethod
    def parse(cls, text: str) -> ID:
        type_, name = _split(text)
        if not _TYPE_RE.match(type_):
            raise IDError(f'in "{text}" id: invalid character(s) in type "{type_}"')
        return cls(type_, name)

    def __str__(self) -> str:
        return f"{self.type}/{self.name}" if self.name else self.type


@dataclass(frozen=True, order=True, slots=True)
class PipelineID:
    """A pipeline ID: ``signal[/name]``."""

    signal: Signal
    name: str = ""

    @classmethod
    def parse(cls, text: str) -> PipelineID:
        sig, name = _split(text)
        try:
            signal = Signal(sig)
        except ValueError:
            raise IDError(f'in "{text}" id: unknown pipeline signal: "{sig}"') from None
        return cls(signal, name)

    def __str__(self) -> str:
        return f"{self.signal.value}/{self.name}" if self.name else self.signal.value
