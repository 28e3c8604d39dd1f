"""Runs the compiled statement groups, in order, on every request."""

from __future__ import annotations

from pyotelcol.ottl import StatementGroup
from pyotelcol.pdata import AnyData


class TransformProcessor:
    def __init__(self, groups: list[StatementGroup]) -> None:
        self._groups = groups

    async def __call__(self, data: AnyData) -> AnyData:
        # A group under error_mode propagate raises ExecutionError: the request fails, as in Go.
        for group in self._groups:
            group.execute(data)
        return data
