"""pprof's profile format (github.com/google/pprof ``proto/profile.proto``), built with protobuf.

Only the messages and fields pyotelcol writes are declared, with the published field numbers, so
``go tool pprof`` and every pprof reader understand the output. ``ProfileBuilder`` interns strings,
functions and locations the way the format expects (index 0 of the string table is ``""``).
"""

from __future__ import annotations

import gzip
from collections.abc import Sequence
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

_PACKAGE = "perftools.profiles"
_F = descriptor_pb2.FieldDescriptorProto


def _field(name: str, number: int, kind: int, type_name: str = "", repeated: bool = False) -> _F:
    field = _F(
        name=name,
        number=number,
        type=kind,  # type: ignore[arg-type]
        label=_F.LABEL_REPEATED if repeated else _F.LABEL_OPTIONAL,
    )
    if type_name:  # only message fields name a type (an empty name still counts as set)
        field.type_name = f".{_PACKAGE}.{type_name}"
    return field


def _file() -> descriptor_pb2.FileDescriptorProto:
    msg = descriptor_pb2.DescriptorProto
    return descriptor_pb2.FileDescriptorProto(
        name="pyotelcol/extensions/pprof/profile.proto",
        package=_PACKAGE,
        syntax="proto3",
        message_type=[
            msg(
                name="Profile",
                field=[
                    _field("sample_type", 1, _F.TYPE_MESSAGE, "ValueType", repeated=True),
                    _field("sample", 2, _F.TYPE_MESSAGE, "Sample", repeated=True),
                    _field("location", 4, _F.TYPE_MESSAGE, "Location", repeated=True),
                    _field("function", 5, _F.TYPE_MESSAGE, "Function", repeated=True),
                    _field("string_table", 6, _F.TYPE_STRING, repeated=True),
                    _field("time_nanos", 9, _F.TYPE_INT64),
                    _field("duration_nanos", 10, _F.TYPE_INT64),
                    _field("period_type", 11, _F.TYPE_MESSAGE, "ValueType"),
                    _field("period", 12, _F.TYPE_INT64),
                    _field("comment", 13, _F.TYPE_INT64, repeated=True),
                    _field("default_sample_type", 14, _F.TYPE_INT64),
                ],
            ),
            msg(name="ValueType", field=[_field("type", 1, _F.TYPE_INT64), _field("unit", 2, _F.TYPE_INT64)]),
            msg(
                name="Sample",
                field=[
                    _field("location_id", 1, _F.TYPE_UINT64, repeated=True),
                    _field("value", 2, _F.TYPE_INT64, repeated=True),
                ],
            ),
            msg(
                name="Location",
                field=[
                    _field("id", 1, _F.TYPE_UINT64),
                    _field("line", 4, _F.TYPE_MESSAGE, "Line", repeated=True),
                ],
            ),
            msg(name="Line", field=[_field("function_id", 1, _F.TYPE_UINT64), _field("line", 2, _F.TYPE_INT64)]),
            msg(
                name="Function",
                field=[
                    _field("id", 1, _F.TYPE_UINT64),
                    _field("name", 2, _F.TYPE_INT64),
                    _field("system_name", 3, _F.TYPE_INT64),
                    _field("filename", 4, _F.TYPE_INT64),
                    _field("start_line", 5, _F.TYPE_INT64),
                ],
            ),
        ],
    )


# A private pool: nothing else registered in the process can clash with these names.
_POOL = descriptor_pool.DescriptorPool()
_POOL.AddSerializedFile(_file().SerializeToString())
Profile: Any = message_factory.GetMessageClass(_POOL.FindMessageTypeByName(f"{_PACKAGE}.Profile"))

Frame = tuple[str, str, int, int]
"""One stack frame: function name, file name, line, the function's first line."""


class ProfileBuilder:
    """Accumulates samples (a stack, innermost frame first, and its values) into one Profile."""

    def __init__(self, sample_types: Sequence[tuple[str, str]], period_type: tuple[str, str] | None = None) -> None:
        self._profile = Profile()
        self._strings: dict[str, int] = {}
        self._functions: dict[tuple[str, str, int], int] = {}
        self._locations: dict[tuple[int, int], int] = {}
        self._samples: dict[tuple[int, ...], list[int]] = {}
        self._string("")
        for kind, unit in sample_types:
            self._profile.sample_type.add(type=self._string(kind), unit=self._string(unit))
        if period_type is not None:
            self._profile.period_type.type = self._string(period_type[0])
            self._profile.period_type.unit = self._string(period_type[1])

    def _string(self, text: str) -> int:
        index = self._strings.get(text)
        if index is None:
            index = self._strings[text] = len(self._strings)
            self._profile.string_table.append(text)
        return index

    def _location(self, frame: Frame) -> int:
        name, filename, line, first_line = frame
        fkey = (name, filename, first_line)
        function_id = self._functions.get(fkey)
        if function_id is None:
            function_id = self._functions[fkey] = len(self._functions) + 1
            name_index = self._string(name)
            self._profile.function.add(
                id=function_id,
                name=name_index,
                system_name=name_index,
                filename=self._string(filename),
                start_line=first_line,
            )
        lkey = (function_id, line)
        location_id = self._locations.get(lkey)
        if location_id is None:
            location_id = self._locations[lkey] = len(self._locations) + 1
            self._profile.location.add(id=location_id).line.add(function_id=function_id, line=line)
        return location_id

    def add(self, stack: Sequence[Frame], values: Sequence[int]) -> None:
        """Add ``values`` to the sample of ``stack``; equal stacks share one sample."""
        key = tuple(self._location(frame) for frame in stack)
        totals = self._samples.get(key)
        if totals is None:
            self._samples[key] = list(values)
        else:
            for i, value in enumerate(values):
                totals[i] += value

    def comment(self, text: str) -> None:
        self._profile.comment.append(self._string(text))

    def build(self, *, time_nanos: int, duration_nanos: int = 0, period: int = 0) -> bytes:
        """The gzip-compressed profile, as Go's ``/debug/pprof`` endpoints serve it."""
        profile = self._profile
        for key, values in self._samples.items():
            profile.sample.add(location_id=key, value=values)
        profile.time_nanos = time_nanos
        profile.duration_nanos = duration_nanos
        profile.period = period
        return gzip.compress(profile.SerializeToString())
