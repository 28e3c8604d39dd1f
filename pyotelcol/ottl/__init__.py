"""OTTL, the OpenTelemetry Transformation Language: parser, compiler, contexts and functions.

Processors use the public API below: ``parse_statements`` compiles a group of statements
(transform), ``parse_conditions`` a set of OR'ed conditions (filter, routing, ...). Both infer
the context as Go does when none is given and raise ``CompileError`` naming the statement.
"""

from . import converters as converters  # registers the converters
from . import editors as editors  # registers the editors
from .contexts import (
    CONTEXTS_BY_SIGNAL,
    DataPointContext,
    LogContext,
    MetricContext,
    ResourceContext,
    ScopeContext,
    SpanContext,
    SpanEventContext,
)
from .engine import ConditionSet, ErrorMode, StatementGroup, iter_contexts, parse_conditions, parse_statements
from .functions import CONVERTERS, EDITORS, CompileError, ExecutionError, FunctionSpec, Param, converter, editor

__all__ = [
    "CONTEXTS_BY_SIGNAL",
    "CONVERTERS",
    "EDITORS",
    "CompileError",
    "ConditionSet",
    "DataPointContext",
    "ErrorMode",
    "ExecutionError",
    "FunctionSpec",
    "LogContext",
    "MetricContext",
    "Param",
    "ResourceContext",
    "ScopeContext",
    "SpanContext",
    "SpanEventContext",
    "StatementGroup",
    "converter",
    "editor",
    "iter_contexts",
    "parse_conditions",
    "parse_statements",
]
