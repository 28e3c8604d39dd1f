"""Stanza operators: build a chain from the ``operators`` list of a log receiver's config."""

from .base import Operator, Spec
from .pipeline import OPERATOR_TYPES, Pipeline, build_pipeline

__all__ = ["OPERATOR_TYPES", "Operator", "Pipeline", "Spec", "build_pipeline"]
