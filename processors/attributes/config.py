"""Configuration of the ``attributes`` processor (Go's ``attributesprocessor.Config``: the
``include``/``exclude`` match properties and the ``actions`` list, side by side)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pyotelcol.helpers.attraction import ActionKeyValue, AttrProc
from pyotelcol.helpers.filtermatch import MatchProperties


@dataclass
class Config:
    # Only items matching these properties are processed (all items when unset).
    include: MatchProperties | None = None
    # Items matching these properties are not processed (checked after include).
    exclude: MatchProperties | None = None
    # The actions applied, in order, to the attributes of every processed item.
    actions: list[ActionKeyValue] = field(default_factory=list)
    # The checked actions, built by ``validate``.
    proc: AttrProc | None = field(default=None, metadata={"internal": True}, repr=False, compare=False)

    def validate(self) -> None:
        if not self.actions:
            raise ValueError('missing required field "actions"')
        # Go checks the actions when it creates the processor; here ``validate`` reports them.
        # include/exclude depend on the signal (``log_bodies`` are refused for spans, ...): they
        # are checked when the processor is created for a pipeline, as in Go.
        self.proc = AttrProc.from_actions(self.actions)
