"""What every stanza operator shares (Go's operator/helper): config reading, ``id``/``output``
chaining, ``if``, ``on_error``, and the parser shape with its embedded ``timestamp``,
``severity``, ``trace`` and ``scope_name`` blocks.

Operators run synchronously: ``process(entry)`` does the work and hands the result to
``write``, which calls the next operator(s). The last operator writes into the pipeline's sink.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from .. import severity as sev
from .. import timeparse
from ..entry import BODY_FIELD, Entry, Field
from ..expr import Compiled, ExprError, compile_expr, run_bool

logger = logging.getLogger("pyotelcol.stanza")

ON_ERROR = ("send", "send_quiet", "drop", "drop_quiet")


class Spec:
    """An operator's raw config: typed getters that record which keys were read."""

    def __init__(self, raw: dict[str, Any], where: str) -> None:
        self.raw = raw
        self.where = where
        self.used: set[str] = set()

    def fail(self, msg: str) -> ValueError:
        return ValueError(f"{self.where}: {msg}")

    def get(self, key: str, default: Any = None) -> Any:
        self.used.add(key)
        value = self.raw.get(key, default)
        return default if value is None else value

    def has(self, key: str) -> bool:
        return self.raw.get(key) is not None

    def text(self, key: str, default: str = "") -> str:
        value = self.get(key, default)
        if not isinstance(value, str):
            raise self.fail(f"'{key}' expected a string, got {value!r}")
        return value

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(f"'{key}' expected a bool, got {value!r}")
        return value

    def integer(self, key: str, default: int = 0) -> int:
        value = self.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(f"'{key}' expected an int, got {value!r}")
        return value

    def field(self, key: str, default: Field | None = None, rootable: bool = False) -> Field | None:
        value = self.get(key)
        if value is None:
            return default
        if not isinstance(value, str):
            raise self.fail(f"'{key}' expected a field string, got {value!r}")
        try:
            return Field.parse(value, rootable)
        except ValueError as exc:
            raise self.fail(f"'{key}': {exc}") from None

    def required_field(self, key: str) -> Field:
        field = self.field(key)
        if field is None:
            raise self.fail(f"missing required field '{key}'")
        return field

    def map(self, key: str) -> dict[str, Any]:
        value = self.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(f"'{key}' expected a map, got {value!r}")
        return value

    def sub(self, key: str) -> Spec | None:
        value = self.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.fail(f"'{key}' expected a map, got {value!r}")
        return Spec(value, f"{self.where}.{key}")

    def finish(self) -> None:
        unknown = sorted(str(k) for k in self.raw if k not in self.used)
        if unknown:
            raise self.fail(f"has invalid keys: {', '.join(unknown)}")


Write = Callable[[Entry], None]


class Operator:
    """One step: ``id``, ``type``, outputs, ``if``, ``on_error`` (Go's TransformerOperator)."""

    type_name = ""
    default_on_error = "send"

    def __init__(self, spec: Spec) -> None:
        self.id = spec.text("id", self.type_name) or self.type_name
        spec.used.add("type")
        outputs = spec.get("output", [])
        if isinstance(outputs, str):
            outputs = [outputs]
        if not isinstance(outputs, list) or not all(isinstance(o, str) for o in outputs):
            raise spec.fail(f"'output' expected an operator id or a list of them, got {outputs!r}")
        self.output_ids: list[str] = outputs
        self.on_error = spec.text("on_error", self.default_on_error)
        if self.on_error not in ON_ERROR:
            raise spec.fail(f"operator config has an invalid `on_error` field: {self.on_error!r}")
        condition = spec.text("if", "")
        self.condition: Compiled | None = None
        if condition:
            try:
                self.condition = compile_expr(condition)
            except ExprError as exc:
                raise spec.fail(f"'if': {exc}") from None
        self.outputs: list[Operator] = []
        self.write: Write = _discard

    def can_output(self) -> bool:
        return True

    def connect(self, outputs: list[Operator], sink: Write) -> None:
        self.outputs = outputs
        if not outputs:
            self.write = sink
        elif len(outputs) == 1:
            self.write = outputs[0].process
        else:
            first, rest = outputs[0], outputs[1:]

            def fan_out(entry: Entry) -> None:
                for other in rest:
                    other.process(entry.copy())
                first.process(entry)

            self.write = fan_out

    def skip(self, entry: Entry) -> bool:
        return self.condition is not None and not run_bool(self.condition, entry)

    def process(self, entry: Entry) -> None:
        try:
            if self.skip(entry):
                self.write(entry)
                return
            self.transform(entry)
        except (ValueError, TypeError, KeyError, ExprError) as exc:
            self.handle_error(entry, exc)
            return
        self.write(entry)

    def transform(self, entry: Entry) -> None:
        """Change ``entry`` in place; raise ValueError when it cannot be processed."""

    def handle_error(self, entry: Entry, exc: Exception) -> None:
        quiet = self.on_error.endswith("_quiet")
        (logger.debug if quiet else logger.error)(
            "Failed to process entry: operator_id=%s on_error=%s error=%s", self.id, self.on_error, exc
        )
        if self.on_error.startswith("send"):
            self.write(entry)

    def flush(self, now_ns: int) -> None:
        """Emit what a stateful operator holds for longer than its flush period."""

    def stop(self) -> None:
        """Emit everything held (shutdown)."""


def _discard(entry: Entry) -> None:
    pass


class TimeParser:
    """The ``timestamp`` block / ``time_parser``: ``parse_from``, ``layout_type``, ``layout``, ``location``."""

    def __init__(self, spec: Spec) -> None:
        self.parse_from = spec.field("parse_from")
        if self.parse_from is None:
            raise spec.fail("missing required parameter 'parse_from'")
        self.layout_type = spec.text("layout_type", "strptime")
        self.layout = spec.text("layout", "")
        location = spec.text("location", "")
        spec.get("time_zone_locations")
        if not self.layout:
            raise spec.fail("missing required configuration parameter `layout`")
        self.go: timeparse.GoLayout | None = None
        try:
            if self.layout_type == "gotime":
                self.go = timeparse.GoLayout(self.layout)
            elif self.layout_type == "strptime":
                self.go = timeparse.GoLayout(timeparse.strptime_to_gotime(self.layout))
            elif self.layout_type == "epoch":
                if self.layout not in timeparse.EPOCH_LAYOUTS:
                    raise ValueError(
                        "invalid `layout` for `epoch` type: specify 's', 'ms', 'us', 'ns', 's.ms', 's.us', or 's.ns'"
                    )
            else:
                raise ValueError(
                    f"unsupported layout_type {self.layout_type}: valid values are 'strptime', 'gotime', and 'epoch'"
                )
        except ValueError as exc:
            raise spec.fail(f"invalid {self.layout_type} layout: {exc}") from None
        ends_zulu = self.layout.endswith("Z") and not (self.layout_type == "strptime" and self.layout.endswith("%Z"))
        try:
            if location:
                self.tz = timeparse.load_location(location)
            else:
                self.tz = timeparse.UTC if ends_zulu else timeparse.local_zone()
        except ValueError as exc:
            raise spec.fail(f"invalid 'location': {exc}") from None

    def parse(self, entry: Entry) -> None:
        assert self.parse_from is not None
        value, ok = self.parse_from.get(entry)
        if not ok:
            raise ValueError(f"log entry does not have the expected parse_from field {self.parse_from.text}")
        if self.go is None:
            entry.timestamp = timeparse.parse_epoch(self.layout, value)
            return
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if not isinstance(value, str):
            raise ValueError(f"type {type(value).__name__} cannot be parsed as a time")
        entry.timestamp = self.go.parse(value, self.tz)


class SeverityParser:
    """The ``severity`` block / ``severity_parser``: ``parse_from``, ``preset``, ``mapping``, ``overwrite_text``."""

    def __init__(self, spec: Spec, require_parse_from: bool = True) -> None:
        self.parse_from = spec.field("parse_from")
        preset = spec.text("preset", "default")
        self.overwrite_text = spec.flag("overwrite_text")
        try:
            self.mapping = sev.build_mapping(preset, spec.map("mapping"))
        except ValueError as exc:
            raise spec.fail(str(exc)) from None
        if self.parse_from is None and require_parse_from:
            raise spec.fail("missing required field 'parse_from'")

    def parse(self, entry: Entry) -> None:
        assert self.parse_from is not None
        value, ok = self.parse_from.get(entry)
        if not ok:
            raise ValueError(f"log entry does not have the expected parse_from field {self.parse_from.text}")
        number, text = sev.find(self.mapping, value)
        if self.overwrite_text and number:
            text = sev.severity_name(number)
        entry.severity, entry.severity_text = number, text


_HEX = re.compile(r"^[0-9a-fA-F]*$")


class TraceParser:
    """The ``trace`` block / ``trace_parser``: hex ``trace_id``, ``span_id``, ``trace_flags`` fields."""

    def __init__(self, spec: Spec) -> None:
        def pick(key: str, default: str) -> Field:
            sub = spec.sub(key)
            if sub is None:
                return Field.parse(default)
            field = sub.field("parse_from", Field.parse(default))
            sub.finish()
            assert field is not None
            return field

        self.trace_id = pick("trace_id", "body.trace_id")
        self.span_id = pick("span_id", "body.span_id")
        self.trace_flags = pick("trace_flags", "body.trace_flags")

    def parse(self, entry: Entry) -> None:
        errors = []
        for field, attr, size in (
            (self.trace_id, "trace_id", 16),
            (self.span_id, "span_id", 8),
            (self.trace_flags, "trace_flags", 1),
        ):
            value, ok = field.get(entry)
            if not ok:
                continue
            if not isinstance(value, str) or not _HEX.match(value) or len(value) % 2:
                errors.append(f"{attr} must be a hex string")
                continue
            raw = bytes.fromhex(value)
            if len(raw) != size:
                errors.append(f"{attr} must be {size} bytes, got {len(raw)}")
                continue
            setattr(entry, attr, raw)  # Go leaves the parsed field in place
        if errors:
            raise ValueError("; ".join(errors))


class ScopeNameParser:
    def __init__(self, spec: Spec) -> None:
        self.parse_from = spec.required_field("parse_from")

    def parse(self, entry: Entry) -> None:
        value, ok = self.parse_from.get(entry)  # Go leaves the field in place
        if not ok:
            raise ValueError(f"log entry does not have the expected parse_from field {self.parse_from.text}")
        if not isinstance(value, str):
            raise ValueError(f"scope name must be a string, got {type(value).__name__}")
        entry.scope_name = value


def _block(spec: Spec, key: str, build: Callable[[Spec], Any]) -> Any:
    sub = spec.sub(key)
    if sub is None:
        return None
    built = build(sub)
    sub.finish()
    return built


class ParserOperator(Operator):
    """A parser: reads ``parse_from`` (body), writes the parsed map to ``parse_to`` (attributes),
    then runs the embedded blocks (Go's ParserOperator.ParseWith). Errors of the embedded blocks
    are reported after all of them ran, as Go does."""

    def __init__(self, spec: Spec) -> None:
        super().__init__(spec)
        self.parse_from = spec.field("parse_from", BODY_FIELD)
        self.parse_to = spec.field("parse_to", Field.parse("attributes", True), rootable=True)
        self.body_field = spec.field("body")
        self.time_parser: TimeParser | None = _block(spec, "timestamp", TimeParser)
        self.severity_parser: SeverityParser | None = _block(spec, "severity", SeverityParser)
        self.trace_parser: TraceParser | None = _block(spec, "trace", TraceParser)
        self.scope_parser: ScopeNameParser | None = _block(spec, "scope_name", ScopeNameParser)

    def parse(self, value: Any) -> Any:
        raise NotImplementedError

    def transform(self, entry: Entry) -> None:
        assert self.parse_from is not None and self.parse_to is not None
        value, ok = self.parse_from.get(entry)
        if not ok:
            raise ValueError(f"Entry is missing the expected parse_from field: {self.parse_from.text}")
        self.parse_to.set(entry, self.parse(value))
        self.after_parse(entry)

    def after_parse(self, entry: Entry) -> None:
        if self.body_field is not None:
            body, ok = self.body_field.get(entry)
            if ok:
                entry.body = body
        errors: list[str] = []
        for block in (self.time_parser, self.severity_parser, self.trace_parser, self.scope_parser):
            if block is not None:
                try:
                    block.parse(entry)
                except ValueError as exc:
                    errors.append(str(exc))
        if errors:
            raise ValueError("; ".join(errors))
