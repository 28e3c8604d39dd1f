"""Transformers (Go's operator/transformer/*): move, copy, add, remove, retain, flatten, noop,
filter, router, unquote, regex_replace, assign_keys."""

from __future__ import annotations

import random
import re
from typing import Any

from ..entry import ATTRIBUTES, BODY, RESOURCE, Entry, Field
from ..expr import Compiled, ExprError, ExprString, compile_expr, run_bool
from ..regexp import compile_go
from .base import Operator, Spec


def _required_expr(spec: Spec, key: str) -> Compiled:
    text = spec.text(key, "")
    if not text:
        raise spec.fail(f"missing required field '{key}'")
    try:
        return compile_expr(text)
    except ExprError as exc:
        raise spec.fail(f"'{key}': {exc}") from None


class Noop(Operator):
    type_name = "noop"


class Move(Operator):
    type_name = "move"

    def __init__(self, spec: Spec) -> None:
        super().__init__(spec)
        self.src = spec.field("from", rootable=True)
        self.dst = spec.field("to", rootable=True)
        if self.src is None or self.dst is None:
            raise spec.fail("missing required fields 'from' and 'to'")

    def transform(self, entry: Entry) -> None:
        assert self.src is not None and self.dst is not None
        value, ok = self.src.delete(entry)
        if not ok:
            raise ValueError(f"move: field does not exist: {self.src.text}")
        self.dst.set(entry, value)


class Copy(Operator):
    type_name = "copy"

    def __init__(self, spec: Spec) -> None:
        super().__init__(spec)
        self.src = spec.field("from", rootable=True)
        self.dst = spec.field("to", rootable=True)
        if self.src is None or self.dst is None:
            raise spec.fail("missing required fields 'from' and 'to'")

    def transform(self, entry: Entry) -> None:
        import copy

        assert self.src is not None and self.dst is not None
        value, ok = self.src.get(entry)
        if not ok:
            raise ValueError(f"copy: from field does not exist: {self.src.text}")
        self.dst.set(entry, copy.deepcopy(value))


class Add(Operator):
    type_name = "add"

    def __init__(self, spec: Spec) -> None:
        super().__init__(spec)
        self.field = spec.field("field", rootable=True)
        if self.field is None:
            raise spec.fail("missing required field 'field'")
        if "value" not in spec.raw:
            raise spec.fail("missing required field 'value'")
        try:
            self.value = ExprString(spec.get("value"))
        except ExprError as exc:
            raise spec.fail(f"'value': {exc}") from None

    def transform(self, entry: Entry) -> None:
        import copy

        assert self.field is not None
        value = self.value.render(entry)
        self.field.set(entry, copy.deepcopy(value) if isinstance(value, (dict, list)) else value)


class Remove(Operator):
    type_name = "remove"

    def __init__(self, spec: Spec) -> None:
        super().__init__(spec)
        self.field = spec.field("field", rootable=True)
        if self.field is None:
            raise spec.fail("remove: missing required field 'field'")

    def transform(self, entry: Entry) -> None:
        assert self.field is not None
        if not self.field.keys:
            self.field.delete(entry)
            return
        _, ok = self.field.delete(entry)
        if not ok:
            raise ValueError(f"remove: field does not exist: {self.field.text}")


class Retain(Operator):
    type_name = "retain"

    def __init__(self, spec: Spec) -> None:
        super().__init__(spec)
        raw = spec.get("fields", [])
        if not isinstance(raw, list) or not raw:
            raise spec.fail("retain: 'fields' is empty")
        self.fields: list[Field] = []
        for item in raw:
            try:
                self.fields.append(Field.parse(str(item)))
            except ValueError as exc:
                raise spec.fail(f"'fields': {exc}") from None
        self.roots = {f.root for f in self.fields}

    def transform(self, entry: Entry) -> None:
        kept = Entry()
        for field in self.fields:
            value, ok = field.get(entry)
            if ok:
                field.set(kept, value)
        if BODY in self.roots:
            entry.body = kept.body
        if ATTRIBUTES in self.roots:
            entry.attributes = kept.attributes
        if RESOURCE in self.roots:
            entry.resource = kept.resource


class Flatten(Operator):
    type_name = "flatten"

    def __init__(self, spec: Spec) -> None:
        super().__init__(spec)
        self.field = spec.required_field("field") if spec.has("field") else None
        if self.field is None or not self.field.keys:
            raise spec.fail("flatten: 'field' must be a field below body, attributes or resource")

    def transform(self, entry: Entry) -> None:
        assert self.field is not None
        value, ok = self.field.get(entry)
        if not ok:
            raise ValueError(f"flatten: field does not exist: {self.field.text}")
        if not isinstance(value, dict):
            raise ValueError(f"flatten: field {self.field.text} is not a map")
        self.field.delete(entry)
        parent = Field(self.field.root, self.field.keys[:-1])
        for key, item in value.items():
            Field(parent.root, (*parent.keys, key)).set(entry, item)


class Filter(Operator):
    """Drops entries for which ``expr`` is true (with probability ``drop_ratio``)."""

    type_name = "filter"

    def __init__(self, spec: Spec) -> None:
        super().__init__(spec)
        self.expr = _required_expr(spec, "expr")
        ratio = spec.get("drop_ratio", 1.0)
        if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not 0.0 <= ratio <= 1.0:
            raise spec.fail("drop_ratio must be a number between 0 and 1")
        self.drop_ratio = float(ratio)

    def process(self, entry: Entry) -> None:
        try:
            if self.skip(entry):
                self.write(entry)
                return
            matched = run_bool(self.expr, entry)
        except ExprError as exc:
            self.handle_error(entry, exc)
            return
        if matched and (self.drop_ratio >= 1.0 or random.random() < self.drop_ratio):
            return
        self.write(entry)


class Route:
    def __init__(self, expr: Compiled, outputs: list[str], attributes: dict[str, ExprString]) -> None:
        self.expr = expr
        self.output_ids = outputs
        self.attributes = attributes
        self.targets: list[Operator] = []


class Router(Operator):
    """Sends each entry to the first route whose ``expr`` is true, else to ``default`` (or drops)."""

    type_name = "router"

    def __init__(self, spec: Spec) -> None:
        super().__init__(spec)
        raw_routes = spec.get("routes", [])
        if not isinstance(raw_routes, list):
            raise spec.fail("'routes' expected a list")
        self.routes: list[Route] = []
        for i, raw in enumerate(raw_routes):
            if not isinstance(raw, dict):
                raise spec.fail(f"routes[{i}] expected a map")
            sub = Spec(raw, f"{spec.where}.routes[{i}]")
            expr = _required_expr(sub, "expr")
            outputs = sub.get("output", [])
            outputs = [outputs] if isinstance(outputs, str) else outputs
            if not outputs:
                raise sub.fail("missing required field 'output'")
            attrs = {str(k): ExprString(v) for k, v in sub.map("attributes").items()}
            sub.finish()
            self.routes.append(Route(expr, list(outputs), attrs))
        default = spec.get("default", [])
        self.default_ids: list[str] = [default] if isinstance(default, str) else list(default)
        self.default_targets: list[Operator] = []
        self.output_ids = []  # a router's outputs are its routes

    def all_output_ids(self) -> list[str]:
        ids = [i for r in self.routes for i in r.output_ids]
        return ids + self.default_ids

    def process(self, entry: Entry) -> None:
        try:
            if self.skip(entry):
                self._send(self.default_targets, entry)
                return
            for route in self.routes:
                if run_bool(route.expr, entry):
                    for key, value in route.attributes.items():
                        entry.attributes[key] = value.render(entry)
                    self._send(route.targets, entry)
                    return
        except ExprError as exc:
            self.handle_error(entry, exc)
            return
        self._send(self.default_targets, entry)

    def _send(self, targets: list[Operator], entry: Entry) -> None:
        for i, target in enumerate(targets):
            target.process(entry if i == len(targets) - 1 else entry.copy())


class Unquote(Operator):
    type_name = "unquote"

    def __init__(self, spec: Spec) -> None:
        super().__init__(spec)
        self.field = spec.field("field", Field(BODY))

    def transform(self, entry: Entry) -> None:
        import ast

        assert self.field is not None
        value, ok = self.field.get(entry)
        if not ok or not isinstance(value, str):
            raise ValueError("unquote: field is not a string")
        if len(value) < 2 or value[0] != value[-1] or value[0] not in "\"'`":
            raise ValueError("invalid syntax")
        unquoted: Any = value[1:-1] if value[0] == "`" else ast.literal_eval(value)
        self.field.set(entry, unquoted)


_ANSI_CSI = re.compile(r"\x1B\[[\x30-\x3F]*[\x20-\x2F]*[\x40-\x7E]")


class RegexReplace(Operator):
    """Replaces every match of ``regex`` (or ``regex_name: ansi_control_sequences``) in a string field."""

    type_name = "regex_replace"

    def __init__(self, spec: Spec) -> None:
        super().__init__(spec)
        name = spec.text("regex_name", "")
        pattern = spec.text("regex", "")
        self.replace_with = spec.text("replace_with", "")
        self.field = spec.field("field")
        if self.field is None:
            raise spec.fail("missing required field 'field'")
        if bool(name) == bool(pattern):
            raise spec.fail("either regex or regex_name must be set")
        if name:
            if name != "ansi_control_sequences":
                raise spec.fail(f"regex_name {name} is unknown")
            self.regex = _ANSI_CSI
        else:
            try:
                self.regex = compile_go(pattern)
            except ValueError as exc:
                raise spec.fail(str(exc)) from None
        # Go's ReplaceAllString expands $1 / ${name}; Python's sub wants \g<1> / \g<name>
        self.template = re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: f"\\g<{m.group(1) or m.group(2)}>", self.replace_with)

    def transform(self, entry: Entry) -> None:
        assert self.field is not None
        value, ok = self.field.get(entry)
        if not ok:
            return
        if not isinstance(value, str):
            raise ValueError(f"type {type(value).__name__} cannot be handled")
        self.field.set(entry, self.regex.sub(self.template, value))


class AssignKeys(Operator):
    """Turns a list field into a map with ``keys`` as its keys."""

    type_name = "assign_keys"

    def __init__(self, spec: Spec) -> None:
        super().__init__(spec)
        self.field = spec.required_field("field")
        keys = spec.get("keys", [])
        if not isinstance(keys, list) or not keys:
            raise spec.fail("missing required field 'keys'")
        self.keys = [str(k) for k in keys]

    def transform(self, entry: Entry) -> None:
        value, ok = self.field.get(entry)
        if not ok:
            raise ValueError(f"apply assign_keys: field {self.field.text} does not exist on entry")
        if not isinstance(value, list):
            raise ValueError(f"apply assign_keys: couldn't convert field {self.field.text} to []any")
        if len(value) != len(self.keys):
            raise ValueError(
                f"apply assign_keys: field {self.field.text} contains {len(value)} values while expected keys "
                f"are {self.keys} contain {len(self.keys)} keys"
            )
        self.field.set(entry, dict(zip(self.keys, value, strict=True)))
