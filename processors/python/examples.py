"""Functions the ``python`` processor can run as they are (and that its tests use)."""

from __future__ import annotations

from typing import Any

from pyotelcol.pdata import AnyData


def passthrough(data: AnyData, config: dict[str, Any]) -> AnyData:
    """Hand the data on unchanged."""
    return data


def set_resource_attributes(data: AnyData, config: dict[str, Any]) -> AnyData:
    """Put every ``config`` key/value on every resource (``{"deployment.environment": "prod"}``)."""
    for resource in data.resources():
        resource.attributes.put_all(config)
    return data
