"""Compile parsed OTTL into Python closures, once, at start.

Every node becomes a getter ``fn(tctx) -> value`` (or a predicate ``fn(tctx) -> bool`` for
conditions); literals and enums are folded, paths are resolved to attribute reads on the
views, functions are built with their compiled arguments. Nothing is looked up by name per item.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..pdata.pcommon import Map, ValueSlice
from . import paths
from .compare import arithmetic, compare
from .contexts import CONTEXT_ORDER, CONTEXTS_BY_SIGNAL, LOWER, READABLE
from .functions import CONVERTERS, EDITORS, CompileError, ExecutionError, FunctionSpec, Getter, Param
from .grammar import (
    BinOp,
    BoolOp,
    Call,
    Compare,
    EnumRef,
    KeyExpr,
    ListLit,
    Literal,
    MapLit,
    Node,
    Not,
    PathExpr,
)
from .pvalues import read_value

__all__ = ["ENUMS", "Env", "compile_condition", "compile_statement", "infer_context", "walk"]

Predicate = Callable[[Any], bool]
INT64_MAX = 2**63 - 1

# --- enums ---------------------------------------------------------------------------------------

_SPAN_ENUMS = {
    "SPAN_KIND_UNSPECIFIED": 0,
    "SPAN_KIND_INTERNAL": 1,
    "SPAN_KIND_SERVER": 2,
    "SPAN_KIND_CLIENT": 3,
    "SPAN_KIND_PRODUCER": 4,
    "SPAN_KIND_CONSUMER": 5,
    "STATUS_CODE_UNSET": 0,
    "STATUS_CODE_OK": 1,
    "STATUS_CODE_ERROR": 2,
}
_METRIC_ENUMS = {
    "AGGREGATION_TEMPORALITY_UNSPECIFIED": 0,
    "AGGREGATION_TEMPORALITY_DELTA": 1,
    "AGGREGATION_TEMPORALITY_CUMULATIVE": 2,
    "METRIC_DATA_TYPE_NONE": 0,
    "METRIC_DATA_TYPE_GAUGE": 1,
    "METRIC_DATA_TYPE_SUM": 2,
    "METRIC_DATA_TYPE_HISTOGRAM": 3,
    "METRIC_DATA_TYPE_EXPONENTIAL_HISTOGRAM": 4,
    "METRIC_DATA_TYPE_SUMMARY": 5,
}
_SEVERITIES = ["UNSPECIFIED"] + [
    f"{level}{n if n > 1 else ''}"
    for level in ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")
    for n in range(1, 5)
]
_LOG_ENUMS = {f"SEVERITY_NUMBER_{name}": i for i, name in enumerate(_SEVERITIES)}

ENUMS: dict[str, dict[str, int]] = {
    "resource": {},
    "scope": {},
    "span": _SPAN_ENUMS,
    "spanevent": _SPAN_ENUMS,
    "metric": _METRIC_ENUMS,
    "datapoint": {**_METRIC_ENUMS, "FLAG_NONE": 0, "FLAG_NO_RECORDED_VALUE": 1},
    "log": _LOG_ENUMS,
}


# --- compile environment -------------------------------------------------------------------------


@dataclass
class Env:
    """What compiling one statement needs: its context, whether un-prefixed paths belong to it
    (a group with ``context:`` written the legacy way), and the extra functions."""

    context: str
    signal: str
    legacy: bool = False
    extra: dict[str, FunctionSpec] | None = None

    def function(self, name: str) -> FunctionSpec | None:
        if self.extra and name in self.extra:
            return self.extra[name]
        return (EDITORS if name[:1].islower() else CONVERTERS).get(name)


def _where(node: Node) -> str:
    return f" (column {node.column})" if node.column else ""


def _constant(value: Any) -> Getter:
    def get(t: Any) -> Any:
        return value

    get.ottl_constant = (value,)  # type: ignore[attr-defined]  # lets paths specialize on literal keys
    return get


# --- values --------------------------------------------------------------------------------------


def _check_literal(node: Literal) -> Any:
    value = node.value
    if type(value) is int and value > INT64_MAX:
        raise CompileError(f'strconv.ParseInt: parsing "{value}": value out of range{_where(node)}')
    return value


def compile_value(node: Node, env: Env) -> Getter:
    if isinstance(node, Literal):
        return _constant(_check_literal(node))
    if isinstance(node, EnumRef):
        return _constant(_enum(node, env))
    if isinstance(node, PathExpr):
        return compile_path(node, env).get
    if isinstance(node, Call):
        return _compile_converter(node, env)
    if isinstance(node, BinOp):
        return _compile_math(node, env)
    if isinstance(node, ListLit):
        items = [compile_value(i, env) for i in node.items]
        if all(isinstance(i, Literal) for i in node.items):
            values = [i.value for i in node.items]  # type: ignore[attr-defined]
            return lambda t: list(values)
        return lambda t: [g(t) for g in items]
    if isinstance(node, MapLit):
        entries = [(k, compile_value(v, env)) for k, v in node.items]
        return lambda t: {k: g(t) for k, g in entries}
    raise CompileError(f"a condition cannot be used as a value{_where(node)}")


def _enum(node: EnumRef, env: Env) -> int:
    table = ENUMS.get(env.context, {})
    if node.name in table:
        return table[node.name]
    raise CompileError(f"enum symbol, {node.name}, not found{_where(node)}")


def _compile_math(node: BinOp, env: Env) -> Getter:
    left, right, op = compile_value(node.left, env), compile_value(node.right, env), node.op
    for side in (node.left, node.right):
        if isinstance(side, Literal) and (isinstance(side.value, bool) or not isinstance(side.value, int | float)):
            raise CompileError(f"invalid math expression: {side.value!r} is not a number{_where(side)}")
    return lambda t: arithmetic(left(t), right(t), op)


def _index(value: Any, key: Any) -> Any:
    """``value[key]`` for a converter result (Go: maps by string, slices by int)."""
    if isinstance(key, bool) or not isinstance(key, str | int):
        raise ExecutionError(f"invalid key type {type(key).__name__}")
    if isinstance(value, Map):
        if not isinstance(key, str):
            raise ExecutionError("unable to resolve an integer index in map: invalid key type")
        found = value.get(key)
        return None if found is None else read_value(found._pb, found._guard)
    if isinstance(value, dict):
        if not isinstance(key, str):
            raise ExecutionError("unable to resolve an integer index in map: invalid key type")
        return value.get(key)
    if isinstance(value, ValueSlice | list | tuple):
        if not isinstance(key, int):
            raise ExecutionError("unable to resolve a string index in slice: invalid key type")
        if key < 0 or key >= len(value):
            raise ExecutionError(f"index {key} out of bounds")
        item = value[key]
        return read_value(item._pb, item._guard) if isinstance(value, ValueSlice) else item
    if value is None:
        return None
    raise ExecutionError(f"type, {type(value).__name__}, does not support indexing")


def _compile_keys(getter: Getter, keys: list[KeyExpr], env: Env) -> Getter:
    if not keys:
        return getter
    key_getters = [compile_value(k.expr, env) for k in keys]

    def get(t: Any) -> Any:
        value = getter(t)
        for key_getter in key_getters:
            value = _index(value, key_getter(t))
        return value

    return get


# --- paths ---------------------------------------------------------------------------------------


def path_context(node: PathExpr, env: Env) -> tuple[str, list[tuple[str, list[KeyExpr]]]]:
    """Which context a path reads, and its fields after the prefix."""
    fields = node.fields
    first, first_keys = fields[0]
    readable = READABLE[env.context]
    if len(fields) > 1 and not first_keys and first in readable:
        return first, fields[1:]
    # The legacy "instrumentation_scope" prefix is known to the lower contexts only: Go's scope
    # context itself refuses it.
    if first == "instrumentation_scope" and len(fields) > 1 and "scope" in readable and env.context != "scope":
        return "scope", fields[1:]
    if env.legacy:
        return env.context, fields
    known = set(CONTEXTS_BY_SIGNAL[env.signal])
    contexts = {*known, "log", "span", "spanevent", "metric", "datapoint", "resource", "scope", "instrumentation_scope"}
    if len(fields) > 1 and first in contexts:
        options = ", ".join(f'"{c}"' for c in readable)
        raise CompileError(
            f'context "{first}" from path "{node.text()}" is not valid, it must be replaced by one of: {options}'
        )
    raise CompileError(
        f'missing context name for path "{node.text()}", possibly valid options are: '
        + ", ".join(f'"{c}.{node.text()}"' for c in readable)
    )


def compile_path(node: PathExpr, env: Env) -> paths.PathAccessor:
    obj, fields = path_context(node, env)
    compiled = [(name, [compile_value(k.expr, env) for k in keys]) for name, keys in fields]
    try:
        return paths.resolve(obj, compiled, obj == env.context, node.text())
    except CompileError as exc:
        raise CompileError(f"{exc}{_where(node)}") from None


# --- functions -----------------------------------------------------------------------------------


def _literal_value(node: Node, env: Env, what: str) -> Any:
    if isinstance(node, Literal):
        return _check_literal(node)
    if isinstance(node, EnumRef):
        return _enum(node, env)
    if isinstance(node, ListLit):
        return [_literal_value(i, env, what) for i in node.items]
    if isinstance(node, MapLit):
        return {k: _literal_value(v, env, what) for k, v in node.items}
    raise CompileError(f"{what} must be a literal value{_where(node)}")


def _function_arg(node: Node, env: Env, what: str) -> Callable[[Any], Any]:
    if not isinstance(node, EnumRef):
        raise CompileError(f"{what} must be a function name{_where(node)}")
    spec = CONVERTERS.get(node.name)
    if spec is None or not spec.params:
        raise CompileError(f'undefined function "{node.name}"{_where(node)}')
    cell: list[Any] = [None]
    kwargs: dict[str, Any] = {}
    for i, param in enumerate(spec.params):
        if i == 0:
            kwargs[param.name] = lambda t: cell[0]
        elif param.optional:
            kwargs[param.name] = _default(param)
        else:
            raise CompileError(f'function "{node.name}" needs more than one argument{_where(node)}')
    fn = spec.build(**kwargs)

    def apply(value: Any) -> Any:
        cell[0] = value
        return fn(None)

    return apply


def _default(param: Param) -> Any:
    if param.kind in ("getter",) and param.default is not None:
        return _constant(param.default)
    return param.default


def _argument(param: Param, node: Node, env: Env, position: int) -> Any:
    what = f"argument {param.name!r}"
    kind = param.kind
    if kind == "getter":
        return compile_value(node, env)
    if kind == "target":
        if not isinstance(node, PathExpr):
            raise CompileError(f"invalid argument at position {position}: {what} must be a path{_where(node)}")
        accessor = compile_path(node, env)
        if accessor.set is None:
            raise CompileError(
                f'invalid argument at position {position}: path "{node.text()}" is read-only{_where(node)}'
            )
        return accessor
    if kind == "getter_list":
        if not isinstance(node, ListLit):
            raise CompileError(f"invalid argument at position {position}: {what} must be a list{_where(node)}")
        return [compile_value(i, env) for i in node.items]
    if kind == "enum":
        value = _literal_value(node, env, what)
        if not isinstance(value, int) or isinstance(value, bool):
            raise CompileError(f"invalid argument at position {position}: {what} must be an enum{_where(node)}")
        return value
    if kind == "function":
        return _function_arg(node, env, what)
    return _literal_value(node, env, f"invalid argument at position {position}: {what}")


def build_function(node: Call, env: Env, editor: bool) -> Callable[[Any], Any]:
    spec = env.function(node.name)
    if spec is None:
        if not editor and node.name[:1].islower():
            raise CompileError(f"converter names must start with an uppercase letter but got '{node.name}'")
        raise CompileError(f'undefined function "{node.name}"{_where(node)}')
    if spec.contexts is not None and env.context not in spec.contexts:
        raise CompileError(f'function "{node.name}" is not supported in the "{env.context}" context{_where(node)}')
    params = spec.params
    if len(node.args) > len(params):
        raise CompileError(
            f'error while parsing arguments for call to "{node.name}": incorrect number of arguments. '
            f"Expected: {len(params)} Received: {len(node.args) + len(node.named)}"
        )
    kwargs: dict[str, Any] = {}
    by_name = {p.name: i for i, p in enumerate(params)}
    if any(name not in by_name and _snake(name) in by_name for name in node.named):
        # Go's documentation writes some names in camelCase (``resolveConflicts``)
        node.named = {(_snake(k) if k not in by_name else k): v for k, v in node.named.items()}
    for name in node.named:
        if name not in by_name:
            raise CompileError(f'error while parsing arguments for call to "{node.name}": no such parameter: {name}')
    prefix = f'error while parsing arguments for call to "{node.name}": '
    for i, param in enumerate(params):
        arg: Node | None = node.args[i] if i < len(node.args) else node.named.get(param.name)
        if i < len(node.args) and param.name in node.named:
            raise CompileError(f"{prefix}argument {param.name!r} given twice")
        if arg is None:
            if not param.optional:
                raise CompileError(
                    f"{prefix}incorrect number of arguments. Expected: {sum(not p.optional for p in params)} "
                    f"Received: {len(node.args) + len(node.named)}"
                )
            kwargs[param.name] = _default(param)
            continue
        try:
            kwargs[param.name] = _argument(param, arg, env, i)
        except CompileError as exc:
            text = str(exc)
            if not text.startswith(
                ("error while parsing", "invalid argument", "undefined function", "converter names")
            ):
                text = f"invalid argument at position {i}: {text}"
            raise CompileError(text if text.startswith("error while parsing") else prefix + text) from None
    try:
        return spec.build(**kwargs)
    except CompileError as exc:
        raise CompileError(f"{prefix}{exc}") from None
    except ValueError as exc:  # a bad regex or the like, found while building
        raise CompileError(f"{prefix}{exc}") from None


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


def _compile_converter(node: Call, env: Env) -> Getter:
    if node.name[:1].islower():
        raise CompileError(f"converter names must start with an uppercase letter but got '{node.name}'")
    return _compile_keys(build_function(node, env, editor=False), node.keys, env)


# --- conditions ----------------------------------------------------------------------------------


def compile_condition(node: Node, env: Env) -> Predicate:
    if isinstance(node, Literal) and isinstance(node.value, bool):
        value = node.value
        return lambda t: value
    if isinstance(node, Compare):
        return _compile_compare(node, env)
    if isinstance(node, Not):
        inner = compile_condition(node.item, env)
        return lambda t: not inner(t)
    if isinstance(node, BoolOp):
        items = [compile_condition(i, env) for i in node.items]
        if node.op == "and":
            if len(items) == 2:
                a, b = items
                return lambda t: a(t) and b(t)
            return lambda t: all(p(t) for p in items)
        if len(items) == 2:
            a, b = items
            return lambda t: a(t) or b(t)
        return lambda t: any(p(t) for p in items)
    if isinstance(node, Call):
        getter = _compile_converter(node, env)

        def truth(t: Any) -> bool:
            value = getter(t)
            if not isinstance(value, bool):
                raise ExecutionError(
                    f"value returned from Converter in constant expression must be bool but got {type(value).__name__}"
                )
            return value

        return truth
    raise CompileError(f"a condition must be a comparison, a boolean or a converter{_where(node)}")


def _compile_compare(node: Compare, env: Env) -> Predicate:
    for side in (node.left, node.right):
        if isinstance(side, Compare | BoolOp | Not):
            raise CompileError(f"a comparison cannot compare a condition{_where(side)}")
    left = compile_value(node.left, env)
    op = node.op
    if isinstance(node.right, Literal | EnumRef):
        constant = node.right.value if isinstance(node.right, Literal) else _enum(node.right, env)
        if isinstance(constant, str) and op in ("==", "!="):
            # The common ``x == "literal"``: skip the type dispatch when the left side is a str.
            eq = op == "=="

            def str_compare(t: Any) -> bool:
                value = left(t)
                if type(value) is str:
                    return (value == constant) is eq
                return compare(value, constant, op)

            str_compare.ottl_inline = ("compare_literal", left, op, constant, str)  # type: ignore[attr-defined]
            return str_compare
        if type(constant) in (int, float):
            # Numbers against a number literal: Python's operators give Go's result when both
            # sides have the same type; anything else goes through the full rules.
            fast = _FAST_OPS[op]
            kind = type(constant)

            def num_compare(t: Any) -> bool:
                value = left(t)
                if type(value) is kind:
                    return fast(value, constant)
                return compare(value, constant, op)

            num_compare.ottl_inline = ("compare_literal", left, op, constant, kind)  # type: ignore[attr-defined]
            return num_compare
        return lambda t: compare(left(t), constant, op)
    right = compile_value(node.right, env)
    return lambda t: compare(left(t), right(t), op)


_FAST_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


# --- statements ----------------------------------------------------------------------------------


def compile_statement(editor: Call, condition: Node | None, env: Env) -> tuple[Callable[[Any], Any], Predicate | None]:
    fn = build_function(editor, env, editor=True)
    predicate = compile_condition(condition, env) if condition is not None else None
    return fn, predicate


# --- inference -----------------------------------------------------------------------------------


def walk(node: Any) -> Any:
    """Every node below ``node`` (itself included)."""
    if isinstance(node, Node):
        yield node
        for name in _fields_of(node):
            yield from walk(getattr(node, name))
    elif isinstance(node, list | tuple):
        for item in node:
            yield from walk(item)
    elif isinstance(node, dict):
        for item in node.values():
            yield from walk(item)


def _fields_of(node: Node) -> tuple[str, ...]:
    names: list[str] = []
    for cls in type(node).__mro__:
        names.extend(getattr(cls, "__slots__", ()))
    return tuple(n for n in names if n != "column")


def hints(trees: list[Any]) -> tuple[list[str], set[str], set[str]]:
    """The path contexts, function names and enum symbols used (Go's inference hints)."""
    contexts: list[str] = []
    functions: set[str] = set()
    enums: set[str] = set()
    for tree in trees:
        for node in walk(tree):
            if isinstance(node, PathExpr) and len(node.fields) > 1 and not node.fields[0][1]:
                contexts.append(node.fields[0][0])
            elif isinstance(node, Call):
                functions.add(node.name)
            elif isinstance(node, EnumRef) and node.name not in CONVERTERS:
                # an UPPERCASE converter name is a function argument (replace_pattern's SHA256)
                enums.add(node.name)
    return contexts, functions, enums


def _supports(context: str, functions: set[str], enums: set[str], extra: dict[str, FunctionSpec] | None) -> bool:
    for name in functions:
        spec = (extra or {}).get(name) or EDITORS.get(name) or CONVERTERS.get(name)
        if spec is None or (spec.contexts is not None and context not in spec.contexts):
            return False
    table = ENUMS.get(context, {})
    return all(e in table for e in enums)


def _unsupported(context: str, functions: set[str], enums: set[str], extra: dict[str, FunctionSpec] | None) -> str:
    for name in sorted(functions):
        spec = (extra or {}).get(name) or EDITORS.get(name) or CONVERTERS.get(name)
        if spec is None or (spec.contexts is not None and context not in spec.contexts):
            return f'inferred context "{context}" does not support the function "{name}"'
    for name in sorted(enums):
        if name not in ENUMS.get(context, {}):
            return f'inferred context "{context}" does not support the enum symbol "{name}"'
    return ""


def infer_context(
    signal: str, trees: list[Any], statements: list[str], conditions: list[str], extra: dict[str, FunctionSpec] | None
) -> str:
    """The context Go's priority inferrer picks for these statements and conditions."""
    candidates = CONTEXTS_BY_SIGNAL[signal]
    contexts, functions, enums = hints(trees)
    order = {name: i for i, name in enumerate(CONTEXT_ORDER)}
    inferred = ""
    for ctx in contexts:
        if not inferred or order.get(ctx, 1 << 30) < order.get(inferred, 1 << 30):
            inferred = ctx
    quoted = " ".join(f'"{c}"' for c in candidates)
    shown_statements = " ".join(_go_quote(s) for s in statements)
    shown_conditions = " ".join(_go_quote(c) for c in conditions)
    if not inferred or inferred not in candidates:
        raise CompileError(
            f"unable to infer context from statements [{shown_statements}] and conditions [{shown_conditions}], "
            f"path's first segment must be a valid context name [{quoted}], and at least one context must be "
            "capable of parsing all statements"
        )
    if _supports(inferred, functions, enums, extra):
        return inferred
    lower = sorted(LOWER[signal].get(inferred, ()), key=lambda c: order.get(c, 1 << 30))
    for ctx in lower:
        if _supports(ctx, functions, enums, extra):
            return ctx
    raise CompileError(
        f"unable to infer a valid context ([{quoted}]) from statements [{shown_statements}] and conditions "
        f"[{shown_conditions}]: {_unsupported(inferred, functions, enums, extra)}"
    )


def _go_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
