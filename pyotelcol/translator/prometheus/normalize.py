"""Metric name normalization shared by the Prometheus receiver and exporter."""

from __future__ import annotations


def trim_prom_suffixes(name: str, metric_type: str, unit: str) -> str:
    """Go's ``TrimPromSuffixes``: drop a Sum's ``_total``, then the unit's tokens at the end of
    the name (``metric_type`` is the OTLP type: ``sum``, ``gauge``, ``histogram``, ``summary``)."""
    tokens = name.split("_")
    if len(tokens) == 1:
        return name
    if metric_type == "sum" and tokens[-1] == "total":
        tokens = tokens[:-1]
    unit_tokens = unit.split("_")
    if len(tokens) > len(unit_tokens) and tokens[len(tokens) - len(unit_tokens) :] == unit_tokens:
        tokens = tokens[: len(tokens) - len(unit_tokens)]
    return "_".join(tokens)
