"""Context inference (Go's priority inferrer) and error modes."""

from __future__ import annotations

import logging

import pytest
from ottl.engine_data import as_json, first_span, plain_attrs, span, traces

from pyotelcol.ottl import CompileError, ExecutionError, FunctionSpec, Param, parse_conditions, parse_statements


@pytest.mark.parametrize(
    ("signal", "statements", "context"),
    [
        ("traces", ['set(resource.attributes["a"], "b")'], "resource"),
        ("traces", ['set(scope.attributes["a"], "b")'], "scope"),
        ("traces", ['set(span.name, resource.attributes["b"])'], "span"),
        ("traces", ['set(resource.attributes["a"], "b")', 'set(span.name, "x")'], "span"),
        ("traces", ["set(spanevent.name, span.name)"], "spanevent"),
        ("metrics", ['set(metric.name, "x")', 'set(datapoint.attributes["a"], 1)'], "datapoint"),
        ("metrics", ['set(metric.name, "x") where metric.type == METRIC_DATA_TYPE_SUM'], "metric"),
        ("logs", ['set(log.body, "x") where resource.attributes["a"] == nil'], "log"),
        # the enum does not exist in the resource context: the lower contexts are tried in priority
        # order, and spanevent ranks above span (as in Go)
        ("traces", ['set(resource.attributes["k"], "v") where SPAN_KIND_SERVER == 2'], "spanevent"),
    ],
)
def test_inferred_context(signal: str, statements: list[str], context: str) -> None:
    assert parse_statements(statements, signal).context == context


def test_functions_limited_to_a_context_push_inference_down() -> None:
    only_span = FunctionSpec("span_only", (), lambda: lambda t: None, frozenset({"span"}))
    group = parse_statements(
        ['span_only() where resource.attributes["a"] == "b"'], "traces", extra_functions={"span_only": only_span}
    )
    assert group.context == "span"
    only_metric = FunctionSpec("metric_only", (), lambda: lambda t: None, frozenset({"metric"}))
    with pytest.raises(CompileError, match='inferred context "datapoint" does not support the function "metric_only"'):
        parse_statements(
            ['metric_only() where datapoint.attributes["a"] == 1'],
            "metrics",
            extra_functions={"metric_only": only_metric},
        )


def test_scope_ranks_above_resource_as_in_go() -> None:
    # Go's priority list puts scope before resource (the lower context wins), so a statement
    # that reads both runs in the scope context, where resource paths are readable.
    assert parse_statements(['set(scope.attributes["a"], resource.attributes["b"])'], "traces").context == "scope"


def test_conditions_take_part_in_inference() -> None:
    group = parse_statements(['set(resource.attributes["a"], "b")'], "traces", conditions=['span.name == "x"'])
    assert group.context == "span"
    assert parse_conditions(['metric.name == "a"', "datapoint.value_int > 1"], "metrics").context == "datapoint"


@pytest.mark.parametrize(
    ("statements", "message"),
    [
        (['set(attributes["a"], 1)'], "unable to infer context from statements"),
        (["nosuch(span.attributes)"], 'inferred context "span" does not support the function "nosuch"'),
        (
            ['set(span.name, "x") where SEVERITY_NUMBER_INFO == 9'],
            'does not support the enum symbol "SEVERITY_NUMBER_INFO"',
        ),
    ],
)
def test_inference_errors(statements: list[str], message: str) -> None:
    with pytest.raises(CompileError, match=message):
        parse_statements(statements, "traces")


def test_given_context_must_belong_to_the_signal() -> None:
    with pytest.raises(CompileError, match="unknown context log for traces"):
        parse_statements(['set(attributes["a"], 1)'], "traces", context="log")


FAILING = 'set(span.attributes["x"], Split(span.attributes["n"], ","))'  # Split of an int fails


def test_error_mode_ignore_logs_and_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    data = traces(span(n=1))
    group = parse_statements([FAILING, 'set(span.attributes["after"], true)'], "traces", error_mode="ignore")
    with caplog.at_level(logging.WARNING, logger="pyotelcol.ottl"):
        group.execute(data)
    assert plain_attrs(first_span(data)["attributes"]) == {"n": 1, "after": True}
    assert any(r.getMessage() == "failed to execute statement" for r in caplog.records)


def test_error_mode_silent_does_not_log(caplog: pytest.LogCaptureFixture) -> None:
    data = traces(span(n=1))
    group = parse_statements([FAILING, 'set(span.attributes["after"], true)'], "traces", error_mode="silent")
    with caplog.at_level(logging.DEBUG, logger="pyotelcol.ottl"):
        group.execute(data)
    assert plain_attrs(first_span(data)["attributes"])["after"] is True
    assert not caplog.records


def test_error_mode_propagate_raises_with_the_statement() -> None:
    data = traces(span(n=1))
    group = parse_statements([FAILING], "traces", error_mode="propagate")
    with pytest.raises(ExecutionError, match=r"failed to execute statement: set\(span.attributes\[\"x\"\]"):
        group.execute(data)


def test_group_conditions_are_ored_and_a_failing_one_is_false() -> None:
    data = traces(span(name="a", n=1), span(name="b"), span(name="c"))
    group = parse_statements(
        ['set(span.attributes["hit"], true)'],
        "traces",
        conditions=['span.name == "a"', 'Split(span.attributes["n"], ",") == nil', 'span.name == "b"'],
        error_mode="ignore",
    )
    group.execute(data)
    spans = as_json(data)["resourceSpans"][0]["scopeSpans"][0]["spans"]
    assert [plain_attrs(s.get("attributes", [])).get("hit") for s in spans] == [True, True, None]


def test_condition_set_matches() -> None:
    data = traces(span(name="a"))
    rs = data.resource_spans[0]
    ss = rs.scope_spans[0]
    from pyotelcol.ottl import SpanContext

    conds = parse_conditions(['span.name == "zzz"', 'IsMatch(span.name, "^a$")'], "traces")
    assert conds.matches(SpanContext(rs, ss, ss.spans[0]))
    failing = parse_conditions(['Split(span.kind, ",") == nil'], "traces", error_mode="propagate")
    with pytest.raises(ExecutionError, match="failed to eval condition"):
        failing.matches(SpanContext(rs, ss, ss.spans[0]))


def test_function_argument_errors() -> None:
    with pytest.raises(CompileError, match='undefined function "Nope"'):
        parse_statements(["set(name, Nope(name))"], "traces", context="span")
    with pytest.raises(CompileError, match="incorrect number of arguments"):
        parse_statements(["set(span.name)"], "traces")
    with pytest.raises(CompileError, match="no such parameter: nope"):
        parse_statements(["flatten(span.attributes, nope=1)"], "traces")
    with pytest.raises(CompileError, match="converter names must start with an uppercase letter but got 'concat'"):
        parse_statements(['set(span.name, concat(["a"], ""))'], "traces")
    with pytest.raises(CompileError, match="not a valid pattern"):
        parse_statements(['replace_pattern(span.name, "(", "x")'], "traces")
    with pytest.raises(CompileError, match="must be a literal"):
        parse_statements(["keep_keys(span.attributes, span.name)"], "traces")


def test_unused_param_kinds_are_rejected_at_registration() -> None:
    with pytest.raises(ValueError, match="unknown OTTL parameter kind"):
        Param("x", "nonsense")
