"""Include/exclude matching shared by processors (Go's ``internal/filter``: ``filterset``,
``filterconfig``, ``filtermatcher``, ``filterspan``, ``filterlog``, ``filtermetric``).

Config (decode with ``pyotelcol.config.decode``; unknown keys are errors)::

    @dataclass
    class Config:
        include: MatchProperties | None = None   # Go squashes MatchConfig into the processor config
        exclude: MatchProperties | None = None

``MatchProperties`` keys: ``match_type`` (``strict`` | ``regexp``), ``regexp`` {``cacheenabled``,
``cachemaxnumentries``}, ``services``, ``span_names``, ``span_kinds``, ``attributes`` [{``key``,
``value``}], ``resources`` [{``key``, ``value``}], ``libraries`` [{``name``, ``version``}],
``log_bodies``, ``log_severity_texts``, ``log_severity_number`` {``min``, ``match_undefined``},
``metric_names``.

Compile (raises ``ValueError`` with Go's message; call it from ``Config.validate()`` so that
``pyotelcol validate`` reports it, and keep the result)::

    skip = span_skip(cfg.include, cfg.exclude)      # Skip[Span] | None (None: neither is set)
    skip = log_skip(cfg.include, cfg.exclude)       # Skip[LogRecord] | None
    skip = metric_skip(cfg.include, cfg.exclude)    # Skip[Metric] | None
    if skip is None or skip.processes(resource, scope, item): ...   # views from pyotelcol.pdata

Single matchers: ``SpanMatcher(props).matches(resource, scope, span)``,
``LogMatcher(props).matches(resource, scope, log_record)``,
``MetricMatcher(props).matches(resource, scope, metric)``; each validates ``props`` for its signal
first (Go's ``ValidateForSpans/Logs/Metrics``: e.g. ``log_bodies should not be specified for trace
spans``). Lower level: ``AttributesMatcher(match_type, regexp, attributes).matches(map)``,
``create_filter_set(strings, match_type, regexp).matches(text)``, ``compile_go(pattern)``.

Semantics as Go:

- A property that is set must match (AND across properties); within a string list any entry may
  match (OR). ``attributes`` and ``resources`` need every listed key (AND); a key without
  ``value`` only needs to be present; an item without attributes never matches a non-empty list.
  Every listed library must match (AND); a library ``version`` left unset matches any version.
- ``strict`` compares with types (``1`` does not match ``"1"``; lists and maps compare deeply);
  ``regexp`` patterns are unanchored (``regexp.MatchString``) and only take string values;
  attribute values are matched as text for strings, booleans, ints and doubles (``'f'`` format),
  never for maps, slices or bytes.
- ``services`` matches the resource's ``service.name`` (``<nil-service-name>`` when absent);
  ``span_kinds`` the kind's proto name (``SPAN_KIND_SERVER``); ``log_bodies`` the body as Go's
  ``AsString``; ``log_severity_number`` matches records at or above ``min``, and unspecified (0)
  ones only with ``match_undefined``.
- ``metric_skip`` matches metric names only: ``resources`` pass validation but are not matched
  (Go's ``filtermetric``), so an include/exclude without ``metric_names`` applies to everything.
- Errors happen only where Go raises them: an unknown ``match_type`` is reported when a list that
  needs it is compiled (``unrecognized match_type: 'x', valid types are: [regexp strict]``).
"""

from ..goregex import GoRegexError, compile_go
from .config import (
    SPAN_KINDS,
    Attribute,
    Library,
    MatchConfig,
    MatchProperties,
    SeverityNumberMatch,
    validate_for_logs,
    validate_for_metrics,
    validate_for_spans,
)
from .filterset import MATCH_TYPES, FilterSet, RegexpConfig, create_filter_set
from .matchers import (
    AttributesMatcher,
    LogMatcher,
    MetricMatcher,
    PropertiesMatcher,
    Skip,
    SpanMatcher,
    log_skip,
    metric_skip,
    span_kind_str,
    span_skip,
)

__all__ = [
    "MATCH_TYPES",
    "SPAN_KINDS",
    "Attribute",
    "AttributesMatcher",
    "FilterSet",
    "GoRegexError",
    "Library",
    "LogMatcher",
    "MatchConfig",
    "MatchProperties",
    "MetricMatcher",
    "PropertiesMatcher",
    "RegexpConfig",
    "SeverityNumberMatch",
    "Skip",
    "SpanMatcher",
    "compile_go",
    "create_filter_set",
    "log_skip",
    "metric_skip",
    "span_kind_str",
    "span_skip",
    "validate_for_logs",
    "validate_for_metrics",
    "validate_for_spans",
]
