"""The OTTL grammar: literal forms, precedence, and syntax errors with their column."""

from __future__ import annotations

from typing import Any

import pytest

from pyotelcol.ottl import CompileError
from pyotelcol.ottl.grammar import (
    BinOp,
    BoolOp,
    Call,
    Compare,
    EnumRef,
    ListLit,
    Literal,
    MapLit,
    Not,
    PathExpr,
    parse_condition_text,
    parse_statement_text,
)


def value_of(text: str) -> Any:
    editor, _ = parse_statement_text(f"set(x, {text})")
    return editor.args[1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"plain"', "plain"),
        (r'"quote \" and backslash \\"', 'quote " and backslash \\'),
        (r'"tab\tnewline\n"', "tab\tnewline\n"),
        (r'"\u00e9"', "é"),
        ("42", 42),
        ("-7", -7),
        ("+7", 7),
        ("9223372036854775807", 2**63 - 1),
        ("-9223372036854775808", -(2**63)),
        ("1.5", 1.5),
        ("-.5", -0.5),
        ("2.5e3", 2500.0),
        ("true", True),
        ("false", False),
        ("nil", None),
        ("0x0a0B", b"\x0a\x0b"),
    ],
)
def test_literals(text: str, expected: Any) -> None:
    node = value_of(text)
    assert isinstance(node, Literal)
    assert node.value == expected and type(node.value) is type(expected)


def test_lists_maps_enums_and_paths() -> None:
    node = value_of('[1, "a", [true], {"k": nil}]')
    assert isinstance(node, ListLit) and len(node.items) == 4
    assert isinstance(node.items[3], MapLit) and node.items[3].items[0][0] == "k"
    mapping = value_of('{"a": 1, "b": {"c": span.name},}')
    assert isinstance(mapping, MapLit) and [k for k, _ in mapping.items] == ["a", "b"]
    assert isinstance(value_of("SPAN_KIND_SERVER"), EnumRef)
    path = value_of('span.attributes["a"][0].x')
    assert isinstance(path, PathExpr)
    assert [name for name, _ in path.fields] == ["span", "attributes", "x"]
    dynamic = value_of('span.attributes[resource.attributes["k"]]')
    assert isinstance(dynamic, PathExpr) and isinstance(dynamic.fields[1][1][0].expr, PathExpr)


def test_converters_are_indexable_and_take_named_arguments() -> None:
    node = value_of('Split(span.name, ",")[0]')
    assert isinstance(node, Call) and node.name == "Split" and len(node.keys) == 1
    editor, _ = parse_statement_text("flatten(log.body, depth=2)")
    assert set(editor.named) == {"depth"} and len(editor.args) == 1


def test_math_precedence_and_parentheses() -> None:
    node = value_of("1 + 2 * 3 - 4 / 2")
    # ((1 + (2 * 3)) - (4 / 2))
    assert isinstance(node, BinOp) and node.op == "-"
    assert isinstance(node.left, BinOp) and node.left.op == "+"
    assert isinstance(node.left.right, BinOp) and node.left.right.op == "*"
    grouped = value_of("(1 + 2) * 3")
    assert isinstance(grouped, BinOp) and grouped.op == "*" and isinstance(grouped.left, BinOp)
    assert isinstance(value_of("1 - -1"), BinOp)


def test_boolean_precedence() -> None:
    # not binds tighter than and, and tighter than or
    node = parse_condition_text("not a == 1 and b == 2 or c == 3")
    assert isinstance(node, BoolOp) and node.op == "or"
    left = node.items[0]
    assert isinstance(left, BoolOp) and left.op == "and"
    assert isinstance(left.items[0], Not) and isinstance(left.items[0].item, Compare)
    sub = parse_condition_text("a == 1 and (b == 2 or c == 3)")
    assert isinstance(sub, BoolOp) and sub.op == "and" and isinstance(sub.items[1], BoolOp)
    compare = parse_condition_text("(a + 1) * 2 >= 10")
    assert isinstance(compare, Compare) and isinstance(compare.left, BinOp)


def test_where_is_found_outside_strings_only() -> None:
    editor, cond = parse_statement_text('set(span.name, "a where b") where span.name == "x"')
    assert editor.args[1].value == "a where b"  # type: ignore[attr-defined]
    assert isinstance(cond, Compare)


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ("set(span.name, ", "statement has invalid syntax: 1:16: unexpected end of statement"),
        ("set(span.name @ 1)", 'statement has invalid syntax: 1:15: lexer: invalid input text "@ 1)"'),
        ("set(span.name, 1))", 'statement has invalid syntax: 1:18: unexpected token ")"'),
        ('set(span.name, 1) where span.name = "x"', 'statement has invalid syntax: 1:35: unexpected token "="'),
        ("Set(span.name, 1)", "editor names must start with a lowercase letter but got 'Set'"),
        ("set(span.name, 1)[0]", "only paths and converters may be indexed, not editors, but got set[0]"),
        ("set(span.name, 99999999999999999999)", "value out of range"),
        ("set(span.name, 0x123)", "odd length hex string"),
    ],
)
def test_syntax_errors_name_the_column(statement: str, message: str) -> None:
    with pytest.raises(CompileError) as err:
        parse_statement_text(statement)
    assert message in str(err.value)
