"""The subset of expr-lang (github.com/expr-lang/expr) that stanza's ``if``, router ``expr`` and
``EXPR(...)`` values use, compiled to Python closures.

The environment is Go's: ``body``, ``attributes``, ``resource``, ``timestamp`` (and the legacy
``$`` for body), plus the ``env("NAME")`` function. Supported: literals (strings, numbers, bools,
``nil``, arrays), member access (``a.b``, ``a["b"]``; a missing key is nil), ``== != < <= > >=``,
``and && or || not !``, ``matches contains startsWith endsWith in``, ``not in``, ``+ - * / %``,
``??``, ``cond ? a : b``, and the functions ``len type lower upper trim string int float
hasPrefix hasSuffix env``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from .entry import Entry

Env = dict[str, Any]
Compiled = Callable[[Env], Any]


class ExprError(ValueError):
    pass


_TOKEN = re.compile(
    r"""\s*(?:
      (?P<num>\d+\.\d*(?:[eE][-+]?\d+)?|\d+(?:[eE][-+]?\d+)?|\.\d+)
    | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
    | (?P<name>[A-Za-z_$][A-Za-z0-9_$]*)
    | (?P<op>\?\?|==|!=|<=|>=|&&|\|\||\.\.|[-+*/%<>!?:.,()\[\]{}])
    )""",
    re.VERBOSE,
)

_WORD_OPS = {"and", "or", "not", "in", "matches", "contains", "startsWith", "endsWith"}


def _unquote(text: str) -> str:
    if text[0] == "`":
        return text[1:-1]
    body = text[1:-1]
    return re.sub(
        r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)",
        lambda m: _escape(m.group(1)),
        body,
    )


def _escape(seq: str) -> str:
    simple = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "0": "\0", "a": "\a", "b": "\b"}
    if seq[0] in "ux":
        return chr(int(seq[1:], 16))
    return simple.get(seq, "\\" + seq)


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise ExprError(f"unexpected character {text[pos:].lstrip()[:1]!r} in expression {text!r}")
        kind = m.lastgroup or ""
        value = m.group(kind)
        if kind == "name" and value in _WORD_OPS:
            kind = "op"
        out.append((kind, value))
        pos = m.end()
    out.append(("end", ""))
    return out


# binary operators: precedence (higher binds tighter)
_BINARY = {
    "??": 1,
    "or": 2,
    "||": 2,
    "and": 3,
    "&&": 3,
    "==": 4,
    "!=": 4,
    "<": 4,
    ">": 4,
    "<=": 4,
    ">=": 4,
    "in": 4,
    "matches": 4,
    "contains": 4,
    "startsWith": 4,
    "endsWith": 4,
    "not in": 4,
    "+": 5,
    "-": 5,
    "*": 6,
    "/": 6,
    "%": 6,
}


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    from .regexp import compile_go

    return compile_go(pattern)


def _truthy(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise ExprError(f"invalid operation: {what} (mismatched types {_type_name(value)} and bool)")
    return value


def _type_name(value: Any) -> str:
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "map"
    if isinstance(value, list):
        return "array"
    return type(value).__name__


def _need_str(value: Any, op: str) -> str:
    if not isinstance(value, str):
        raise ExprError(f"invalid operation: {op} on {_type_name(value)}")
    return value


def _num(value: Any, op: str) -> float | int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ExprError(f"invalid operation: {op} on {_type_name(value)}")
    return value


def _compare(op: str, a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        pass
    else:
        a, b = _num(a, op), _num(b, op)
    if op == "<":
        return bool(a < b)
    if op == ">":
        return bool(a > b)
    if op == "<=":
        return bool(a <= b)
    return bool(a >= b)


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    return bool(a == b)


def _contains(container: Any, item: Any) -> bool:
    if isinstance(container, dict):
        return item in container
    if isinstance(container, list):
        return any(_equal(x, item) for x in container)
    if container is None:
        return False
    raise ExprError(f"invalid operation: in on {_type_name(container)}")


def _binary(op: str, left: Compiled, right: Compiled) -> Compiled:
    if op in ("and", "&&"):
        return lambda env: _truthy(left(env), op) and _truthy(right(env), op)
    if op in ("or", "||"):
        return lambda env: _truthy(left(env), op) or _truthy(right(env), op)
    if op == "??":
        return lambda env: v if (v := left(env)) is not None else right(env)
    if op == "==":
        return lambda env: _equal(left(env), right(env))
    if op == "!=":
        return lambda env: not _equal(left(env), right(env))
    if op in ("<", ">", "<=", ">="):
        return lambda env: _compare(op, left(env), right(env))
    if op == "matches":
        return lambda env: _regex(_need_str(right(env), op)).search(_need_str(left(env), op)) is not None
    if op == "contains":
        return lambda env: _need_str(right(env), op) in _need_str(left(env), op)
    if op == "startsWith":
        return lambda env: _need_str(left(env), op).startswith(_need_str(right(env), op))
    if op == "endsWith":
        return lambda env: _need_str(left(env), op).endswith(_need_str(right(env), op))
    if op == "in":
        return lambda env: _contains(right(env), left(env))
    if op == "not in":
        return lambda env: not _contains(right(env), left(env))
    return lambda env: _arith(op, left(env), right(env))


def _arith(op: str, a: Any, b: Any) -> Any:
    if op == "+" and isinstance(a, str) and isinstance(b, str):
        return a + b
    x, y = _num(a, op), _num(b, op)
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op == "/":
        if y == 0:
            raise ExprError("division by zero")
        return x / y
    if isinstance(x, float) or isinstance(y, float):
        raise ExprError("invalid operation: % on float")
    if y == 0:
        raise ExprError("integer divide by zero")
    return int(x - y * int(x / y))  # Go's truncated remainder


def _member(obj: Any, key: Any) -> Any:
    if isinstance(obj, dict):
        return obj.get(key)
    if isinstance(obj, list) and isinstance(key, int) and not isinstance(key, bool):
        if -len(obj) <= key < len(obj):
            return obj[key]
        raise ExprError(f"index out of range: {key} (array length is {len(obj)})")
    if obj is None:
        return None
    raise ExprError(f"cannot fetch {key!r} from {_type_name(obj)}")


def _to_int(value: Any) -> int:
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            raise ExprError(f"strconv.Atoi: parsing {value!r}: invalid syntax") from None
    return int(_num(value, "int"))


def _to_float(value: Any) -> float:
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            raise ExprError(f"strconv.ParseFloat: parsing {value!r}: invalid syntax") from None
    return float(_num(value, "float"))


def _to_string(value: Any) -> str:
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _length(value: Any) -> int:
    if isinstance(value, (str, list, dict)):
        return len(value)
    raise ExprError(f"invalid argument for len (type {_type_name(value)})")


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "env": lambda name: os.environ.get(_need_str(name, "env"), ""),
    "len": _length,
    "type": _type_name,
    "lower": lambda s: _need_str(s, "lower").lower(),
    "upper": lambda s: _need_str(s, "upper").upper(),
    "trim": lambda s, chars=None: _need_str(s, "trim").strip(chars),
    "string": _to_string,
    "int": _to_int,
    "float": _to_float,
    "hasPrefix": lambda s, p: _need_str(s, "hasPrefix").startswith(_need_str(p, "hasPrefix")),
    "hasSuffix": lambda s, p: _need_str(s, "hasSuffix").endswith(_need_str(p, "hasSuffix")),
}


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.pos = 0

    def peek(self) -> tuple[str, str]:
        return self.toks[self.pos]

    def take(self) -> tuple[str, str]:
        tok = self.toks[self.pos]
        self.pos += 1
        return tok

    def expect(self, value: str) -> None:
        kind, got = self.take()
        if got != value or kind != "op":
            raise ExprError(f"expected {value!r}, found {got or 'end of expression'!r} in {self.text!r}")

    def parse(self) -> Compiled:
        node = self.ternary()
        if self.peek()[0] != "end":
            raise ExprError(f"unexpected token {self.peek()[1]!r} in {self.text!r}")
        return node

    def ternary(self) -> Compiled:
        cond = self.binary(1)
        if self.peek() == ("op", "?"):
            self.take()
            yes = self.ternary()
            self.expect(":")
            no = self.ternary()
            return lambda env: yes(env) if _truthy(cond(env), "?:") else no(env)
        return cond

    def _binary_op(self) -> str | None:
        kind, value = self.peek()
        if kind != "op":
            return None
        if value == "not" and self.toks[self.pos + 1] == ("op", "in"):
            return "not in"
        return value if value in _BINARY else None

    def binary(self, min_prec: int) -> Compiled:
        left = self.unary()
        while True:
            op = self._binary_op()
            if op is None or _BINARY[op] < min_prec:
                return left
            self.take()
            if op == "not in":
                self.take()
            right = self.binary(_BINARY[op] + 1)
            left = _binary(op, left, right)

    def unary(self) -> Compiled:
        kind, value = self.peek()
        if kind == "op" and value in ("not", "!"):
            self.take()
            inner = self.unary()
            return lambda env: not _truthy(inner(env), value)
        if kind == "op" and value == "-":
            self.take()
            neg = self.unary()
            return lambda env: -_num(neg(env), "-")
        return self.postfix(self.primary())

    def postfix(self, node: Compiled) -> Compiled:
        while True:
            kind, value = self.peek()
            if kind == "op" and value == ".":
                self.take()
                k2, name = self.take()
                if k2 not in ("name", "op") or not name.isidentifier():
                    raise ExprError(f"expected a name after '.' in {self.text!r}")
                node = (lambda obj, key: lambda env: _member(obj(env), key))(node, name)
            elif kind == "op" and value == "[":
                self.take()
                index = self.ternary()
                self.expect("]")
                node = (lambda obj, idx: lambda env: _member(obj(env), idx(env)))(node, index)
            else:
                return node

    def primary(self) -> Compiled:
        kind, value = self.take()
        if kind == "num":
            num: Any = float(value) if any(c in value for c in ".eE") else int(value)
            return lambda env: num
        if kind == "str":
            text = _unquote(value)
            return lambda env: text
        if kind == "op" and value == "(":
            inner = self.ternary()
            self.expect(")")
            return inner
        if kind == "op" and value == "[":
            items: list[Compiled] = []
            while self.peek() != ("op", "]"):
                items.append(self.ternary())
                if self.peek() == ("op", ","):
                    self.take()
            self.take()
            return lambda env: [item(env) for item in items]
        if kind == "name":
            if value in ("true", "false"):
                flag = value == "true"
                return lambda env: flag
            if value == "nil":
                return lambda env: None
            if self.peek() == ("op", "("):
                return self.call(value)
            name = "body" if value == "$" else value
            return lambda env: env.get(name)
        raise ExprError(f"unexpected token {value or 'end of expression'!r} in {self.text!r}")

    def call(self, name: str) -> Compiled:
        func = _FUNCTIONS.get(name)
        if func is None:
            raise ExprError(f"unknown function {name}() in {self.text!r}")
        self.expect("(")
        args: list[Compiled] = []
        while self.peek() != ("op", ")"):
            args.append(self.ternary())
            if self.peek() == ("op", ","):
                self.take()
            elif self.peek() != ("op", ")"):
                raise ExprError(f"expected ',' or ')' in {self.text!r}")
        self.take()

        def run(env: Env) -> Any:
            try:
                return func(*(a(env) for a in args))
            except TypeError as exc:
                raise ExprError(f"{name}(): {exc}") from None

        return run


def compile_expr(text: str) -> Compiled:
    """Compile an expr-lang expression; raises ExprError naming what does not parse."""
    if not text.strip():
        raise ExprError("empty expression")
    return _Parser(text).parse()


def entry_env(entry: Entry) -> Env:
    return {
        "body": entry.body,
        "attributes": entry.attributes,
        "resource": entry.resource,
        "timestamp": entry.timestamp,
    }


def run_bool(compiled: Compiled, entry: Entry) -> bool:
    value = compiled(entry_env(entry))
    if not isinstance(value, bool):
        raise ExprError(f"expression returned {_type_name(value)}, expected bool")
    return value


_EXPR = re.compile(r"^EXPR\((.*)\)$", re.DOTALL)


class ExprString:
    """A config value that is literal text, or ``EXPR(...)`` evaluated per entry (Go's ExprStringConfig)."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        m = _EXPR.match(raw) if isinstance(raw, str) else None
        self.compiled = compile_expr(m.group(1)) if m else None

    def render(self, entry: Entry) -> Any:
        if self.compiled is None:
            return self.raw
        return self.compiled(entry_env(entry))
