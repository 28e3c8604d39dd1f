"""Pieces both OTLP → Prometheus exporters share: attribute values as label values, ``job`` and
``instance`` from the resource, Go's float formatting, exemplar ids, and the resource attributes
``resource_to_telemetry_conversion`` / ``resource_constant_labels`` copy onto every data point
(Go's ``pkg/resourcetotelemetry``)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

from pyotelcol.pdata.pcommon import Value

__all__ = [
    "SERVICE_INSTANCE_ID",
    "SERVICE_NAME",
    "SERVICE_NAMESPACE",
    "ResourceLabeler",
    "ResourceLabelsConfig",
    "attribute_string",
    "go_float_f",
    "go_float_g",
    "job_and_instance",
    "merged_attributes",
    "validate_resource_labels",
]

SERVICE_NAME = "service.name"
SERVICE_NAMESPACE = "service.namespace"
SERVICE_INSTANCE_ID = "service.instance.id"
_IDENTIFYING = frozenset({SERVICE_NAME, SERVICE_NAMESPACE, SERVICE_INSTANCE_ID})


def attribute_string(value: AnyValue) -> str:
    """Go's ``Value.AsString``."""
    if value.WhichOneof("value") == "string_value":
        return value.string_value
    return Value(value).as_string()


def job_and_instance(resource_attrs: Iterable[KeyValue]) -> tuple[str | None, str | None]:
    """``job`` = ``service.namespace/service.name`` (or ``service.name``), ``instance`` =
    ``service.instance.id``; None when the attribute is absent."""
    name = namespace = instance = None
    for kv in resource_attrs:
        if kv.key == SERVICE_NAME:
            name = attribute_string(kv.value)
        elif kv.key == SERVICE_NAMESPACE:
            namespace = attribute_string(kv.value)
        elif kv.key == SERVICE_INSTANCE_ID:
            instance = attribute_string(kv.value)
    job = None
    if name is not None:
        job = f"{namespace}/{name}" if namespace is not None else name
    return job, instance


def _special(value: float) -> str | None:
    if value != value:
        return "NaN"
    if value == float("inf"):
        return "+Inf"
    if value == float("-inf"):
        return "-Inf"
    return None


def go_float_f(value: float) -> str:
    """``strconv.FormatFloat(v, 'f', -1, 64)``: the shortest digits, never an exponent."""
    special = _special(value)
    if special is not None:
        return special
    text = format(Decimal(repr(float(value))), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def go_float_g(value: float) -> str:
    """``strconv.FormatFloat(v, 'g', -1, 64)`` (what client_golang's text format writes): the
    shortest digits; an exponent when it is below -4 or at least 6 (``1e+06``, ``1e-05``)."""
    if 1e-4 <= abs(value) < 1e6:  # fixed notation: Python's shortest repr is Go's
        text = repr(float(value))
        return text[:-2] if text.endswith(".0") else text
    special = _special(value)
    if special is not None:
        return special
    if value == 0:
        return "-0" if str(float(value)).startswith("-") else "0"
    dec = Decimal(repr(float(value))).normalize()
    sign, digits, exponent = dec.as_tuple()
    assert isinstance(exponent, int)
    text_digits = "".join(str(d) for d in digits)
    point = len(text_digits) + exponent  # position of the decimal point in the digit string
    exp = point - 1
    prefix = "-" if sign else ""
    if exp < -4 or exp >= 6:
        mantissa = text_digits[0] + ("." + text_digits[1:] if len(text_digits) > 1 else "")
        return f"{prefix}{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if point <= 0:
        return f"{prefix}0.{'0' * -point}{text_digits}"
    if point >= len(text_digits):
        return prefix + text_digits + "0" * (point - len(text_digits))
    return f"{prefix}{text_digits[:point]}.{text_digits[point:]}"


# -- resource attributes copied onto data points ---------------------------------------------------


@dataclass
class ResourceLabelsConfig:
    """``resource_to_telemetry_conversion`` (deprecated) and ``resource_constant_labels``."""

    enabled: bool = False
    exclude_service_attributes: bool = False
    included: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.enabled or self.exclude_service_attributes or self.included or self.excluded)

    def validate(self) -> None:
        if (self.enabled or self.exclude_service_attributes) and (self.included or self.excluded):
            raise ValueError(
                "cannot configure both legacy enabled/exclude_service_attributes and included/excluded "
                "patterns; enabled and exclude_service_attributes are deprecated"
            )


def validate_resource_labels(legacy: ResourceLabelsConfig, constant: ResourceLabelsConfig) -> None:
    """The checks Go's prometheus and remote-write exporter configs share."""
    if constant.enabled or constant.exclude_service_attributes:
        raise ValueError(
            "enabled and exclude_service_attributes are not supported under resource_constant_labels; "
            "use included and excluded instead"
        )
    if not legacy.is_empty() and not constant.is_empty():
        raise ValueError(
            "cannot configure both resource_to_telemetry_conversion and resource_constant_labels; "
            "resource_to_telemetry_conversion is deprecated"
        )
    legacy.validate()
    constant.validate()


def _glob(pattern: str) -> re.Pattern[str]:
    body = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    return re.compile(f"(?s)^{body}$")


class ResourceLabeler:
    """Which resource attributes become labels of every series (Go's resourcetotelemetry wrapper:
    they overwrite a data point attribute of the same key)."""

    def __init__(self, legacy: ResourceLabelsConfig, constant: ResourceLabelsConfig) -> None:
        settings = constant if not constant.is_empty() else legacy
        self.active = bool(settings.included or settings.excluded or settings.enabled)
        self._patterns = bool(settings.included or settings.excluded)
        self._match_all = settings.included == ["*"] and not settings.excluded
        self._exclude_service = settings.exclude_service_attributes
        self._has_included = bool(settings.included)
        self._has_excluded = bool(settings.excluded)
        self._included = [_glob(p) if any(c in p for c in "*?") else p for p in settings.included]
        self._excluded = [_glob(p) if any(c in p for c in "*?") else p for p in settings.excluded]

    @staticmethod
    def _hit(patterns: Sequence[str | re.Pattern[str]], key: str) -> bool:
        return any(p == key if isinstance(p, str) else p.match(key) is not None for p in patterns)

    def _matches(self, key: str) -> bool:
        if self._hit(self._excluded, key):
            return False
        if not self._has_included:
            return self._has_excluded
        return self._hit(self._included, key)

    def extra(self, resource_attrs: Sequence[KeyValue]) -> list[KeyValue]:
        """The resource attributes to add to each data point of this resource."""
        if not self.active:
            return []
        if self._patterns and not self._match_all:
            return [kv for kv in resource_attrs if self._matches(kv.key)]
        if self._exclude_service:
            return [kv for kv in resource_attrs if kv.key not in _IDENTIFYING]
        return list(resource_attrs)


def merged_attributes(point_attrs: Sequence[KeyValue], extra: Sequence[KeyValue]) -> list[KeyValue]:
    """Data point attributes with ``extra`` put over them (Go's ``PutEmpty`` keeps the key's place)."""
    if not extra:
        return list(point_attrs)
    out = list(point_attrs)
    index = {kv.key: i for i, kv in enumerate(out)}
    for kv in extra:
        at = index.get(kv.key)
        if at is None:
            index[kv.key] = len(out)
            out.append(kv)
        else:
            out[at] = kv
    return out
