"""The operator chain (Go's pipeline.DirectedPipeline): ``id``s, ``output`` links, default order.

An operator without ``output`` feeds the next one in the list; the last one (and any that names
no successor) writes to the pipeline's sink, which collects the entries of one ``run`` call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..entry import Entry
from .base import Operator, Spec, logger
from .container import Container
from .parsers import (
    CsvParser,
    JsonParser,
    KeyValueParser,
    RegexParser,
    ScopeNameParserOperator,
    SeverityParserOperator,
    TimeParserOperator,
    TraceParserOperator,
)
from .recombine import Recombine
from .syslog import SyslogParser
from .transformers import (
    Add,
    AssignKeys,
    Copy,
    Filter,
    Flatten,
    Move,
    Noop,
    RegexReplace,
    Remove,
    Retain,
    Router,
    Unquote,
)

OPERATOR_TYPES: dict[str, Callable[[Spec], Operator]] = {
    cls.type_name: cls
    for cls in (
        JsonParser,
        RegexParser,
        KeyValueParser,
        CsvParser,
        TimeParserOperator,
        SeverityParserOperator,
        TraceParserOperator,
        ScopeNameParserOperator,
        SyslogParser,
        Container,
        Recombine,
        Move,
        Copy,
        Add,
        Remove,
        Retain,
        Flatten,
        Noop,
        Filter,
        Router,
        Unquote,
        RegexReplace,
        AssignKeys,
    )
}


class Pipeline:
    """Runs entries through the operators; what reaches the end is returned by ``run``."""

    def __init__(self, operators: list[Operator]) -> None:
        self.operators = operators
        self._out: list[Entry] = []
        self._link()

    def _sink(self, entry: Entry) -> None:
        self._out.append(entry)

    def _link(self) -> None:
        by_id = {op.id: op for op in self.operators}

        def resolve(owner: Operator, ids: Iterable[str]) -> list[Operator]:
            found = []
            for oid in ids:
                target = by_id.get(oid)
                if target is None:
                    raise ValueError(f"operator '{owner.id}' references a non-existent operator '{oid}' in 'output'")
                found.append(target)
            return found

        for i, op in enumerate(self.operators):
            nxt = [self.operators[i + 1]] if i + 1 < len(self.operators) else []
            if isinstance(op, Router):
                for route in op.routes:
                    route.targets = resolve(op, route.output_ids)
                op.default_targets = resolve(op, op.default_ids)
                op.connect([], self._sink)
                continue
            outputs = resolve(op, op.output_ids) if op.output_ids else nxt
            op.connect(outputs, self._sink)
        self._check_cycles()

    def _check_cycles(self) -> None:
        def targets(op: Operator) -> list[Operator]:
            if isinstance(op, Router):
                return [t for r in op.routes for t in r.targets] + op.default_targets
            return op.outputs

        state: dict[str, int] = {}

        def visit(op: Operator) -> None:
            mark = state.get(op.id, 0)
            if mark == 1:
                raise ValueError(f"operators form a cycle through '{op.id}'")
            if mark == 2:
                return
            state[op.id] = 1
            for target in targets(op):
                visit(target)
            state[op.id] = 2

        for op in self.operators:
            visit(op)

    def run(self, entries: Iterable[Entry]) -> list[Entry]:
        if not self.operators:
            return list(entries)
        first = self.operators[0]
        out, self._out = self._out, []
        out.clear()
        self._out = out
        for entry in entries:
            try:
                first.process(entry)
            except Exception:  # an operator bug must not stall the file: lose this entry, say so
                logger.exception("operator chain failed on an entry; the entry is dropped")
        result, self._out = self._out, []
        return result

    def flush(self, now_ns: int) -> list[Entry]:
        """Entries that stateful operators (recombine, container) held past their flush period."""
        for op in self.operators:
            op.flush(now_ns)
        result, self._out = self._out, []
        return result

    def stop(self) -> list[Entry]:
        for op in self.operators:
            op.stop()
        result, self._out = self._out, []
        return result


def build_pipeline(raw: Any, where: str = "operators") -> Pipeline:
    """Build the chain from the config list; raises ValueError naming the operator at fault."""
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise ValueError(f"'{where}' expected a list of operators")
    operators: list[Operator] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise ValueError(f"'{where}[{i}]' expected a map")
        type_name = item.get("type")
        if not isinstance(type_name, str) or not type_name:
            raise ValueError(f"'{where}[{i}]' missing required field 'type'")
        factory = OPERATOR_TYPES.get(type_name)
        if factory is None:
            raise ValueError(f"'{where}[{i}]' unsupported type '{type_name}'")
        spec = Spec(item, f"'{where}[{i}]' ({type_name})")
        op = factory(spec)
        spec.finish()
        if op.id in seen and op.id == type_name:
            # Go's dedeplucateIDs: a default id (the type) that repeats becomes <type>1, <type>2, ...
            n = 1
            while f"{type_name}{n}" in seen:
                n += 1
            op.id = f"{type_name}{n}"
        if op.id in seen:
            raise ValueError(f"'{where}[{i}]' duplicate operator id '{op.id}': set a unique 'id'")
        seen.add(op.id)
        operators.append(op)
    return Pipeline(operators)
