"""Observable gauges shared by every exporter on one meter.

The SDK keeps the callbacks of the *first* registration of an instrument name and ignores those
of later ones, while every exporter instance (one per signal, several exporters) reports its
own series. So one observable gauge per (meter, name) is created, and its callback asks every
live source registered under that name; a source unregisters when its exporter shuts down.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from opentelemetry.metrics import CallbackOptions, Meter, Observation

Source = Callable[[], Iterable[tuple[float, Mapping[str, str]]]]


class _Gauge:
    def __init__(self) -> None:
        self.sources: dict[int, Source] = {}

    def observe(self, _options: CallbackOptions) -> Iterable[Observation]:
        out: list[Observation] = []
        for source in list(self.sources.values()):
            for value, attrs in source():
                out.append(Observation(value, dict(attrs)))
        return out


_by_meter: weakref.WeakKeyDictionary[Any, dict[str, _Gauge]] = weakref.WeakKeyDictionary()
_fallback: dict[int, tuple[Any, dict[str, _Gauge]]] = {}
_ids = itertools.count(1)


def _gauges_for(meter: Meter) -> dict[str, _Gauge]:
    try:
        return _by_meter.setdefault(meter, {})
    except TypeError:  # not weak-referenceable: keep it alive with its gauges
        entry = _fallback.setdefault(id(meter), (meter, {}))
        return entry[1]


class GaugeHandle:
    def __init__(self, gauge: _Gauge, key: int) -> None:
        self._gauge = gauge
        self._key = key

    def unregister(self) -> None:
        self._gauge.sources.pop(self._key, None)


def register_gauge(meter: Meter, name: str, description: str, unit: str, source: Source) -> GaugeHandle:
    """Add ``source`` to the observable gauge ``name`` on ``meter`` (created on first use)."""
    gauges = _gauges_for(meter)
    gauge = gauges.get(name)
    if gauge is None:
        gauge = _Gauge()
        gauges[name] = gauge
        meter.create_observable_gauge(name, callbacks=[gauge.observe], unit=unit, description=description)
    key = next(_ids)
    gauge.sources[key] = source
    return GaugeHandle(gauge, key)


def unregister_all(handles: list[GaugeHandle]) -> None:
    """Unregister every handle and empty the list (at shutdown)."""
    for handle in handles:
        handle.unregister()
    handles.clear()
