"""The ``groupbyattrs`` processor: moves chosen record attributes up to the resource and regroups
spans, log records and data points under the resources that result (Go's
``processor/groupbyattrsprocessor``); without keys it merges repeated resources and scopes."""

from .config import Config
from .factory import create_factory

__all__ = ["Config", "create_factory"]
