"""OTTL syntax: a lark LALR grammar and the tree it produces.

Go's grammar (participle) has separate rules for boolean and value expressions; one LALR table
cannot tell ``(a + b) > 1`` from ``(a > 1)`` after the parenthesis, so this grammar is a single
expression grammar with Go's precedence (``or`` < ``and`` < ``not`` < comparison < ``+ -`` <
``* /``) and the compiler rejects what Go's grammar would not accept (a comparison used as a
number, a path used as a condition, ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from .functions import CompileError

__all__ = [
    "BinOp",
    "BoolOp",
    "Call",
    "Compare",
    "EnumRef",
    "KeyExpr",
    "ListLit",
    "Literal",
    "MapLit",
    "Node",
    "Not",
    "PathExpr",
    "parse_condition_text",
    "parse_statement_text",
]

_GRAMMAR = r"""
?start: expr

?expr: or_expr
?or_expr: and_expr (_OR and_expr)*               -> or_
?and_expr: not_expr (_AND not_expr)*              -> and_
?not_expr: _NOT not_expr                          -> not_
         | comparison
?comparison: sum (COMPOP sum)?                    -> compare
?sum: product (ADDSUB product)*                   -> arith
?product: unary (MULDIV unary)*                   -> arith
?unary: atom
      | ADDSUB atom                               -> signed

?atom: INT                                        -> int_
     | FLOAT                                      -> float_
     | STRING                                     -> string
     | BYTES                                      -> bytes_
     | _TRUE                                      -> true
     | _FALSE                                     -> false
     | _NIL                                       -> nil
     | UPPER_ID                                   -> upper
     | call
     | path
     | list
     | map
     | "(" expr ")"                               -> group

call: (UPPER_ID | LOWER_ID) "(" [arg ("," arg)*] ")" key*
arg: LOWER_ID "=" expr                            -> named_arg
   | expr                                         -> pos_arg
path: field ("." field)*
field: LOWER_ID key*
key: "[" expr "]"
list: "[" [expr ("," expr)*] "]"
map: "{" [map_item ("," map_item)* ","?] "}"
map_item: STRING ":" expr

_OR.2: /\bor\b/
_AND.2: /\band\b/
_NOT.2: /\bnot\b/
_TRUE.2: /\btrue\b/
_FALSE.2: /\bfalse\b/
_NIL.2: /\bnil\b/
BYTES.3: /0x[a-fA-F0-9]+/
FLOAT.2: /\d*\.\d+([eE][-+]?\d+)?/
INT: /\d+/
STRING: /"(\\.|[^\\"])*"/
COMPOP: "==" | "!=" | ">=" | "<=" | ">" | "<"
ADDSUB: "+" | "-"
MULDIV: "*" | "/"
UPPER_ID: /[A-Z][A-Za-z0-9_]*/
LOWER_ID: /[a-z][A-Za-z0-9_]*/

%ignore /\s+/
"""

_PARSER = Lark(_GRAMMAR, parser="lalr", propagate_positions=False, maybe_placeholders=False)

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


# --- tree ----------------------------------------------------------------------------------------


@dataclass(slots=True)
class Node:
    column: int = field(default=0, kw_only=True)


@dataclass(slots=True)
class Literal(Node):
    value: Any


@dataclass(slots=True)
class EnumRef(Node):
    """An UPPERCASE identifier: an enum, or a function name where a parameter takes one."""

    name: str


@dataclass(slots=True)
class KeyExpr(Node):
    expr: Node


@dataclass(slots=True)
class PathExpr(Node):
    """``a.b["k"][0].c``: each field is (name, keys)."""

    fields: list[tuple[str, list[KeyExpr]]]

    def text(self) -> str:
        """The path as Go prints it in messages (``log.attributes[a]``)."""
        out = []
        for name, keys in self.fields:
            out.append(name + "".join(f"[{_key_text(k)}]" for k in keys))
        return ".".join(out)


def _key_text(key: KeyExpr) -> str:
    if isinstance(key.expr, Literal):
        return str(key.expr.value)
    return "..."


@dataclass(slots=True)
class Call(Node):
    name: str
    args: list[Node]
    named: dict[str, Node]
    keys: list[KeyExpr]
    arg_columns: list[int] = field(default_factory=list)


@dataclass(slots=True)
class ListLit(Node):
    items: list[Node]


@dataclass(slots=True)
class MapLit(Node):
    items: list[tuple[str, Node]]


@dataclass(slots=True)
class BinOp(Node):
    op: str
    left: Node
    right: Node


@dataclass(slots=True)
class Compare(Node):
    op: str
    left: Node
    right: Node


@dataclass(slots=True)
class BoolOp(Node):
    op: str  # "and" | "or"
    items: list[Node]


@dataclass(slots=True)
class Not(Node):
    item: Node


# --- lark tree -> nodes --------------------------------------------------------------------------

_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r", "/": "/", "b": "\b", "f": "\f", "a": "\a", "v": "\v"}
_ESCAPE_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|x[0-9a-fA-F]{2}|[0-7]{3}|.)", re.S)


def unquote(text: str) -> str:
    """A Go string literal's body with its escapes resolved (Go's ``strconv.Unquote``)."""
    body = text[1:-1]
    if "\\" not in body:
        return body

    def repl(match: re.Match[str]) -> str:
        esc = match.group(1)
        if esc[0] in "uU":
            return chr(int(esc[1:], 16))
        if esc[0] == "x":
            return chr(int(esc[1:], 16))
        if len(esc) == 3 and esc.isdigit():
            return chr(int(esc, 8))
        if esc in _ESCAPES:
            return _ESCAPES[esc]
        raise CompileError(f"invalid syntax: unknown escape sequence \\{esc}")

    return _ESCAPE_RE.sub(repl, body)


def _col(item: Any) -> int:
    if isinstance(item, Token):
        return item.column or 0
    if isinstance(item, Node):
        return item.column
    return 0


@v_args(inline=True)
class _ToNodes(Transformer[Token, Node]):
    def int_(self, tok: Token) -> Node:
        value = int(tok)
        if value > INT64_MAX + 1:  # 2**63 is only valid negated: the compiler checks
            raise CompileError(f'strconv.ParseInt: parsing "{tok}": value out of range')
        return Literal(value, column=_col(tok))

    def float_(self, tok: Token) -> Node:
        return Literal(float(tok), column=_col(tok))

    def string(self, tok: Token) -> Node:
        return Literal(unquote(str(tok)), column=_col(tok))

    def bytes_(self, tok: Token) -> Node:
        digits = str(tok)[2:]
        if len(digits) % 2:
            raise CompileError("encoding/hex: odd length hex string")
        return Literal(bytes.fromhex(digits), column=_col(tok))

    def true(self) -> Node:
        return Literal(True)

    def false(self) -> Node:
        return Literal(False)

    def nil(self) -> Node:
        return Literal(None)

    def upper(self, tok: Token) -> Node:
        return EnumRef(str(tok), column=_col(tok))

    def group(self, inner: Node) -> Node:
        return inner

    def signed(self, sign: Token, atom: Node) -> Node:
        if isinstance(atom, Literal) and type(atom.value) in (int, float):
            value = -atom.value if sign == "-" else atom.value
            if isinstance(value, int) and value < INT64_MIN:
                raise CompileError(f'strconv.ParseInt: parsing "{sign}{atom.value}": value out of range')
            return Literal(value, column=_col(sign))
        # Go's lexer only attaches a sign to a number literal.
        raise CompileError(f"unexpected token {str(sign)!r} at column {_col(sign)}")

    def arith(self, *items: Any) -> Node:
        node: Node = items[0]
        for i in range(1, len(items), 2):
            node = BinOp(str(items[i]), node, items[i + 1], column=_col(items[i]))
        return node

    def compare(self, left: Node, op: Token | None = None, right: Node | None = None) -> Node:
        if op is None or right is None:
            return left
        return Compare(str(op), left, right, column=_col(op))

    def and_(self, *items: Node) -> Node:
        return items[0] if len(items) == 1 else BoolOp("and", list(items), column=items[0].column)

    def or_(self, *items: Node) -> Node:
        return items[0] if len(items) == 1 else BoolOp("or", list(items), column=items[0].column)

    def not_(self, item: Node) -> Node:
        return Not(item, column=item.column)

    def key(self, expr: Node) -> KeyExpr:
        return KeyExpr(expr, column=expr.column)

    def field(self, name: Token, *keys: KeyExpr) -> tuple[str, list[KeyExpr], int]:
        return (str(name), list(keys), _col(name))

    def path(self, *fields: tuple[str, list[KeyExpr], int]) -> Node:
        return PathExpr([(f[0], f[1]) for f in fields], column=fields[0][2])

    def named_arg(self, name: Token, expr: Node) -> tuple[str, Node, int]:
        return (str(name), expr, _col(name))

    def pos_arg(self, expr: Node) -> tuple[None, Node, int]:
        return (None, expr, expr.column)

    def call(self, name: Token, *rest: Any) -> Node:
        args: list[Node] = []
        named: dict[str, Node] = {}
        columns: list[int] = []
        keys: list[KeyExpr] = []
        for item in rest:
            if item is None:
                continue
            if isinstance(item, KeyExpr):
                keys.append(item)
                continue
            arg_name, expr, column = item
            if arg_name is None:
                if named:
                    raise CompileError(
                        f"invalid function call {name}: named arguments must come after positional arguments"
                    )
                args.append(expr)
                columns.append(column)
            else:
                if arg_name in named:
                    raise CompileError(f"duplicate named argument {arg_name!r}")
                named[arg_name] = expr
        return Call(str(name), args, named, keys, columns, column=_col(name))

    def list(self, *items: Node | None) -> Node:
        values = [i for i in items if i is not None]
        return ListLit(values, column=values[0].column if values else 0)

    def map_item(self, key: Token, value: Node) -> tuple[str, Node]:
        return (unquote(str(key)), value)

    def map(self, *items: tuple[str, Node] | None) -> Node:
        return MapLit([i for i in items if i is not None])


_TO_NODES = _ToNodes()


def _syntax_error(text: str, exc: UnexpectedInput) -> CompileError:
    column = getattr(exc, "column", 0) or 0
    if isinstance(exc, UnexpectedCharacters):
        rest = text[column - 1 : column + 9]
        return CompileError(f"1:{column}: lexer: invalid input text {rest!r}".replace("'", '"'))
    if isinstance(exc, UnexpectedEOF):
        return CompileError(f"1:{len(text) + 1}: unexpected end of statement")
    if isinstance(exc, UnexpectedToken):
        tok = exc.token
        if tok.type == "$END":
            return CompileError(f"1:{len(text) + 1}: unexpected end of statement")
        return CompileError(f'1:{column}: unexpected token "{tok}"')
    return CompileError(f"1:{column}: {exc}")


def _parse(text: str) -> Node:
    try:
        tree = _PARSER.parse(text)
    except UnexpectedInput as exc:
        raise _syntax_error(text, exc) from None
    try:
        node: Node = _TO_NODES.transform(tree)
    except Exception as exc:  # lark wraps errors raised in callbacks
        inner = getattr(exc, "orig_exc", exc)
        if isinstance(inner, CompileError):
            raise inner from None
        raise
    return node


_WHERE_RE = re.compile(r'"(?:\\.|[^\\"])*"|\bwhere\b')


def _split_where(text: str) -> tuple[str, str | None, int]:
    """Split ``editor(...) where cond`` at the first ``where`` outside a string."""
    for match in _WHERE_RE.finditer(text):
        if match.group() == "where":
            return text[: match.start()], text[match.end() :], match.end()
    return text, None, 0


def parse_statement_text(text: str) -> tuple[Call, Node | None]:
    """The editor call and the optional ``where`` condition of a statement."""
    head, cond, offset = _split_where(text)
    try:
        editor = _parse(head)
    except CompileError as exc:
        raise CompileError(f"statement has invalid syntax: {exc}") from None
    if not isinstance(editor, Call) or editor.keys:
        if isinstance(editor, Call):
            raise CompileError(
                f"only paths and converters may be indexed, not editors, but got {editor.name}{_keys_text(editor.keys)}"
            )
        raise CompileError(f"statement has invalid syntax: 1:{editor.column}: a statement must be an editor call")
    if editor.name[0].isupper():
        raise CompileError(f"editor names must start with a lowercase letter but got '{editor.name}'")
    _check_converter_names(editor.args, editor.named)
    condition = None
    if cond is not None:
        try:
            condition = _parse(cond)
        except CompileError as exc:
            raise CompileError(f"statement has invalid syntax: {_shift(str(exc), offset)}") from None
        _shift_columns(condition, offset)
        _check_converter_names(condition)
    return editor, condition


def _check_converter_names(*nodes: Any) -> None:
    """Go's parser refuses a lowercase (editor) name where a converter is expected."""
    for node in nodes:
        if isinstance(node, Call):
            if node.name[:1].islower():
                raise CompileError(f"converter names must start with an uppercase letter but got '{node.name}'")
            _check_converter_names(node.args, node.named, node.keys)
        elif isinstance(node, Node):
            _check_converter_names(*(getattr(node, name) for name in node.__slots__))
        elif isinstance(node, list | tuple):
            _check_converter_names(*node)
        elif isinstance(node, dict):
            _check_converter_names(*node.values())


def _keys_text(keys: list[KeyExpr]) -> str:
    return "".join(f"[{_key_text(k)}]" for k in keys)


def _shift(message: str, offset: int) -> str:
    match = re.match(r"1:(\d+):(.*)", message, re.S)
    if not match:
        return message
    return f"1:{int(match.group(1)) + offset}:{match.group(2)}"


def _shift_columns(node: Any, offset: int) -> None:
    if isinstance(node, Node):
        node.column += offset
        for name in node.__slots__:
            _shift_columns(getattr(node, name), offset)
    elif isinstance(node, list | tuple):
        for item in node:
            _shift_columns(item, offset)
    elif isinstance(node, dict):
        for item in node.values():
            _shift_columns(item, offset)


def parse_condition_text(text: str) -> Node:
    try:
        node = _parse(text)
    except CompileError as exc:
        raise CompileError(f"condition has invalid syntax: {exc}") from None
    _check_converter_names(node)
    return node
