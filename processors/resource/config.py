"""Configuration of the ``resource`` processor (Go's ``resourceprocessor.Config``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pyotelcol.helpers.attraction import ActionKeyValue, AttrProc


@dataclass
class Config:
    # The actions applied, in order, to the attributes of every resource.
    attributes: list[ActionKeyValue] = field(default_factory=list)
    # The checked actions, built by ``validate``.
    proc: AttrProc | None = field(default=None, metadata={"internal": True}, repr=False, compare=False)

    def validate(self) -> None:
        if not self.attributes:
            raise ValueError('missing required field "attributes"')
        # Go checks the actions when it creates the processor; here ``validate`` reports them.
        self.proc = AttrProc.from_actions(self.attributes)
