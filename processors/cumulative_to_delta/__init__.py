"""The ``cumulative_to_delta`` processor: converts monotonic cumulative sums, histograms and
exponential histograms to delta temporality (Go's ``processor/cumulativetodeltaprocessor``)."""

from .config import Config
from .factory import create_factory

__all__ = ["Config", "create_factory"]
