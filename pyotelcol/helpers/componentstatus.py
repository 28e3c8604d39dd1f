"""Component status aggregation as Go's contrib ``pkg/status`` does it (used by the
``healthcheckv2`` and ``opamp`` extensions): one status for a group of components, and which of
their events stands for it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import Enum
from typing import TypeVar

from ..component import Status

ERRORS = (Status.RECOVERABLE_ERROR, Status.PERMANENT_ERROR, Status.FATAL_ERROR)
E = TypeVar("E")


class ErrorPriority(Enum):
    """Which error status wins when both are present (Go reverses it when only recoverable
    errors are included in healthcheckv2's view)."""

    PERMANENT = 0
    RECOVERABLE = 1


def aggregate_status(seen: set[Status], priority: ErrorPriority = ErrorPriority.PERMANENT) -> Status:
    """All alike: that status (so OK and Stopped need every child to agree); otherwise
    FatalError > Starting > Stopping (Stopped counts as Stopping) > the two errors > None."""
    if len(seen) == 1:
        return next(iter(seen))
    for status, result in (
        (Status.FATAL_ERROR, Status.FATAL_ERROR),
        (Status.STARTING, Status.STARTING),
        (Status.STOPPING, Status.STOPPING),
        (Status.STOPPED, Status.STOPPING),
    ):
        if status in seen:
            return result
    order = (Status.PERMANENT_ERROR, Status.RECOVERABLE_ERROR)
    if priority is ErrorPriority.RECOVERABLE:
        order = order[::-1]
    for status in order:
        if status in seen:
            return status
    return Status.NONE


def representative(
    events: Iterable[E], status: Status, status_of: Callable[[E], Status], time_of: Callable[[E], float]
) -> tuple[E | None, E | None]:
    """(the latest event, the event that stands for ``status``): for an error the earliest event
    with it (when the failure began), otherwise the latest one with it."""
    is_error = status in ERRORS
    last: E | None = None
    matching: E | None = None
    for ev in events:
        if last is None or time_of(last) < time_of(ev):
            last = ev
        if status_of(ev) is status and (
            matching is None
            or (is_error and time_of(ev) < time_of(matching))
            or (not is_error and time_of(ev) > time_of(matching))
        ):
            matching = ev
    return last, matching
