"""Call OTTL converters straight from the registry, without the parser.

``call("Split", "a,b", ",")`` builds the converter with the arguments as the engine would pass
them (getters for getter parameters, python values for literal ones) and runs it once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import pyotelcol.ottl.converters  # noqa: F401 - registers the converters
from pyotelcol.ottl.functions import CONVERTERS, FunctionSpec


def _constant(value: Any) -> Callable[[Any], Any]:
    return lambda tctx: value


def build(name: str, *args: Any, **kwargs: Any) -> Callable[[Any], Any]:
    spec: FunctionSpec = CONVERTERS[name]
    values = dict(zip((p.name for p in spec.params), args, strict=False))
    values.update(kwargs)
    compiled: dict[str, Any] = {}
    for param in spec.params:
        if param.name not in values:
            continue
        value = values[param.name]
        if param.kind == "getter":
            compiled[param.name] = _constant(value)
        elif param.kind == "getter_list":
            compiled[param.name] = [_constant(v) for v in value]
        else:
            compiled[param.name] = value
    fn: Callable[[Any], Any] = spec.build(**compiled)
    return fn


def run(name: str, *args: Any, tctx: Any = None, **kwargs: Any) -> Any:
    return build(name, *args, **kwargs)(tctx)


@pytest.fixture
def call() -> Callable[..., Any]:
    return run


@pytest.fixture
def compile_converter() -> Callable[..., Any]:
    return build
