"""The per-item function of a statement group, generated once at start.

The compiled statements are closures (``compiler``), one Python call per node per item. For the
hottest forms, the closures describe themselves in an ``ottl_inline`` attribute, and this module
writes their work inline into one function per group instead: reading, writing and deleting
``attributes["literal"]`` through the item's key index (``keyindex``), comparing with a literal,
``set``, ``Concat`` with a literal delimiter, ``replace_pattern`` with a literal replacement.
Everything else is called as the compiled closure, so the closures stay the reference: an
inlined form must do exactly what its closure does, in the same order. For span, metric and log
groups the loop over a scope's items is generated too (``run_items``), one call less per item.

The source is built from fixed text and generated names only: every object (a literal, a key,
a closure, a statement's text) is bound in the function's namespace, never pasted into the
source.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .compare import compare
from .contexts import IX_ITEM
from .pvalues import read_value, write_value
from .values import string_like

__all__ = ["ITEM_SLOTS", "group_functions"]

# Python's operators for OTTL's comparison operators (the only text an operator becomes)
_PY_OPS = {"==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


class _Emitter:
    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {
            "compare": compare,
            "read_value": read_value,
            "write_value": write_value,
            "string_like": string_like,
            "NESTED": frozenset(("kvlist_value", "array_value")),
        }
        self.lines: list[str] = []
        self.depth = 0
        self._count = 0

    def bind(self, obj: Any, prefix: str) -> str:
        """A namespace name for ``obj``."""
        self._count += 1
        name = f"{prefix}_{self._count}"
        self.namespace[name] = obj
        return name

    def local(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}_{self._count}"

    def line(self, text: str) -> None:
        self.lines.append("    " * self.depth + text)

    # --- values --------------------------------------------------------------------------

    def value(self, getter: Callable[[Any], Any]) -> str:
        """Emit what computes ``getter(t)``; return the name holding it."""
        constant = getattr(getter, "ottl_constant", None)
        if constant is not None:
            return self.bind(constant[0], "c")
        inline = getattr(getter, "ottl_inline", None)
        if inline is not None and inline[0] == "key_read":
            return self._key_read(*inline[1:])
        if inline is not None and inline[0] == "concat":
            return self._concat(*inline[1:])
        out = self.local("v")
        self.line(f"{out} = {self.bind(getter, 'get')}(t)")
        return out

    def _index(self, slot: int, build: Callable[[Any], Any]) -> str:
        """The valid key index of ``slot`` (built if needed) into a local, None without one."""
        ix = self.local("ix")
        self.line(f"{ix} = t._ix[{int(slot)}]")
        self.line(f"if {ix} is None or t._ixgen != t._ixguard.write_generation:")
        self.line(f"    {ix} = {self.bind(build, 'build')}(t)")
        return ix

    def _position(self, ix: str, key: str) -> str:
        position = self.local("pos")
        self.line(f"{position} = {ix}.get({key})")
        self.line(f"if {position} is None and not {ix}.complete:")
        self.line(f"    {position} = {ix}.scan_to({key})")
        return position

    def _key_read(self, slot: int, key: str, build: Callable[[Any], Any], scan_get: Callable[[Any], Any]) -> str:
        # paths._map_key_access's get
        out, pb, kind = self.local("v"), self.local("pb"), self.local("kind")
        ix = self._index(slot, build)
        self.line(f"if {ix} is None:")
        self.line(f"    {out} = {self.bind(scan_get, 'get')}(t)")
        self.line("else:")
        self.depth += 1
        position = self._position(ix, self.bind(key, "key"))
        self.line(f"if {position} is None:")
        self.line(f"    {out} = None")
        self.line("else:")
        self.line(f"    {pb} = {ix}.entries[{position}].value")
        self.line(f"    {out} = {pb}.string_value  # non-empty only for a string value")
        self.line(f"    if not {out}:")
        self.line(f"        {kind} = {pb}.WhichOneof('value')")
        self.line(f"        if {kind} is None:")
        self.line(f"            {out} = None")
        self.line(f"        elif {kind} in NESTED:")
        self.line(f"            {out} = read_value({pb}, t._ixguard)")
        self.line("        else:")
        self.line(f"            {out} = getattr({pb}, {kind})")
        self.depth -= 1
        return out

    def _concat(self, getters: list[Callable[[Any], Any]], sep: str) -> str:
        # converters.strings._concat_literal
        parts = []
        for getter in getters:
            part = self.local("part")
            self.line(f"{part} = {self.value(getter)}")
            self.line(f"if type({part}) is not str:")
            self.line(f"    {part} = string_like({part})")
            self.line(f"    if {part} is None:")
            self.line(f"        {part} = '<nil>'")
            parts.append(part)
        out = self.local("v")
        self.line(f"{out} = {self.bind(sep, 'sep')}.join(({', '.join(parts)},))")
        return out

    # --- conditions ----------------------------------------------------------------------

    def predicate(self, predicate: Callable[[Any], bool]) -> str:
        inline = getattr(predicate, "ottl_inline", None)
        out = self.local("w")
        if inline is not None and inline[0] == "compare_literal":
            # compiler._compile_compare's str_compare / num_compare
            _, left, op, constant, kind = inline
            value = self.value(left)
            c = self.bind(constant, "c")
            self.line(f"if type({value}) is {self.bind(kind, 'type')}:")
            self.line(f"    {out} = {value} {_PY_OPS[op]} {c}")
            self.line("else:")
            self.line(f"    {out} = compare({value}, {c}, {self.bind(op, 'op')})")
            return out
        self.line(f"{out} = {self.bind(predicate, 'where')}(t)")
        return out

    # --- editors -------------------------------------------------------------------------

    def editor(self, fn: Callable[[Any], Any]) -> None:
        inline = getattr(fn, "ottl_inline", None)
        if inline is not None and inline[0] == "set":
            _, target, value_of = inline
            self._write(target.set, self.value(value_of))
            return
        if inline is not None and inline[0] == "replace_literal":
            # editors._replace_literal
            _, target, subn, escaped = inline
            key_read = getattr(target.get, "ottl_inline", (None,))
            if key_read[0] == "key_read":
                self._replace_key(fn, subn, escaped, *key_read[1:4])
                return
            value = self.value(target.get)
            updated, count = self.local("updated"), self.local("count")
            self.line(f"if isinstance({value}, str):")
            self.depth += 1
            self.line(f"{updated}, {count} = {self.bind(subn, 'subn')}({self.bind(escaped, 'c')}, {value})")
            self.line(f"if {count} and {updated} != {value}:")
            self.depth += 1
            self._write(target.set, updated)
            self.depth -= 2
            return
        if inline is not None and inline[0] == "delete_key":
            _, remove, key = inline
            if getattr(remove, "ottl_inline", (None,))[0] == "key_remove":
                self._key_remove(remove, key, *remove.ottl_inline[1:])
                return
        self.line(f"{self.bind(fn, 'fn')}(t)")

    def _replace_key(self, fn: Any, subn: Any, escaped: str, slot: int, key: str, build: Any) -> None:
        # editors._replace_literal on attributes["literal"]: the value read is the one written
        # (the index stays true in between: the regex changes nothing else)
        pb, text, updated, count, guard = (self.local(n) for n in ("pb", "text", "updated", "count", "guard"))
        ix = self._index(slot, build)
        self.line(f"if {ix} is None:")
        self.line(f"    {self.bind(fn, 'fn')}(t)")
        self.line("else:")
        self.depth += 1
        position = self._position(ix, self.bind(key, "key"))
        self.line(f"if {position} is not None:")
        self.line(f"    {pb} = {ix}.entries[{position}].value")
        self.line(f"    {text} = {pb}.string_value")
        self.line(f"    if {text} or {pb}.WhichOneof('value') == 'string_value':")
        self.line(f"        {updated}, {count} = {self.bind(subn, 'subn')}({self.bind(escaped, 'c')}, {text})")
        self.line(f"        if {count} and {updated} != {text}:")
        self.line(f"            {guard} = t._ixguard")
        self.line(f"            {guard}.before_write()")
        self.line(f"            t._ixgen = {guard}.write_generation")
        self.line(f"            {pb}.string_value = {updated}")
        self.depth -= 1

    def _key_remove(self, remove: Callable[..., Any], key: str, slot: int, build: Any) -> None:
        # paths._remove_key's remove
        guard, name = self.local("guard"), self.bind(key, "key")
        ix = self._index(slot, build)
        self.line(f"if {ix} is None:")
        self.line(f"    {self.bind(remove, 'remove')}(t, {name})")
        self.line("else:")
        self.depth += 1
        position = self._position(ix, name)
        self.line(f"if {position} is not None:")
        self.line(f"    {guard} = t._ixguard")
        self.line(f"    {guard}.before_write()")
        self.line(f"    t._ixgen = {guard}.write_generation")
        self.line(f"    del {ix}.kvs[{position}]")
        self.line(f"    {ix}.remove({position}, {name})")
        self.depth -= 1

    def _write(self, setter: Callable[..., Any], value: str) -> None:
        inline = getattr(setter, "ottl_inline", None)
        if inline is not None and inline[0] == "key_write":
            self._key_write(setter, value, *inline[1:])
        elif inline is not None and inline[0] == "str_field":
            self._str_field(value, *inline[1:])
        else:
            self.line(f"{self.bind(setter, 'set')}(t, {value})")

    def _key_write(self, setter: Callable[..., Any], value: str, slot: int, key: str, build: Any) -> None:
        # paths._map_key_access's set_
        guard, kv = self.local("guard"), self.local("kv")
        ix = self._index(slot, build)
        self.line(f"if {ix} is None:")
        self.line(f"    {self.bind(setter, 'set')}(t, {value})")
        self.line("else:")
        self.depth += 1
        self.line(f"{guard} = t._ixguard")
        self.line(f"{guard}.before_write()")
        self.line(f"t._ixgen = {guard}.write_generation")
        name = self.bind(key, "key")
        position = self._position(ix, name)
        self.line(f"if {position} is None:")
        self.line(f"    {kv} = {ix}.kvs.add()")
        self.line(f"    {kv}.key = {name}")
        self.line(f"    {ix}[{name}] = len({ix}.entries)")
        self.line(f"    {ix}.entries.append({kv})")
        self.line("else:")
        self.line(f"    {kv} = {ix}.entries[{position}]")
        self.line(f"if type({value}) is str:")
        self.line(f"    {kv}.value.string_value = {value}")
        self.line("else:")
        self.line(f"    write_value({kv}.value, {value})")
        self.depth -= 1

    def _str_field(self, value: str, pb_of: Any, guard_of: Any, field: str) -> None:
        # paths._str_field's set_
        guard = self.local("guard")
        self.line(f"if isinstance({value}, str):")
        self.line(f"    {guard} = {self.bind(guard_of, 'guard_of')}(t)")
        self.line(f"    if {guard} is t._ixguard and t._ixgen == {guard}.write_generation:")
        self.line(f"        {guard}.before_write()")
        self.line(f"        t._ixgen = {guard}.write_generation")
        self.line("    else:")
        self.line(f"        {guard}.before_write()")
        self.line(f"    setattr({self.bind(pb_of, 'pb_of')}(t), {self.bind(field, 'field')}, {value})")


Statements = list[tuple[str, Callable[[Any], Any], Callable[[Any], bool] | None]]

# item contexts whose walk is one loop over a scope's items: the context's slot for the
# item's protobuf and the item's key index slot (contexts.IX_ITEM)
ITEM_SLOTS = {"span": "span_pb", "metric": "metric_pb", "log": "log_pb"}


def group_functions(
    statements: Statements,
    condition: Callable[[Any], bool] | None,
    failed: Callable[[str, BaseException], None],
    context: str,
) -> tuple[Callable[[Any], None], Callable[[Any, Any], None] | None]:
    """``run(t)``: the group's condition, then each statement in a ``try`` of its own (the
    error mode decides per statement: ignore/silent go on with the next one). For the
    contexts of ``ITEM_SLOTS`` also ``run_items(t, items)``: the same for every protobuf of
    ``items`` in turn, ``t`` moved from item to item as the engine's walk does (its cache and
    item key index reset), which saves a call per item."""
    emit = _Emitter()
    emit.namespace["failed"] = failed
    for text, fn, where in statements:
        emit.line("try:")
        emit.depth += 1
        if where is not None:
            emit.line(f"if {emit.predicate(where)}:")
            emit.depth += 1
            emit.editor(fn)
            emit.depth -= 1
        else:
            emit.editor(fn)
        emit.depth -= 1
        emit.line("except Exception as err:")
        emit.line(f"    failed({emit.bind(text, 'text')}, err)")
    check = None if condition is None else f"if not {emit.bind(condition, 'condition')}(t):"
    run_lines = ["def run(t):"]
    if check is not None:
        run_lines += [f"    {check}", "        return"]
    run_lines += ["    " + line for line in emit.lines] + ["    return None"]
    source = "\n".join(run_lines) + "\n"
    slot = ITEM_SLOTS.get(context)
    if slot is not None:
        item_lines = ["def run_items(t, items):", "    indexes = t._ix", "    for item in items:"]
        item_lines += [f"        t.{slot} = item", "        t._cache = None", f"        indexes[{IX_ITEM}] = None"]
        if check is not None:
            item_lines += [f"        {check}", "            continue"]
        item_lines += ["        " + line for line in emit.lines] + ["    return None"]
        source += "\n" + "\n".join(item_lines) + "\n"
    exec(compile(source, "<ottl statement group>", "exec"), emit.namespace)
    run: Callable[[Any], None] = emit.namespace["run"]
    run.ottl_source = source  # type: ignore[attr-defined]  # for tests and debugging
    run_items: Callable[[Any, Any], None] | None = emit.namespace.get("run_items")
    return run, run_items
