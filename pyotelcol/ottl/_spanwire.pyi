"""Typed stub for the C extension pyotelcol.ottl._spanwire (see wireprogram.py)."""

from collections.abc import Callable
from typing import Literal, TypeAlias

ValueExpr: TypeAlias = (
    tuple[Literal["const"], str | int]
    | tuple[Literal["attr"], str]
    | tuple[Literal["name"]]
    | tuple[Literal["kind"]]
    | tuple[Literal["status_code"]]
    | tuple[Literal["concat"], str, tuple[ValueExpr, ...]]
)
Cond: TypeAlias = tuple[Literal["cmp"], int, ValueExpr, str | int] | None
Action: TypeAlias = (
    tuple[Literal["set_attr"], str, ValueExpr]
    | tuple[Literal["set_name"], ValueExpr]
    | tuple[Literal["set_status_code"], ValueExpr]
    | tuple[Literal["delete_attr"], str]
    | tuple[Literal["replace_attr"], str, Callable[[str, str], tuple[str, int]], str]
)
Statement: TypeAlias = tuple[Cond, Action]
Program: TypeAlias = tuple[Statement, ...]

def run(program: Program, wire: bytes, /) -> bytes | None:
    """Run ``program`` over a serialized ExportTraceServiceRequest: ``wire`` itself when no span
    changed, new bytes when some span changed, None when the caller must run the OTTL engine.
    Raises TypeError/ValueError only for a malformed program."""
