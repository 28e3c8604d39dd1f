"""The XPath 1.0 subset the XML converters accept, evaluated over :mod:`xmldom` trees the way
Go's ``antchfx/xpath`` navigates ``xmlquery`` nodes.

Supported: absolute and relative location paths with ``/`` and ``//``; the axes ``child``,
``descendant``, ``descendant-or-self``, ``self``, ``parent``, ``attribute`` (``@``),
``ancestor``, ``following-sibling`` and ``preceding-sibling``; ``.`` and ``..``; name tests
(with a prefix), ``*``, ``prefix:*``, ``text()``, ``node()`` and ``comment()``; predicates with
positions, paths, string and number literals, ``=``, ``!=``, ``<``, ``<=``, ``>``, ``>=``,
``and``, ``or``, parentheses and the functions ``last``, ``position``, ``count``, ``not``,
``contains``, ``starts-with``, ``string``, ``name`` and ``local-name``; and unions (``|``) of
paths. Anything else is refused when the statement is compiled (Go accepts all of XPath 1.0).
An expression that is not a node set (``count(//a)``) selects nothing, as in Go.

Navigation follows xmlquery's navigator: whitespace-only text nodes are skipped when moving to
a next or previous sibling (but not as a first child); CDATA sections are text nodes whose
string value is empty; a processing instruction counts as an element named by its target; the
declaration counts as a root node.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pyotelcol.ottl.converters.xmldom import (
    ATTRIBUTE,
    CHARDATA,
    COMMENT,
    DECLARATION,
    DOCUMENT,
    ELEMENT,
    NOTATION,
    TEXT,
    Node,
    add_child,
)

__all__ = ["XPathError", "compile_xpath", "select"]


class XPathError(ValueError):
    pass


# A position in the tree: a node, or the attribute ``attr`` of an element node.
@dataclass(frozen=True)
class _Pos:
    node: Node
    attr: int = -1

    def key(self) -> tuple[int, int]:
        return (id(self.node), self.attr)


_X_ROOT, _X_ELEMENT, _X_ATTRIBUTE, _X_TEXT, _X_COMMENT = range(5)


def _xtype(pos: _Pos) -> int:
    t = pos.node.type
    if t == COMMENT:
        return _X_COMMENT
    if t in (TEXT, CHARDATA, NOTATION):
        return _X_TEXT
    if t in (DECLARATION, DOCUMENT):
        return _X_ROOT
    if t == ELEMENT:
        return _X_ATTRIBUTE if pos.attr >= 0 else _X_ELEMENT
    return _X_ELEMENT  # a processing instruction


def _local(pos: _Pos) -> str:
    return pos.node.attrs[pos.attr].local if pos.attr >= 0 else pos.node.data


def _prefix(pos: _Pos) -> str:
    return pos.node.attrs[pos.attr].prefix if pos.attr >= 0 else pos.node.prefix


def _string(pos: _Pos) -> str:
    n = pos.node
    if n.type == COMMENT or n.type == TEXT:
        return n.data
    if n.type == ELEMENT:
        return n.attrs[pos.attr].value if pos.attr >= 0 else n.inner_text()
    return ""


def _is_blank_text(n: Node) -> bool:
    return n.type == TEXT and not n.data.strip()


def _next(n: Node) -> Node | None:
    sib = n.next
    while sib is not None and _is_blank_text(sib):
        sib = sib.next
    return sib


def _prev(n: Node) -> Node | None:
    sib = n.prev
    while sib is not None and _is_blank_text(sib):
        sib = sib.prev
    return sib


def _children(pos: _Pos) -> list[_Pos]:
    if pos.attr >= 0 or pos.node.first is None:
        return []
    out = []
    child: Node | None = pos.node.first
    while child is not None:
        out.append(_Pos(child))
        child = _next(child)
    return out


def _descendants(pos: _Pos) -> list[_Pos]:
    out: list[_Pos] = []
    stack = list(reversed(_children(pos)))
    while stack:
        item = stack.pop()
        out.append(item)
        stack.extend(reversed(_children(item)))
    return out


def _parent(pos: _Pos) -> list[_Pos]:
    if pos.attr >= 0:
        return [_Pos(pos.node)]
    return [_Pos(pos.node.parent)] if pos.node.parent is not None else []


def _ancestors(pos: _Pos) -> list[_Pos]:
    out = []
    parents = _parent(pos)
    while parents:
        out.append(parents[0])
        parents = _parent(parents[0])
    return out


def _siblings(pos: _Pos, step: Callable[[Node], Node | None]) -> list[_Pos]:
    if pos.attr >= 0:
        return []
    out = []
    sib = step(pos.node)
    while sib is not None:
        out.append(_Pos(sib))
        sib = step(sib)
    return out


_AXES: dict[str, Callable[[_Pos], list[_Pos]]] = {
    "child": _children,
    "descendant": _descendants,
    "descendant-or-self": lambda p: [p, *_descendants(p)],
    "self": lambda p: [p],
    "parent": _parent,
    "ancestor": _ancestors,
    "attribute": lambda p: [_Pos(p.node, i) for i in range(len(p.node.attrs))] if p.attr < 0 else [],
    "following-sibling": lambda p: _siblings(p, _next),
    "preceding-sibling": lambda p: _siblings(p, _prev),
}


# --- parsing ---------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d*)?|\.\d+)|(?P<str>\"[^\"]*\"|'[^']*')"
    r"|(?P<op>//|::|!=|<=|>=|\.\.|[/()\[\]@,|=<>*.])"
    r"|(?P<name>[A-Za-z_][\w.\-]*(?::(?:[A-Za-z_][\w.\-]*|\*))?))"
)

Eval = Callable[[_Pos, int, int], Any]  # (context, position, size) -> value


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        i = 0
        text = text.rstrip()
        while i < len(text):
            m = _TOKEN.match(text, i)
            if not m or m.end() == i:
                raise XPathError(f"{text} has an invalid token")
            kind = m.lastgroup
            assert kind is not None
            self.tokens.append((kind, m.group(kind)))
            i = m.end()
        self.i = 0
        self.text = text

    def peek(self, offset: int = 0) -> tuple[str, str]:
        j = self.i + offset
        return self.tokens[j] if j < len(self.tokens) else ("end", "")

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        self.i += 1
        return tok

    def expect(self, value: str) -> None:
        if self.take()[1] != value:
            raise XPathError(f"{self.text}: expected {value!r}")

    def at(self, *values: str) -> bool:
        kind, value = self.peek()
        return kind in ("op", "name") and value in values

    # Expr := Or
    def expr(self) -> Eval:
        left = self.and_expr()
        while self.at("or"):
            self.take()
            left = _bool_op(left, self.and_expr(), any)
        return left

    def and_expr(self) -> Eval:
        left = self.compare()
        while self.at("and"):
            self.take()
            left = _bool_op(left, self.compare(), all)
        return left

    def compare(self) -> Eval:
        left = self.union()
        while self.at("=", "!=", "<", "<=", ">", ">="):
            op = self.take()[1]
            left = _comparison(op, left, self.union())
        return left

    def union(self) -> Eval:
        left = self.primary()
        while self.at("|"):
            self.take()
            right = self.primary()
            left = _union(left, right)
        return left

    def primary(self) -> Eval:
        kind, value = self.peek()
        if kind == "num":
            self.take()
            number = float(value)
            return lambda p, i, n: number
        if kind == "str":
            self.take()
            literal = value[1:-1]
            return lambda p, i, n: literal
        if kind == "op" and value == "(":
            self.take()
            inner = self.expr()
            self.expect(")")
            return inner
        if kind == "name" and self.peek(1) == ("op", "(") and value not in ("text", "node", "comment"):
            return self.function()
        return self.path()

    def function(self) -> Eval:
        name = self.take()[1]
        self.expect("(")
        args: list[Eval] = []
        while not self.at(")"):
            args.append(self.expr())
            if self.at(","):
                self.take()
        self.expect(")")
        return _function(self.text, name, args)

    def path(self) -> Eval:
        steps: list[Callable[[list[_Pos]], list[_Pos]]] = []
        absolute = False
        if self.at("/", "//"):
            absolute = True
            op = self.take()[1]
            if op == "//":
                steps.append(_axis_step("descendant-or-self", _any_node, []))
                steps.append(self.step())
            elif self._step_follows():
                steps.append(self.step())
        else:
            steps.append(self.step())
        while self.at("/", "//"):
            if self.take()[1] == "//":
                steps.append(_axis_step("descendant-or-self", _any_node, []))
            steps.append(self.step())

        def run(pos: _Pos, i: int, n: int) -> list[_Pos]:
            current = [_root(pos)] if absolute else [pos]
            for step in steps:
                current = step(current)
            return current

        return run

    def _step_follows(self) -> bool:
        kind, value = self.peek()
        return kind == "name" or (kind == "op" and value in ("@", "*", ".", ".."))

    def step(self) -> Callable[[list[_Pos]], list[_Pos]]:
        kind, value = self.peek()
        if kind == "op" and value in (".", ".."):
            self.take()
            return _axis_step("self" if value == "." else "parent", _any_node, self.predicates())
        axis = "child"
        if kind == "op" and value == "@":
            self.take()
            axis = "attribute"
        elif kind == "name" and self.peek(1) == ("op", "::"):
            axis = value
            if axis not in _AXES:
                raise XPathError(f"{self.text}: the axis {axis!r} is not supported")
            self.take()
            self.take()
        principal = _X_ATTRIBUTE if axis == "attribute" else _X_ELEMENT
        test = self.node_test(principal)
        return _axis_step(axis, test, self.predicates())

    def predicates(self) -> list[Eval]:
        found = []
        while self.at("["):
            self.take()
            found.append(self.expr())
            self.expect("]")
        return found

    def node_test(self, principal: int) -> Callable[[_Pos], bool]:
        kind, value = self.take()
        if kind == "op" and value == "*":
            return lambda p: _xtype(p) == principal
        if kind != "name":
            raise XPathError(f"{self.text}: expected a node test, got {value!r}")
        if self.at("(") and value in ("text", "node", "comment"):
            self.take()
            self.expect(")")
            if value == "node":
                return _any_node
            wanted = _X_TEXT if value == "text" else _X_COMMENT
            return lambda p: _xtype(p) == wanted
        prefix, _, local = value.rpartition(":")
        if local == "*":
            return lambda p: _xtype(p) == principal and _prefix(p) == prefix
        return lambda p: _xtype(p) == principal and _local(p) == local and _prefix(p) == prefix


def _any_node(pos: _Pos) -> bool:
    return True


def _root(pos: _Pos) -> _Pos:
    node = pos.node
    while node.parent is not None:
        node = node.parent
    return _Pos(node)


def _axis_step(axis: str, test: Callable[[_Pos], bool], predicates: list[Eval]) -> Callable[[list[_Pos]], list[_Pos]]:
    walk = _AXES[axis]

    def run(contexts: list[_Pos]) -> list[_Pos]:
        seen: set[tuple[int, int]] = set()
        out: list[_Pos] = []
        for ctx in contexts:
            candidates = [p for p in walk(ctx) if test(p)]
            for predicate in predicates:
                size = len(candidates)
                kept = []
                for index, cand in enumerate(candidates, 1):
                    result = predicate(cand, index, size)
                    if isinstance(result, float) and not isinstance(result, bool):
                        if result == index:
                            kept.append(cand)
                    elif _truth(result):
                        kept.append(cand)
                candidates = kept
            for cand in candidates:
                if cand.key() not in seen:
                    seen.add(cand.key())
                    out.append(cand)
        return out

    return run


def _truth(value: Any) -> bool:
    if isinstance(value, list):
        return bool(value)
    if isinstance(value, float):
        return value != 0 and value == value
    return bool(value)


def _as_string(value: Any) -> str:
    if isinstance(value, list):
        return _string(value[0]) if value else ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _as_number(value: Any) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float):
        return value
    try:
        return float(_as_string(value).strip())
    except ValueError:
        return float("nan")


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _compare_values(op: str, a: Any, b: Any) -> bool:
    cmp = _COMPARE[op]
    if isinstance(a, list) or isinstance(b, list):
        left = [_string(p) for p in a] if isinstance(a, list) else [a]
        right = [_string(p) for p in b] if isinstance(b, list) else [b]
        for x in left:
            for y in right:
                if _compare_values(op, x, y):
                    return True
        return False
    if op in ("=", "!="):
        if isinstance(a, bool) or isinstance(b, bool):
            return cmp(_truth(a), _truth(b))
        if isinstance(a, float) or isinstance(b, float):
            return cmp(_as_number(a), _as_number(b))
        return cmp(_as_string(a), _as_string(b))
    return cmp(_as_number(a), _as_number(b))


def _comparison(op: str, left: Eval, right: Eval) -> Eval:
    return lambda p, i, n: _compare_values(op, left(p, i, n), right(p, i, n))


def _bool_op(left: Eval, right: Eval, combine: Callable[[Any], bool]) -> Eval:
    return lambda p, i, n: combine(_truth(f(p, i, n)) for f in (left, right))


def _union(left: Eval, right: Eval) -> Eval:
    def run(p: _Pos, i: int, n: int) -> list[_Pos]:
        a, b = left(p, i, n), right(p, i, n)
        if not isinstance(a, list) or not isinstance(b, list):
            raise XPathError("| needs node sets on both sides")
        keys = {x.key() for x in a}
        return [*a, *(x for x in b if x.key() not in keys)]

    return run


def _function(text: str, name: str, args: list[Eval]) -> Eval:
    arity = {
        "last": 0,
        "position": 0,
        "count": 1,
        "not": 1,
        "contains": 2,
        "starts-with": 2,
        "string": 1,
        "name": 1,
        "local-name": 1,
    }
    if name not in arity:
        raise XPathError(f"{text}: the function {name}() is not supported")
    optional = name in ("string", "name", "local-name")
    if len(args) != arity[name] and not (optional and not args):
        raise XPathError(f"{text}: {name}() takes {arity[name]} argument(s)")

    def node_of(p: _Pos, i: int, n: int) -> _Pos | None:
        if not args:
            return p
        value = args[0](p, i, n)
        if not isinstance(value, list):
            raise XPathError(f"{name}() needs a node set")
        return value[0] if value else None

    def run(p: _Pos, i: int, n: int) -> Any:
        if name == "last":
            return float(n)
        if name == "position":
            return float(i)
        if name == "count":
            value = args[0](p, i, n)
            return float(len(value)) if isinstance(value, list) else 0.0
        if name == "not":
            return not _truth(args[0](p, i, n))
        if name in ("contains", "starts-with"):
            a, b = (_as_string(f(p, i, n)) for f in args)
            return b in a if name == "contains" else a.startswith(b)
        if name == "string":
            return _as_string(args[0](p, i, n)) if args else _string(p)
        node = node_of(p, i, n)
        if node is None:
            return ""
        if name == "local-name":
            return _local(node)
        prefix = _prefix(node)
        return f"{prefix}:{_local(node)}" if prefix else _local(node)

    return run


# --- public ----------------------------------------------------------------------------------


def compile_xpath(text: str) -> Eval:
    """The compiled expression; XPathError when it is not XPath or not in the subset."""
    if not text.strip():
        raise XPathError("expression must evaluate to a node-set")
    parser = _Parser(text)
    expr = parser.expr()
    if parser.peek()[0] != "end":
        raise XPathError(f"{text} has an invalid token")
    return expr


def select(expr: Eval, top: Node) -> list[Node]:
    """xmlquery's ``QueryAll``: the selected nodes, an attribute as a new attribute node (its
    local name, its value as a text child, its element as parent)."""
    value = expr(_Pos(top), 1, 1)
    if not isinstance(value, list):
        return []  # a number, string or boolean selects nothing, as in Go
    out = []
    for pos in value:
        if pos.attr < 0:
            out.append(pos.node)
            continue
        attr = Node(ATTRIBUTE, pos.node.attrs[pos.attr].local)
        add_child(attr, Node(TEXT, pos.node.attrs[pos.attr].value))
        attr.parent = pos.node
        out.append(attr)
    return out
