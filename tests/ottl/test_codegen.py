"""The generated per-item function of a statement group (``codegen``) must do what the compiled
closures do: same results, same failures, same error-mode handling. The closures are run here
one by one, as the engine did before generating anything, and both outputs compared."""

from __future__ import annotations

from typing import Any

import pytest
from ottl.engine_data import as_json, attrs, span, traces

from pyotelcol.ottl import ExecutionError, parse_statements
from pyotelcol.ottl.engine import iter_contexts
from pyotelcol.pdata import Traces

STATEMENTS = [
    'set(span.status.code, STATUS_CODE_ERROR) where span.attributes["code"] >= 500',
    'set(span.attributes["env"], "prod")',
    'delete_key(span.attributes, "ua")',
    'replace_pattern(span.attributes["path"], "/users/\\\\d+", "/users/{id}")',
    'set(span.name, Concat([span.attributes["method"], span.attributes["route"]], " ")) where span.kind == SPAN_KIND_SERVER',
    'set(span.attributes["big"], true) where span.attributes["ratio"] > 1',
    'set(span.attributes["is_get"], span.attributes["method"]) where span.attributes["method"] == "GET"',
    'set(span.attributes["not_get"], "yes") where span.attributes["method"] != "GET"',
    'set(span.attributes["nested"], span.attributes["m"])',
    'set(span.attributes["m"]["added"], span.name)',
    'set(span.attributes["copy"], span.attributes["nope"])',
    'set(span.attributes["joined"], Concat([span.attributes["code"], span.attributes["m"], span.attributes["nope"]], "|"))',
    'set(span.name, span.attributes["code"])',
    'replace_pattern(span.attributes["code"], "5", "6")',
    'replace_pattern(span.attributes["empty"], "^$", "was empty")',
    'replace_pattern(span.attributes["code"], "^", "x")',
    'replace_pattern(span.attributes["m"], "^", "x")',
]


def sample() -> Traces:
    odd = span(name="odd", kind=1, code="503", ratio=2, method="POST", path="/users/7/x")
    odd["attributes"] += attrs(method="GET")  # a repeated key: the first one counts
    return traces(
        span(name="a", code=503, method="GET", route="/r", path="/users/12", ua="x", m={"k": "v"}, empty=""),
        span(name="b", code=200, method="PUT", route="/q", ratio=1.5, path="/none", env="dev"),
        odd,
    )


def by_closures(statements: list[str], data: Traces, error_mode: str = "ignore") -> None:
    group = parse_statements(statements, "traces", error_mode=error_mode)

    def run(t: Any) -> None:
        for text, fn, where in group.statements:
            try:
                if where is None or where(t):
                    fn(t)
            except Exception as err:
                group._handler.statement_failed(text, err)

    for t in iter_contexts(data, group.context):
        run(t)


def test_generated_function_matches_the_closures() -> None:
    generated, closures = sample(), sample()
    parse_statements(STATEMENTS, "traces").execute(generated)
    by_closures(STATEMENTS, closures)
    assert as_json(generated) == as_json(closures)
    names = [s["name"] for s in as_json(generated)["resourceSpans"][0]["scopeSpans"][0]["spans"]]
    assert names == ["GET /r", "PUT /q", "503"]  # an int does not set a name; Go ignores it too


@pytest.mark.parametrize("index", range(len(STATEMENTS)))
def test_each_statement_alone_matches_the_closures(index: int) -> None:
    generated, closures = sample(), sample()
    parse_statements([STATEMENTS[index]], "traces").execute(generated)
    by_closures([STATEMENTS[index]], closures)
    assert as_json(generated) == as_json(closures)


def test_failures_follow_the_error_mode_per_statement() -> None:
    statements = [
        'set(span.attributes["before"], 1)',
        'set(span.attributes["bad"], Concat([span.attributes["m"], 1], span.attributes["code"]))',
        'set(span.attributes["after"], span.attributes["before"])',
    ]
    generated, closures = sample(), sample()
    parse_statements(statements, "traces").execute(generated)
    by_closures(statements, closures)
    assert as_json(generated) == as_json(closures)
    first = as_json(generated)["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["attributes"]
    assert {a["key"] for a in first} >= {"before", "after"} and "bad" not in {a["key"] for a in first}
    with pytest.raises(ExecutionError, match="failed to execute statement"):
        parse_statements(statements, "traces", error_mode="propagate").execute(sample())


def test_read_only_data_refuses_inline_writes() -> None:
    data = sample()
    data.mark_read_only()
    with pytest.raises(ExecutionError, match="read-only"):
        parse_statements(['set(span.attributes["env"], "x")'], "traces", error_mode="propagate").execute(data)


def test_no_statement_text_reaches_the_generated_source() -> None:
    statement = 'set(span.attributes["k\\"); import os #"], "v") where span.name == "n\\"m"'
    group = parse_statements([statement], "traces")
    source = group.run.ottl_source  # type: ignore[attr-defined]
    assert "import" not in source and 'n"m' not in source and '"v"' not in source
    data = traces(span(name='n"m'))
    group.execute(data)
    got = as_json(data)["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["attributes"]
    assert got == [{"key": 'k"); import os #', "value": {"stringValue": "v"}}]
