"""Configuration of the ``metrics_transform`` processor (Go's ``metricstransformprocessor.Config``),
checked with Go's messages."""

from __future__ import annotations

from dataclasses import dataclass, field

from pyotelcol.helpers.filtermatch import GoRegexError, compile_go

ACTIONS = ("insert", "update", "combine", "group")
OPERATION_ACTIONS = (
    "add_label",
    "update_label",
    "delete_label_value",
    "toggle_scalar_data_type",
    "experimental_scale_value",
    "aggregate_labels",
    "aggregate_label_values",
)
MATCH_TYPES = ("strict", "regexp")
AGGREGATION_TYPES = ("sum", "mean", "min", "max", "median", "count")
SUBMATCH_CASES = ("lower", "upper")


def _go_list(values: tuple[str, ...]) -> str:
    """A string slice as Go's ``%q`` prints it: ``["a" "b"]``."""
    return "[" + " ".join(f'"{v}"' for v in values) + "]"


def _must_be_in(name: str, values: tuple[str, ...]) -> str:
    return f'"{name}" must be in {_go_list(values)}'


@dataclass
class ValueAction:
    # A label value to rename ...
    value: str = ""
    # ... and its new value ({{version}} is replaced by the collector's version).
    new_value: str = ""


@dataclass
class Operation:
    # add_label, update_label, delete_label_value, toggle_scalar_data_type,
    # experimental_scale_value, aggregate_labels or aggregate_label_values.
    action: str = ""
    # The label to work on (update_label, delete_label_value, aggregate_label_values).
    label: str = ""
    # The new name of ``label`` (update_label) or the label to add (add_label).
    new_label: str = ""
    # The labels to keep (aggregate_labels); every other label is aggregated away.
    label_set: list[str] = field(default_factory=list)
    # sum, mean, min, max, median or count (aggregate_labels, aggregate_label_values).
    aggregation_type: str = ""
    # The label values merged into ``new_value`` (aggregate_label_values).
    aggregated_values: list[str] = field(default_factory=list)
    # The value of the added label, or of the merged values ({{version}} is replaced).
    new_value: str = ""
    # Label value renames (update_label).
    value_actions: list[ValueAction] = field(default_factory=list)
    # The factor of experimental_scale_value.
    experimental_scale: float = 0.0
    # The label value whose points delete_label_value removes.
    label_value: str = ""


@dataclass
class Transform:
    # The metric name (strict) or pattern (regexp, unanchored) to select.
    include: str = ""
    # strict (default) or regexp.
    match_type: str = ""
    # Data point labels that must match too (value patterns with regexp; "" = label absent).
    experimental_match_labels: dict[str, str] = field(default_factory=dict)
    # update, insert, combine or group.
    action: str = ""
    # The new metric name; with regexp, $1 / ${1} / ${name} insert submatches.
    new_name: str = ""
    # The resource labels of the group's new resource (action group).
    group_resource_labels: dict[str, str] | None = None
    # How combine merges points: sum, mean, min, max, median or count.
    aggregation_type: str = ""
    # lower or upper: the case of label values made from submatches (combine).
    submatch_case: str = ""
    # What to do to the selected metrics, in order.
    operations: list[Operation] = field(default_factory=list)


@dataclass
class Config:
    # The transforms, applied in order to every scope's metrics.
    transforms: list[Transform] = field(default_factory=list)

    def validate(self) -> None:
        """Go's ``validateConfiguration`` (run when Go creates the processor), then the pattern
        checks Go makes when it builds its filters."""
        for t in self.transforms:
            _validate_transform(t)
            labels = t.experimental_match_labels.values() if (t.match_type or "strict") == "regexp" else ()
            for pattern in labels:
                compile_go(pattern)


def _validate_transform(t: Transform) -> None:
    if not t.include:
        raise ValueError('missing required field "include"')
    if t.match_type and t.match_type not in MATCH_TYPES:
        raise ValueError(_must_be_in("match_type", MATCH_TYPES))
    if t.match_type == "regexp":
        try:
            compile_go(t.include)
        except GoRegexError as exc:
            raise ValueError(f'"include", {exc}') from None
    if t.action not in ACTIONS:
        raise ValueError(_must_be_in("action", ACTIONS))
    for action in ("insert", "combine"):
        if t.action == action and not t.new_name:
            raise ValueError(f'missing required field "new_name" while "action" is {action}')
    if t.action == "combine" and not t.aggregation_type:
        raise ValueError('missing required field "aggregation_type" while "action" is combine')
    if t.action == "group" and t.group_resource_labels is None:
        raise ValueError('missing required field "group_resource_labels" while "action" is group')
    if t.aggregation_type and t.aggregation_type not in AGGREGATION_TYPES:
        raise ValueError(_must_be_in("aggregation_type", AGGREGATION_TYPES))
    if t.submatch_case and t.submatch_case not in SUBMATCH_CASES:
        raise ValueError(_must_be_in("submatch_case", SUBMATCH_CASES))
    for n, op in enumerate(t.operations, start=1):
        _validate_operation(n, op)


def _validate_operation(n: int, op: Operation) -> None:
    if op.action not in OPERATION_ACTIONS:
        raise ValueError(f"operation {n}: {_must_be_in('action', OPERATION_ACTIONS)}")
    required: dict[str, list[tuple[str, str | float]]] = {
        "update_label": [("label", op.label)],
        "add_label": [("new_label", op.new_label), ("new_value", op.new_value)],
        "experimental_scale_value": [("experimental_scale", op.experimental_scale)],
    }
    for name, value in required.get(op.action, []):
        if not value:
            raise ValueError(f'operation {n}: missing required field "{name}" while "action" is {op.action}')
    if op.aggregation_type and op.aggregation_type not in AGGREGATION_TYPES:
        raise ValueError(f"operation {n}: {_must_be_in('aggregation_type', AGGREGATION_TYPES)}")
