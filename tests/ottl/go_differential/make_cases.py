"""Write ``cases.json``: the OTTL corpus that ``main.go`` runs through Go's transform and filter
processors (contrib v0.165.0) and that ``tests/ottl/test_go_differential.py`` replays through
pyotelcol's.

    cd tests/ottl/go_differential && python3 make_cases.py && GOFLAGS=-mod=mod go run . > vectors.json

Each case names the processor, the signal, an input (a file of ``inputs/`` or
``tests/fixtures/otlp``) and the processor's config as it would appear in YAML.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
INPUTS = {
    "traces": "inputs/traces.json",
    "logs": "inputs/logs.json",
    "fixture_trace": "../../fixtures/otlp/trace.json",
    "fixture_logs": "../../fixtures/otlp/logs.json",
    "fixture_events": "../../fixtures/otlp/events.json",
    "metrics": "../../fixtures/otlp/metrics.json",
    "metrics_odd": "../../fixtures/otlp/metrics-odd.json",
}
STATEMENT_KEYS = {"traces": "trace_statements", "metrics": "metric_statements", "logs": "log_statements"}
CONDITION_KEYS = {"traces": "trace_conditions", "metrics": "metric_conditions", "logs": "log_conditions"}
DEFAULT_INPUT = {"traces": "traces", "metrics": "metrics", "logs": "logs"}

cases: list[dict[str, Any]] = []


def _add(name: str, processor: str, signal: str, config: dict[str, Any], input_name: str | None) -> None:
    assert name not in {c["name"] for c in cases}, name
    cases.append(
        {
            "name": name,
            "processor": processor,
            "signal": signal,
            "input": input_name or DEFAULT_INPUT[signal],
            "config": config,
        }
    )


def transform(name: str, signal: str, *statements: str, input_name: str | None = None, **extra: Any) -> None:
    """A flat (context-inferred) group of statements."""
    _add(name, "transform", signal, {STATEMENT_KEYS[signal]: list(statements), **extra}, input_name)


def grouped(name: str, signal: str, groups: list[dict[str, Any]], input_name: str | None = None, **extra: Any) -> None:
    _add(name, "transform", signal, {STATEMENT_KEYS[signal]: groups, **extra}, input_name)


def filt(name: str, signal: str, *conditions: str, input_name: str | None = None, **extra: Any) -> None:
    _add(name, "filter", signal, {CONDITION_KEYS[signal]: list(conditions), **extra}, input_name)


def filt_raw(name: str, signal: str, config: dict[str, Any], input_name: str | None = None) -> None:
    _add(name, "filter", signal, config, input_name)


def span_set(name: str, value: str, where: str = "") -> None:
    """``set(span.attributes["out"], value)``: the common shape of a converter case."""
    stmt = f'set(span.attributes["out"], {value})'
    if where:
        stmt += f" where {where}"
    transform(name, "traces", stmt)


# --- editors -----------------------------------------------------------------------------------
transform("set_span_attr_str", "traces", 'set(span.attributes["x"], "v")')
transform("set_span_name", "traces", 'set(span.name, "renamed") where span.kind == SPAN_KIND_SERVER')
transform(
    "set_span_status", "traces", "set(span.status.code, STATUS_CODE_OK) where span.status.code == STATUS_CODE_ERROR"
)
transform("set_span_status_message", "traces", 'set(span.status.message, "changed")')
transform("set_span_kind", "traces", "set(span.kind, SPAN_KIND_CONSUMER)")
transform("set_span_kind_string", "traces", 'set(span.attributes["k"], span.kind.string)')
transform("set_span_kind_from_string", "traces", 'set(span.kind.string, "Producer")')
transform("set_span_status_code_int", "traces", "set(span.status.code, 1)")
transform("set_span_times", "traces", "set(span.end_time_unix_nano, span.start_time_unix_nano + 1000)")
transform("set_span_end_time_from_time", "traces", "set(span.end_time, span.start_time)")
transform("set_span_trace_state", "traces", 'set(span.trace_state["new"], "v")')
transform("set_span_trace_state_whole", "traces", 'set(span.trace_state, "a=1,b=2")')
transform(
    "set_span_ids_string",
    "traces",
    'set(span.attributes["ids"], Concat([span.trace_id.string, span.span_id.string, span.parent_span_id.string], "/"))',
)
transform("set_span_trace_id_string", "traces", 'set(span.trace_id.string, "00000000000000000000000000000001")')
transform("set_span_id_bytes", "traces", "set(span.span_id, SpanID(0x0102030405060708))")
transform("set_span_dropped", "traces", "set(span.dropped_attributes_count, 9)")
transform("set_span_attributes_map", "traces", 'set(span.attributes, {"only": "this", "n": 1, "l": [1, 2]})')
transform("set_nested_path", "traces", 'set(span.attributes["nested"]["b"]["c"], 42)')
transform("set_nested_new_key", "traces", 'set(span.attributes["nested"]["z"], true)')
transform("set_list_index", "traces", 'set(span.attributes["tags"][1], "changed")')
transform("set_list_index_out_of_range", "traces", 'set(span.attributes["tags"][9], "x")')
transform("set_nil_deletes_nothing", "traces", 'set(span.attributes["x"], nil)')
transform("set_attr_from_resource", "traces", 'set(span.attributes["svc"], resource.attributes["service.name"])')
transform(
    "set_attr_from_scope",
    "traces",
    'set(span.attributes["lib"], Concat([instrumentation_scope.name, instrumentation_scope.version], "@"))',
)
transform("set_bytes_literal", "traces", 'set(span.attributes["b"], 0x0a0b)')
transform("set_float_literal", "traces", 'set(span.attributes["f"], 1.5e3)')
transform("set_negative_int", "traces", 'set(span.attributes["n"], -42)')
transform("set_bool_expr", "traces", 'set(span.attributes["is_err"], span.status.code == STATUS_CODE_ERROR)')
transform("set_duration", "traces", 'set(span.attributes["dur_ms"], Milliseconds(span.end_time - span.start_time))')
transform("delete_key", "traces", 'delete_key(span.attributes, "password")')
transform("delete_key_missing", "traces", 'delete_key(span.attributes, "nope")')
transform("delete_matching_keys", "traces", 'delete_matching_keys(span.attributes, "^(http|url)\\\\..*")')
transform("delete_matching_keys_bad_regex", "traces", 'delete_matching_keys(span.attributes, "(")')
transform("keep_keys", "traces", 'keep_keys(span.attributes, ["http.request.method", "tags"])')
transform("keep_keys_resource", "traces", 'keep_keys(resource.attributes, ["service.name"])')
transform("keep_matching_keys", "traces", 'keep_matching_keys(span.attributes, "^http")')
transform("limit", "traces", 'limit(span.attributes, 3, ["password"])')
transform("limit_zero", "traces", "limit(span.attributes, 0, [])")
transform("limit_negative", "traces", "limit(span.attributes, -1, [])")
transform("truncate_all", "traces", "truncate_all(span.attributes, 5)")
transform("truncate_all_negative", "traces", "truncate_all(span.attributes, -1)")
transform("truncate_all_marker", "traces", 'truncate_all(span.attributes, 6, truncation_marker="...")')
transform("truncate_all_utf8", "traces", "truncate_all(span.attributes, 3, true)")
transform("replace_pattern", "traces", 'replace_pattern(span.name, "/orders/[0-9]+", "/orders/{id}")')
transform(
    "replace_pattern_group",
    "traces",
    'replace_pattern(span.attributes["url.full"], "^https://([^/:]+).*$", "host=$$1")',
)
transform(
    "replace_pattern_function",
    "traces",
    'replace_pattern(span.attributes["card"], "[0-9]{12}([0-9]{4})", "$$1", SHA256, "redacted-%s")',
)
transform(
    "replace_pattern_non_string", "traces", 'replace_pattern(span.attributes["http.response.status_code"], "5", "x")'
)
transform("replace_all_patterns_value", "traces", 'replace_all_patterns(span.attributes, "value", "[0-9]+", "N")')
transform("replace_all_patterns_key", "traces", 'replace_all_patterns(span.attributes, "key", "^http\\\\.", "h.")')
transform("replace_all_patterns_bad_mode", "traces", 'replace_all_patterns(span.attributes, "both", "a", "b")')
transform("replace_match", "traces", 'replace_match(span.name, "POST *", "POST (redacted)")')
transform("replace_match_function", "traces", 'replace_match(span.attributes["password"], "*", "", SHA1, "sha1:%s")')
transform("replace_match_braces", "traces", 'replace_match(span.name, "{GET,POST} /*", "{method} {path}")')
transform(
    "replace_match_class",
    "traces",
    'replace_match(span.name, "[!G]*", "not-get")',
    'replace_match(span.attributes["http.request.method"], "?E?", "three")',
)
transform("replace_match_bad_glob", "traces", 'replace_match(span.name, "[", "x")')
transform("replace_all_matches", "traces", 'replace_all_matches(span.attributes, "*prod*", "PROD")')
transform("merge_maps_upsert", "traces", 'merge_maps(span.attributes, ParseJSON(span.attributes["payload"]), "upsert")')
transform("merge_maps_insert", "traces", 'merge_maps(span.attributes, {"retry": false, "new": 1}, "insert")')
transform("merge_maps_update", "traces", 'merge_maps(span.attributes, {"retry": false, "new": 1}, "update")')
transform("merge_maps_bad_strategy", "traces", 'merge_maps(span.attributes, {"a": 1}, "merge")')
transform("flatten", "traces", 'flatten(span.attributes["nested"])')
transform("flatten_prefix_depth", "traces", 'flatten(span.attributes["nested"], "p", 1)')
transform("flatten_whole", "traces", "flatten(span.attributes)")
# The conflicting keys are set one by one: a map literal is a Go map, whose order is random.
transform(
    "flatten_conflicts",
    "logs",
    'set(log.attributes["m"]["a"], {"b": 1})',
    'set(log.attributes["m"]["a.b"], 2)',
    'flatten(log.attributes["m"], resolveConflicts=true)',
)
transform("append_single", "traces", 'append(span.attributes["tags"], "new")')
transform("append_values", "traces", 'append(span.attributes["tags"], values=["x", "y"])')
transform("append_to_string", "traces", 'append(span.attributes["http.request.method"], "x")')
transform("append_to_missing", "traces", 'append(span.attributes["fresh"], 1)')
transform("delete_index", "traces", 'delete_index(span.attributes["tags"], 0)')
transform("delete_index_range", "traces", 'delete_index(span.attributes["tags"], 0, 2)')
transform("delete_index_bad", "traces", 'delete_index(span.attributes["tags"], 5)')
transform("clear_editor", "traces", "clear(span.attributes)")
transform("stringify_all", "traces", "stringify_all(span.attributes)")
transform("clear_name", "traces", "clear(span.name)")
transform(
    "clear_attr_str",
    "traces",
    'clear(span.attributes["http.request.method"])',
    'clear(span.attributes["ratio"])',
    'clear(span.attributes["retry"])',
)
transform("clear_attr_list_map", "traces", 'clear(span.attributes["tags"])', 'clear(span.attributes["nested"])')
transform("clear_span_id", "traces", "clear(span.parent_span_id)")
transform("clear_log_body", "logs", "clear(log.body)")
transform("set_name_nil", "traces", "set(span.name, nil)")
transform("set_attrs_nil", "traces", "set(span.attributes, nil)")
transform("set_trace_state_key_nil", "traces", 'set(span.trace_state["rojo"], nil)')
transform("set_attr_time", "traces", 'set(span.attributes["t"], span.start_time)')
transform("set_attr_duration", "traces", 'set(span.attributes["d"], span.end_time - span.start_time)')
transform("set_log_body_nil", "logs", "set(log.body, nil)")
transform("set_attr_time_propagate", "traces", 'set(span.attributes["t"], span.start_time)', error_mode="propagate")
transform("set_attr_span_id_propagate", "traces", 'set(span.attributes["id"], span.span_id)', error_mode="propagate")
transform(
    "set_attr_span_id_ignore", "traces", 'set(span.attributes["id"], span.span_id)', 'set(span.attributes["after"], 1)'
)
transform(
    "set_resource_attr",
    "traces",
    'set(resource.attributes["team"], "shop") where resource.attributes["service.name"] == "checkout"',
)
transform("delete_resource_attr", "traces", 'delete_key(resource.attributes, "k8s.pod.uid")')
transform("set_scope_name", "traces", 'set(instrumentation_scope.name, "renamed")', 'set(scope.version, "9")')
transform("set_scope_attr", "traces", 'set(scope.attributes["s"], scope.name)')
transform("spanevent_set", "traces", 'set(spanevent.attributes["span"], span.name) where spanevent.name == "exception"')
transform("spanevent_name", "traces", 'set(spanevent.name, Concat([spanevent.name, "x"], "-"))')
transform("spanevent_time", "traces", "set(spanevent.time_unix_nano, 5)")
transform("spanevent_event_index", "traces", 'set(spanevent.attributes["i"], spanevent.event_index)')
transform("spanevent_delete", "traces", 'delete_key(spanevent.attributes, "exception.message")')
transform("spanevent_dropped", "traces", 'set(spanevent.attributes["d"], spanevent.dropped_attributes_count)')

# --- converters (span context) -----------------------------------------------------------------
span_set("conv_base64encode", "Base64Encode(span.name)")
span_set("conv_base64encode_url", 'Base64Encode("a?b>c", "base64-url")')
span_set("conv_decode_base64", 'Decode("aGVsbG8=", "base64")')
span_set("conv_decode_bad", 'Decode("aGVsbG8=", "nope")')
span_set("conv_bool_str", 'Bool("true")')
span_set("conv_bool_int", "Bool(0)")
span_set("conv_bool_bad", 'Bool("maybe")')
span_set("conv_coalesce", 'Coalesce([span.attributes["missing"], span.attributes["ratio"]])')
span_set("conv_community_id", 'CommunityID("10.0.0.1", 1234, "10.0.0.2", 80, "TCP")')
span_set("conv_concat", 'Concat([span.name, 1, 2.5, true, nil], "|")')
span_set("conv_contains_value", 'ContainsValue(span.attributes["tags"], "eu")')
span_set("conv_convert_case_upper", 'ConvertCase(span.name, "upper")')
span_set("conv_convert_case_snake", 'ConvertCase(span.attributes["Mixed Case_Key"], "snake")')
span_set("conv_convert_case_camel", 'ConvertCase(span.attributes["Mixed Case_Key"], "camel")')
span_set("conv_convert_case_bad", 'ConvertCase(span.name, "title")')
span_set("conv_to_camel", 'ToCamelCase("hello_world-foo bar")')
span_set("conv_to_snake", 'ToSnakeCase("HelloWorldFoo")')
span_set("conv_to_upper", "ToUpperCase(span.name)")
span_set("conv_to_lower", "ToLowerCase(span.name)")
span_set("conv_xml_attrs_to_elements", 'ConvertAttributesToElementsXML(span.attributes["xml"])')
span_set("conv_xml_text_to_elements", 'ConvertTextToElementsXML(span.attributes["xml"])')
span_set("conv_get_xml", 'GetXML(span.attributes["xml"], "/Log/User")')
span_set("conv_insert_xml", 'InsertXML(span.attributes["xml"], "/Log", "<Extra/>")')
span_set("conv_remove_xml", 'RemoveXML(span.attributes["xml"], "/Log/Action")')
span_set("conv_parse_xml", 'ParseXML(span.attributes["xml"])')
span_set("conv_parse_simplified_xml", 'ParseSimplifiedXML(span.attributes["xml"])')


# --- XML editing converters (xmlquery trees printed back: no self-closing tags, Go's HTML escaping,
# the declaration kept only when the text starts with one) -----------------------------------------
XML = 'span.attributes["xml"]'
EMPTY = 'span.attributes["empty"]'


def ottl_str(text: str) -> str:
    """An OTTL string literal of ``text``."""
    return (
        '"'
        + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
        + '"'
    )


def call(function: str, *args: str) -> str:
    """``function(args)``; an argument starting with ``span.`` or a quote is an OTTL
    expression, any other a string literal."""
    parts = [a if a.startswith(("span.", '"')) else ottl_str(a) for a in args]
    return f"{function}({', '.join(parts)})"


xml_cases = {
    "get_attr": call("GetXML", XML, "/Log/User/@id"),
    "get_text": call("GetXML", XML, "/Log/User/text()"),
    "get_all_elements": call("GetXML", XML, "//*"),
    "get_attr_predicate": call("GetXML", "<a><b k='1'>x</b><b k='2'>y</b></a>", "/a/b[@k='2']"),
    "get_position": call("GetXML", "<a><b>1</b><b>2</b><b>3</b></a>", "/a/b[2]"),
    "get_last": call("GetXML", "<a><b>1</b><b>2</b><b>3</b></a>", "/a/b[last()]"),
    "get_cdata": call("GetXML", "<a><![CDATA[x<y]]></a>", "/a/text()"),
    "get_empty_target": call("GetXML", EMPTY, "/a"),
    "get_no_match": call("GetXML", XML, "/Nope"),
    "get_invalid_xpath": call("GetXML", XML, "/a["),
    "get_invalid_xml": call("GetXML", "<a><b></a>", "/a"),
    "get_declaration": call("GetXML", '<?xml version="1.0"?><a><b>1</b></a>', "/a"),
    "get_escaping": call("GetXML", "<a t='&quot;x&apos;'>1 &lt; 2 &amp; 3 &gt; 0</a>", "/a"),
    "get_namespace_prefix": call("GetXML", "<r xmlns:n='urn:n'><n:a>1</n:a><a>2</a></r>", "/r/n:a"),
    "get_contains": call("GetXML", "<a><b>xy</b><b>z</b></a>", "//b[contains(text(), 'y')]"),
    "get_union": call("GetXML", "<a><b>1</b><b>2</b><c>3</c></a>", "/a/b[1] | /a/c"),
    "get_comment": call("GetXML", "<a><!--c--><b/></a>", "/a/comment()"),
    "get_whitespace_siblings": call("GetXML", "<a>\n  <b>1</b>\n  <b>2</b>\n</a>", "/a/b[2]"),
    "get_parent": call("GetXML", "<a><b><c/></b></a>", "//c/.."),
    "get_xml_space_default": call("GetXML", "<a xml:space='default'>  t  <b> u </b></a>", "/a"),
    "get_processing_instruction": call("GetXML", "<a><?pi x y?><b/></a>", "/a"),
    "get_descendant_position": call("GetXML", "<a><b><c>1</c><c>2</c></b><b><c>3</c></b></a>", "//c[1]"),
    "get_following_sibling": call("GetXML", "<a><b>1</b><c>2</c><d>3</d></a>", "/a/b/following-sibling::*"),
    "get_not_xml": call("GetXML", "span.name", "/a"),
    "insert_document": call("InsertXML", XML, "/", "<Extra/>"),
    "insert_many_targets": call("InsertXML", "<a><b/><b/></a>", "/a/b", "<c>1</c><d/>"),
    "insert_empty_target": call("InsertXML", EMPTY, "/", "<a/>"),
    "insert_into_attribute": call("InsertXML", XML, "/Log/User/@id", "<x/>"),
    "insert_bad_sub_document": call("InsertXML", XML, "/Log", "<x>"),
    "insert_declared_sub_document": call("InsertXML", XML, "/Log", '<?xml version="1.0"?><x/>'),
    "insert_from_path": call("InsertXML", XML, "/Log/User", "span.name"),
    "remove_attr": call("RemoveXML", XML, "/Log/User/@id"),
    "remove_text": call("RemoveXML", XML, "//User/text()"),
    "remove_all_attrs": call("RemoveXML", "<a x='1' y='2'><b z='3'/></a>", "//@*"),
    "remove_comment_cdata_text": call("RemoveXML", "<a><!--c--><![CDATA[d]]>t<b/></a>", "/a/comment() | /a/text()"),
    "remove_empty_target": call("RemoveXML", EMPTY, "/a"),
    "remove_keeps_declaration": call("RemoveXML", '<?xml version="1.0" encoding="UTF-8"?>\n<a><b/><c/></a>', "/a/b"),
    "remove_prefixed_attr": call("RemoveXML", "<a xmlns:n='urn:n' n:k='1' k='2'/>", "/a/@n:k"),
    "remove_root": call("RemoveXML", XML, "/Log"),
    "attrs_to_elements_xpath": call("ConvertAttributesToElementsXML", "<a x='1'><b y='2' z='3'>t</b></a>", "/a/b/@y"),
    "attrs_to_elements_all_nested": call(
        "ConvertAttributesToElementsXML", "<a x='1'><b y='&lt;2' z='3'>t<c w='4'/></b></a>"
    ),
    "attrs_to_elements_not_xml": call("ConvertAttributesToElementsXML", "span.name"),
    "attrs_to_elements_empty": call("ConvertAttributesToElementsXML", EMPTY),
    "attrs_to_elements_declaration": call("ConvertAttributesToElementsXML", "<?xml version='1.0'?><a x='1'/>"),
    "attrs_to_elements_bad_xpath": call("ConvertAttributesToElementsXML", XML, "//@"),
    "text_to_elements_mixed": call("ConvertTextToElementsXML", "<a>x<b>1</b>y<c/>z</a>"),
    "text_to_elements_xpath_name": call("ConvertTextToElementsXML", "<r><a>x<b/></a><c>y<d/></c></r>", "/r/c", '"v"'),
    "text_to_elements_single_text": call("ConvertTextToElementsXML", "<a>only</a>"),
    "text_to_elements_whitespace": call("ConvertTextToElementsXML", "<a>\n <b>1</b>\n</a>"),
    "text_to_elements_comment_before_root": call("ConvertTextToElementsXML", "<!--c--><a>x<b/></a>"),
    "text_to_elements_cdata": call("ConvertTextToElementsXML", "<a><![CDATA[x]]><b/>y</a>"),
    "get_position_function": call("GetXML", XML, "/Log/*[position() > 1]"),
    "get_attr_equals_number": call("GetXML", XML, "//*[@id = 7]"),
    "get_not_and_local_name": call("GetXML", XML, "//*[not(@id) and local-name() != 'Log']"),
    "get_union_with_attribute": call("GetXML", XML, "/Log/User/following-sibling::Action | /Log/User/@id"),
    "get_count_is_not_nodes": call("GetXML", XML, "count(/Log/*)"),
    "get_ancestor_name": call("GetXML", XML, "//User/ancestor::*[name() = 'Log']"),
    "get_parent_predicate": call("GetXML", XML, "//User/..[@x]"),
    "get_document": call("GetXML", XML, "/"),
    "get_self": call("GetXML", XML, "/Log/User/."),
    "get_child_string_equals": call("GetXML", XML, "/Log[User = 'alice']/Action"),
    "get_top_level_elements": call("GetXML", "<a>1</a><b>2</b>", "/b"),
    "get_doctype": call("GetXML", "<!DOCTYPE a><a/>", "/a"),
    "get_only_comment": call("GetXML", "<!-- c -->", "/a"),
    "get_attribute_whitespace": call("GetXML", "<a b='x\ty\r\nz'/>", "/a/@b"),
    "remove_starts_with": call("RemoveXML", XML, "/Log/*[starts-with(name(), 'Us')]"),
    "remove_keeps_doctype": call(
        "RemoveXML", '<?xml version="1.0"?>\n<!DOCTYPE a [<!ELEMENT a ANY>]>\n<a><b/></a>', "//b"
    ),
    "attrs_to_elements_whitespace": call("ConvertAttributesToElementsXML", "<a b='1\t2'>\n</a>"),
}
for case_name, expression in xml_cases.items():
    span_set(f"xml_{case_name}", expression)
transform(
    "xml_insert_non_element_propagate",
    "traces",
    'set(span.attributes["out"], InsertXML(span.attributes["xml"], "/Log/User/text()", "<x/>"))',
    error_mode="propagate",
)
transform(
    "xml_bad_document_propagate",
    "traces",
    'set(span.attributes["out"], RemoveXML(span.name, "/a"))',
    error_mode="propagate",
)
span_set("conv_day", "Day(span.start_time)")
span_set("conv_year_month", 'Concat([Year(span.start_time), Month(span.start_time), Weekday(span.start_time)], "-")')
span_set(
    "conv_hour_minute_second",
    'Concat([Hour(span.start_time), Minute(span.start_time), Second(span.start_time), Nanosecond(span.end_time)], ":")',
)
span_set("conv_double", 'Double("1.25")')
span_set("conv_double_bool", "Double(true)")
span_set("conv_double_bad", 'Double("x")')
span_set("conv_duration", 'Hours(Duration("1h30m"))')
span_set(
    "conv_duration_units",
    'Concat([Minutes(Duration("90s")), Seconds(Duration("1500ms")), Milliseconds(Duration("2s")), Microseconds(Duration("1ms")), Nanoseconds(Duration("1us"))], ",")',
)
span_set("conv_duration_bad", 'Duration("abc")')
span_set(
    "conv_extract_patterns",
    'ExtractPatterns(span.attributes["url.full"], "^https://(?P<host>[^/:]+):(?P<port>[0-9]+)")',
)
span_set("conv_extract_patterns_unnamed", 'ExtractPatterns(span.name, "([0-9]+)")')
span_set("conv_extract_grok", 'ExtractGrokPatterns(span.attributes["client.address"], "%{IP:ip}")')
span_set("conv_extract_grok_all", 'ExtractGrokPatterns(span.attributes["client.address"], "%{IP:ip}", false)')
span_set("conv_fnv", "FNV(span.name)")
span_set("conv_format", 'Format("%s has %d attrs (%v)", [span.name, Len(span.attributes), span.attributes["retry"]])')
span_set("conv_format_time", 'FormatTime(span.start_time, "%Y-%m-%dT%H:%M:%S.%f %j %a %b")')
span_set("conv_has_prefix", 'HasPrefix(span.name, "POST")')
span_set("conv_has_suffix", 'HasSuffix(span.name, "1027")')
span_set("conv_hex", 'Hex(span.attributes["http.response.status_code"])')
span_set("conv_hex_str", 'Hex("abc")')
span_set("conv_index", 'Index(span.name, "/")')
span_set("conv_index_list", 'Index(span.attributes["tags"], "eu")')
span_set("conv_int_str", 'Int("42")')
span_set("conv_int_double", "Int(3.9)")
span_set("conv_int_bad", 'Int("x")')
span_set("conv_is_bool", 'IsBool(span.attributes["retry"])')
span_set("conv_is_double", 'IsDouble(span.attributes["ratio"])')
span_set("conv_is_empty", 'IsEmpty(span.attributes["empty"])')
span_set("conv_is_empty_missing", 'IsEmpty(span.attributes["missing"])')
span_set("conv_is_in_cidr", 'IsInCIDR(span.attributes["client.address"], ["10.0.0.0/8", "192.168.0.0/16"])')
span_set("conv_is_int", 'IsInt(span.attributes["http.response.status_code"])')
span_set("conv_is_root_span", "IsRootSpan()")
span_set("conv_is_map", 'IsMap(span.attributes["nested"])')
span_set("conv_is_match", 'IsMatch(span.name, "^POST")')
span_set("conv_is_match_int", 'IsMatch(span.attributes["http.response.status_code"], "^5")')
span_set("conv_is_list", 'IsList(span.attributes["tags"])')
span_set("conv_is_string", "IsString(span.name)")
span_set("conv_is_valid_luhn", 'IsValidLuhn(span.attributes["card"])')
span_set("conv_keys", 'Keys(span.attributes["nested"])')
span_set("conv_values", 'Values(span.attributes["nested"])')
span_set("conv_len", "Len(span.attributes)")
span_set("conv_len_str", "Len(span.name)")
span_set("conv_log", "Log(100)")
span_set("conv_log_zero", "Log(0)")
span_set("conv_md5", "MD5(span.name)")
span_set("conv_sha1", "SHA1(span.name)")
span_set("conv_sha256", "SHA256(span.name)")
span_set("conv_sha512", "SHA512(span.name)")
span_set("conv_murmur3", "Murmur3Hash(span.name)")
span_set("conv_murmur3_128", "Murmur3Hash128(span.name)")
span_set("conv_xxh3", "XXH3(span.name)")
span_set("conv_xxh128", "XXH128(span.name)")
span_set("conv_parse_csv", 'ParseCSV(span.attributes["csv"], "x,y,z")')
span_set("conv_parse_csv_ignore_quotes", 'ParseCSV("1|\\"2|3", "x|y|z", "|", "|", "ignoreQuotes")')
span_set("conv_parse_csv_mismatch", 'ParseCSV("1,2", "x,y,z")')
span_set("conv_parse_int", 'ParseInt(span.attributes["hex"], 16)')
span_set("conv_parse_int_bad", 'ParseInt("zz", 10)')
span_set("conv_parse_json", 'ParseJSON(span.attributes["payload"])')
span_set("conv_parse_json_array", 'ParseJSON("[1, \\"a\\", {\\"b\\": null}]")')
span_set("conv_parse_json_bad", 'ParseJSON("{")')
span_set("conv_parse_kv", 'ParseKeyValue(span.attributes["kv"])')
span_set("conv_parse_kv_delims", 'ParseKeyValue("a:1;b:2", ":", ";")')
span_set("conv_sort", 'Sort(span.attributes["numbers"])')
span_set("conv_sort_desc", 'Sort(span.attributes["tags"], "desc")')
span_set(
    "conv_slice_to_map",
    'SliceToMap(ParseJSON("[{\\"k\\":\\"a\\",\\"v\\":1},{\\"k\\":\\"b\\",\\"v\\":2}]"), ["k"], ["v"])',
)
span_set("conv_span_id", "SpanID(0x0102030405060708)")
span_set("conv_span_id_string", 'SpanID("0102030405060708")')
span_set("conv_trace_id", "TraceID(0x0102030405060708090a0b0c0d0e0f10)")
span_set("conv_trace_id_bad", "TraceID(0x01)")
span_set("conv_split", 'Split(span.name, "/")')
span_set("conv_trim", 'Trim(span.attributes["spaces"])')
span_set("conv_trim_chars", 'Trim("xxhixx", "x")')
span_set("conv_trim_prefix", 'TrimPrefix(span.name, "POST ")')
span_set("conv_trim_suffix", 'TrimSuffix(span.name, "/1027")')
span_set("conv_string_int", 'String(span.attributes["http.response.status_code"])')
span_set("conv_string_map", 'String(span.attributes["nested"])')
span_set("conv_string_bytes", 'String(span.attributes["blob"])')
span_set("conv_substring", "Substring(span.name, 5, 7)")
span_set("conv_substring_bad", "Substring(span.name, 50, 7)")
span_set("conv_time", 'UnixNano(Time(span.attributes["ts"], "%Y-%m-%dT%H:%M:%SZ"))')
span_set("conv_time_location", 'UnixSeconds(Time("2023-01-02 03:04", "%Y-%m-%d %H:%M", "America/New_York"))')
span_set("conv_time_bad", 'Time("nope", "%Y")')
span_set("conv_unix", 'FormatTime(Unix(1700000000, 5), "%Y-%m-%d %H:%M:%S")')
span_set("conv_unix_micro_milli", 'Concat([UnixMicro(span.start_time), UnixMilli(span.start_time)], ",")')
span_set("conv_truncate_time", 'UnixNano(TruncateTime(span.end_time, Duration("1s")))')
span_set("conv_to_key_value_string", 'ToKeyValueString(span.attributes["nested"], "=", " ", true)')
span_set("conv_url", 'URL(span.attributes["url.full"])')
span_set("conv_user_agent", 'UserAgent(span.attributes["user_agent.original"])')
span_set("conv_when", 'When(span.kind == SPAN_KIND_SERVER, "server", "other")')
span_set("conv_map_literal_converter", '{"name": span.name, "n": Len(span.attributes["tags"])}')
span_set("conv_list_literal", "[span.name, 1, [2, 3]]")
span_set("conv_profile_id", "ProfileID(0x0102030405060708090a0b0c0d0e0f10)")
span_set("conv_filter_lambda", 'Filter(span.attributes["tags"], (_, v) => v == "prod")')
span_set("conv_unknown_function", "NoSuchFunction(span.name)")

# --- math, comparisons, where clauses ------------------------------------------------------------
span_set("math_int", 'span.attributes["http.response.status_code"] * 2 + 1')
span_set("math_double", 'span.attributes["ratio"] / 2')
span_set("math_div_zero", 'span.attributes["http.response.status_code"] / 0')
span_set("math_mixed", "1 + 2.5")
span_set("math_time_minus_duration", 'UnixNano(span.end_time - Duration("1s"))')
span_set(
    "where_and_or", '"hit"', 'span.kind == SPAN_KIND_SERVER and (span.attributes["retry"] == true or span.name == "x")'
)
span_set("where_not", '"hit"', "not IsRootSpan()")
span_set("where_nil", '"hit"', 'span.attributes["nope"] == nil')
span_set("where_int_double_cmp", '"hit"', 'span.attributes["ratio"] > 1')
span_set("where_string_cmp", '"hit"', 'span.name < "R"')
span_set("where_bytes_cmp", '"hit"', "span.span_id == SpanID(0xB7AD6B7169203331)")
span_set("where_cross_type", '"hit"', 'span.attributes["http.response.status_code"] == "503"')
span_set("where_map_cmp", '"hit"', 'span.attributes["nested"] == span.attributes["nested"]')
span_set("where_status_ne", '"hit"', "span.status.code != STATUS_CODE_UNSET")
span_set("where_dropped_int", '"hit"', "span.dropped_attributes_count >= 1")
span_set("where_converter_bool", '"hit"', 'IsMatch(resource.attributes["service.name"], "front")')

# --- parse and grammar errors (Go rejects at config time) ---------------------------------------
transform("err_unterminated_string", "traces", 'set(span.name, "x)')
transform("err_unknown_path", "traces", 'set(span.nope, "x")')
transform("err_unknown_enum", "traces", "set(span.kind, SPAN_KIND_NOPE)")
transform("err_converter_as_editor", "traces", 'Concat([span.name], "x")')
transform("err_editor_as_converter", "traces", 'set(span.name, set(span.name, "x"))')
transform("err_wrong_arg_count", "traces", "delete_key(span.attributes)")
transform("err_wrong_arg_type", "traces", "set(span.name, Int(span.attributes, 1))")
transform("err_mixed_contexts", "traces", 'set(span.name, "x")', 'set(resource.attributes["a"], log.body)')
transform("err_where_not_bool", "traces", 'set(span.name, "x") where span.name')
transform("err_uppercase_editor", "traces", 'Set(span.name, "x")')
transform("err_profile_path", "traces", 'set(profile.attributes["a"], "x")')
transform("err_set_readonly", "traces", 'set(span.kind.deprecated_string, "x")')

# --- context inference, grouping, error modes (traces) --------------------------------------------
transform("infer_resource_only", "traces", 'set(resource.attributes["r"], "1")')
transform("infer_scope_and_resource", "traces", 'set(scope.attributes["r"], resource.attributes["service.name"])')
transform("infer_span_over_resource", "traces", 'set(resource.attributes["last_span"], span.name)')
transform("infer_spanevent_lowest", "traces", 'set(span.attributes["ev"], spanevent.name)')
transform(
    "infer_mixed_list",
    "traces",
    'set(resource.attributes["a"], "1")',
    'set(span.attributes["b"], resource.attributes["a"])',
)
grouped(
    "group_legacy_span",
    "traces",
    [
        {
            "context": "span",
            "statements": [
                'set(attributes["legacy"], name)',
                'set(status.code, STATUS_CODE_OK) where attributes["http.response.status_code"] >= 500',
            ],
        }
    ],
)
grouped("group_legacy_resource", "traces", [{"context": "resource", "statements": ['set(attributes["legacy"], "r")']}])
grouped(
    "group_legacy_scope",
    "traces",
    [{"context": "scope", "statements": ['set(name, "s2")', 'set(attributes["x"], version)']}],
)
grouped(
    "group_legacy_spanevent",
    "traces",
    [
        {
            "context": "spanevent",
            "statements": ['set(attributes["spn"], span.name)', 'set(name, "ev") where name == "retry"'],
        }
    ],
)
grouped(
    "group_conditions",
    "traces",
    [{"conditions": ["span.kind == SPAN_KIND_CLIENT"], "statements": ['set(span.attributes["client"], true)']}],
)
grouped(
    "group_conditions_or",
    "traces",
    [
        {
            "context": "span",
            "conditions": ["kind == SPAN_KIND_CLIENT", 'name == "GET /"'],
            "statements": ['set(attributes["hit"], true)'],
        }
    ],
)
grouped(
    "group_two_groups",
    "traces",
    [
        {"context": "resource", "statements": ['set(attributes["g1"], "r")']},
        {"statements": ['set(span.attributes["g2"], resource.attributes["g1"])']},
    ],
)
grouped(
    "group_prefixed_in_context",
    "traces",
    [{"context": "span", "statements": ['set(span.attributes["p"], resource.attributes["service.name"])']}],
)
grouped("group_bad_context", "traces", [{"context": "nope", "statements": ['set(attributes["a"], "b")']}])
grouped("group_context_mismatch", "traces", [{"context": "resource", "statements": ['set(span.name, "x")']}])
transform(
    "errmode_ignore_runtime",
    "traces",
    'set(span.attributes["n"], ParseJSON(span.name))',
    'set(span.attributes["after"], "ran")',
    error_mode="ignore",
)
transform(
    "errmode_propagate_runtime",
    "traces",
    'set(span.attributes["n"], ParseJSON(span.name))',
    'set(span.attributes["after"], "ran")',
    error_mode="propagate",
)
transform(
    "errmode_silent_runtime",
    "traces",
    'set(span.attributes["n"], Int(span.name) * 2)',
    'set(span.attributes["after"], "ran")',
    error_mode="silent",
)
grouped(
    "errmode_group_override",
    "traces",
    [{"error_mode": "propagate", "statements": ['set(span.attributes["n"], ParseJSON(span.name))']}],
    error_mode="ignore",
)
transform("errmode_bad", "traces", 'set(span.name, "x")', error_mode="loud")
_add(
    "flat_and_grouped_mixed",
    "transform",
    "traces",
    {"trace_statements": ['set(span.name, "x")', {"statements": ['set(span.name, "y")']}]},
    None,
)
transform(
    "fixture_trace_basic",
    "traces",
    'set(span.attributes["svc"], resource.attributes["service.name"])',
    "set(span.name, ToUpperCase(span.name))",
    input_name="fixture_trace",
)

# --- logs ---------------------------------------------------------------------------------------
transform("log_set_body", "logs", 'set(log.body, "replaced") where log.severity_number >= SEVERITY_NUMBER_ERROR')
transform(
    "log_parse_json_body",
    "logs",
    'merge_maps(log.attributes, ParseJSON(log.body), "upsert") where IsString(log.body) and HasPrefix(log.body, "{")',
)
transform("log_body_string", "logs", 'set(log.attributes["b"], log.body.string)')
transform("log_body_map_path", "logs", 'set(log.attributes["status"], log.body["http"]["status"])')
transform("log_body_index", "logs", 'set(log.attributes["first"], log.body["list"][0])')
transform(
    "log_severity_text", "logs", 'set(log.severity_text, "WARN") where log.severity_number == SEVERITY_NUMBER_INFO'
)
transform(
    "log_severity_from_attr",
    "logs",
    'set(log.severity_number, SEVERITY_NUMBER_WARN) where log.attributes["level"] == "warn"',
)
transform(
    "log_parse_severity",
    "logs",
    'set(log.attributes["sev"], ParseSeverity(log.attributes["status"], {"error": ["500", {"min": 400, "max": 499}], "info": [{"range": "2xx"}]}))',
)
transform(
    "log_parse_severity_int",
    "logs",
    'set(log.attributes["sev"], ParseSeverity(log.attributes["code"], {"error": [{"range": {"min": 500, "max": 599}}], "info": [{"range": "2xx"}]}))',
)
transform("log_times", "logs", "set(log.observed_time, log.time)", 'set(log.attributes["t"], log.time_unix_nano)')
transform(
    "log_ids", "logs", 'set(log.attributes["tid"], log.trace_id.string)', 'set(log.span_id.string, "0102030405060708")'
)
transform("log_flags", "logs", "set(log.flags, 3)")
transform("log_event_name", "logs", 'set(log.attributes["e"], log.event_name)', 'set(log.event_name, "evt")')
transform("log_dropped", "logs", "set(log.dropped_attributes_count, 4)")
transform(
    "log_extract_patterns",
    "logs",
    'merge_maps(log.attributes, ExtractPatterns(log.body, "user=(?P<user>\\\\w+) action=(?P<action>\\\\w+)"), "upsert") where IsString(log.body)',
)
transform(
    "log_grok",
    "logs",
    'merge_maps(log.attributes, ExtractGrokPatterns(log.body, "%{TIMESTAMP_ISO8601:ts} %{LOGLEVEL:lvl} \\\\[%{WORD:thread}\\\\]"), "upsert") where IsString(log.body)',
)
transform(
    "log_grok_custom",
    "logs",
    'merge_maps(log.attributes, ExtractGrokPatterns(log.body, "took %{DURMS:d}", true, ["DURMS=%{INT}ms"]), "upsert") where IsString(log.body)',
)
transform(
    "log_kv_body",
    "logs",
    'set(log.attributes["kv"], ParseKeyValue(Substring(log.body, 31, 35))) where log.severity_number == SEVERITY_NUMBER_ERROR',
)
transform("log_replace_body", "logs", 'replace_pattern(log.body, "\\\\d+\\\\.\\\\d+\\\\.\\\\d+\\\\.\\\\d+", "<ip>")')
transform("log_delete_body_key", "logs", 'delete_key(log.body, "list")')
transform("log_keep_body", "logs", 'keep_keys(log.body, ["message"])')
transform("log_flatten_body", "logs", "flatten(log.body)")
transform("log_body_to_kvstring", "logs", 'set(log.attributes["kv"], ToKeyValueString(log.body["http"]))')
transform("log_set_body_map", "logs", 'set(log.body, {"a": [1, {"b": 2}]})')
transform("log_set_body_from_attrs", "logs", "set(log.body, log.attributes)")
transform(
    "log_time_from_string",
    "logs",
    'set(log.time, Time(Substring(log.body, 0, 19), "%Y-%m-%d %H:%M:%S")) where log.severity_number == SEVERITY_NUMBER_ERROR',
)
transform("log_trace_id_set", "logs", "set(log.trace_id, TraceID(0x0102030405060708090a0b0c0d0e0f10))")
transform(
    "log_resource",
    "logs",
    'set(resource.attributes["logs"], true)',
    'set(log.attributes["host"], resource.attributes["host.name"])',
)
transform("log_scope", "logs", 'set(log.attributes["scope"], instrumentation_scope.name)')
transform("log_truncate", "logs", "truncate_all(log.attributes, 2)")
transform("log_limit", "logs", 'limit(log.attributes, 1, ["code"])')
transform("log_csv_body", "logs", 'set(log.attributes["csv"], ParseCSV("a;b", "x;y", ";"))')
transform(
    "log_cef",
    "logs",
    'set(log.attributes["cef"], ParseCEF("CEF:0|Security|threatmanager|1.0|100|worm stopped|10|src=10.0.0.1 dst=2.1.2.2"))',
)
transform(
    "log_clf",
    "logs",
    'set(log.attributes["clf"], ParseCLF(log.body)) where IsString(log.body) and HasPrefix(log.body, "127")',
)
grouped(
    "log_group_legacy",
    "logs",
    [{"context": "log", "statements": ['set(attributes["b"], body) where severity_text == "ERROR"']}],
)
transform(
    "log_fixture_basic",
    "logs",
    'set(log.attributes["n"], Len(log.attributes["order.tags"]))',
    'delete_key(log.attributes, "order.address")',
    input_name="fixture_logs",
)
transform("log_fixture_events", "logs", 'set(log.attributes["ev"], log.event_name)', input_name="fixture_events")
transform("log_error_propagate", "logs", 'set(log.attributes["p"], ParseJSON(log.body))', error_mode="propagate")
transform("log_error_ignore", "logs", 'set(log.attributes["p"], ParseJSON(log.body))', error_mode="ignore")
transform("log_merge_maps_nested", "logs", 'merge_maps(log.body, {"http": {"x": 1}}, "upsert")')

# --- metrics ------------------------------------------------------------------------------------
transform("metric_set_name", "metrics", 'set(metric.name, Concat(["app", metric.name], "."))')
transform(
    "metric_set_unit_desc",
    "metrics",
    'set(metric.unit, "1") where metric.type == METRIC_DATA_TYPE_GAUGE',
    'set(metric.description, "")',
)
transform("metric_type_attr", "metrics", 'set(datapoint.attributes["type"], metric.type)')
transform(
    "metric_temporality",
    "metrics",
    "set(metric.aggregation_temporality, AGGREGATION_TEMPORALITY_DELTA) where metric.type == METRIC_DATA_TYPE_SUM",
)
transform("metric_is_monotonic", "metrics", "set(metric.is_monotonic, false)")
transform("metric_convert_sum_to_gauge", "metrics", 'convert_sum_to_gauge() where metric.name == "shop.orders.placed"')
transform("metric_convert_gauge_to_sum", "metrics", 'convert_gauge_to_sum("cumulative", true)')
transform("metric_convert_gauge_to_sum_bad", "metrics", 'convert_gauge_to_sum("both", true)')
transform("metric_extract_sum", "metrics", "extract_sum_metric(true)")
transform("metric_extract_count", "metrics", 'extract_count_metric(false, "_n")')
transform("metric_copy", "metrics", 'copy_metric(name="copy.of") where metric.name == "shop.cart.size"')
transform("metric_scale", "metrics", 'scale_metric(10.0, "ds")')
transform("metric_summary_sum_to_sum", "metrics", 'convert_summary_sum_val_to_sum("delta", false)')
transform("metric_summary_count_to_sum", "metrics", 'convert_summary_count_val_to_sum("cumulative", true)')
transform("metric_summary_quantile", "metrics", "convert_summary_quantile_val_to_gauge()")
transform("metric_exp_to_explicit", "metrics", 'convert_exponential_histogram_to_histogram("random", [0.0, 5.0, 10.0])')
transform("metric_merge_buckets", "metrics", "merge_histogram_buckets(1.0)")
transform(
    "metric_aggregate_on_attributes",
    "metrics",
    'aggregate_on_attributes("sum", []) where metric.name == "shop.orders.placed"',
)
transform(
    "metric_aggregate_on_attribute_value",
    "metrics",
    'aggregate_on_attribute_value("sum", "shop.region", ["eu"], "europe")',
)
transform("metric_extract_percentile", "metrics", "extract_percentile_metric(50.0)")
transform("dp_set_attr", "metrics", 'set(datapoint.attributes["m"], metric.name)')
transform(
    "dp_value_double",
    "metrics",
    "set(datapoint.value_double, datapoint.value_double * 2) where metric.type == METRIC_DATA_TYPE_GAUGE",
)
transform("dp_value_int", "metrics", "set(datapoint.value_int, 5) where metric.type == METRIC_DATA_TYPE_SUM")
transform(
    "dp_histogram_fields",
    "metrics",
    'set(datapoint.attributes["c"], datapoint.count) where metric.type == METRIC_DATA_TYPE_HISTOGRAM',
    'set(datapoint.attributes["bounds"], datapoint.explicit_bounds) where metric.type == METRIC_DATA_TYPE_HISTOGRAM',
)
transform("dp_histogram_set_sum", "metrics", "set(datapoint.sum, 1.0) where metric.type == METRIC_DATA_TYPE_HISTOGRAM")
transform(
    "dp_exp_histogram_fields",
    "metrics",
    'set(datapoint.attributes["scale"], datapoint.scale) where metric.type == METRIC_DATA_TYPE_EXPONENTIAL_HISTOGRAM',
    'set(datapoint.attributes["pos"], datapoint.positive.bucket_counts) where metric.type == METRIC_DATA_TYPE_EXPONENTIAL_HISTOGRAM',
)
transform(
    "dp_histogram_bucket_counts_attr",
    "metrics",
    'set(datapoint.attributes["counts"], datapoint.bucket_counts) where metric.type == METRIC_DATA_TYPE_HISTOGRAM',
    'set(datapoint.attributes["n"], Len(datapoint.bucket_counts)) where metric.type == METRIC_DATA_TYPE_HISTOGRAM',
)
transform(
    "dp_summary_quantiles",
    "metrics",
    'set(datapoint.attributes["q"], datapoint.quantile_values) where metric.type == METRIC_DATA_TYPE_SUMMARY',
)
transform("dp_times", "metrics", "set(datapoint.start_time_unix_nano, 1)")
transform("dp_flags", "metrics", "set(datapoint.flags, 1)")
transform("dp_delete_attr", "metrics", 'delete_key(datapoint.attributes, "shop.region")')
transform("dp_exemplars_missing", "metrics", 'set(datapoint.attributes["ex"], Len(datapoint.exemplars))')
transform("dp_metric_where", "metrics", 'set(datapoint.attributes["big"], true) where datapoint.value_double > 5')
transform(
    "metric_on_odd",
    "metrics",
    'set(metric.description, "seen")',
    'set(resource.attributes["x"], "y")',
    input_name="metrics_odd",
)
transform("dp_on_odd", "metrics", 'set(datapoint.attributes["seen"], true)', input_name="metrics_odd")
transform("metric_resource_only", "metrics", 'set(resource.attributes["r"], "1")')
transform("metric_scope", "metrics", 'set(scope.name, "renamed")')
grouped(
    "metric_group_legacy",
    "metrics",
    [{"context": "metric", "statements": ['set(name, "x") where type == METRIC_DATA_TYPE_SUMMARY']}],
)
grouped(
    "dp_group_legacy",
    "metrics",
    [
        {
            "context": "datapoint",
            "statements": ['set(attributes["n"], metric.name)', 'set(attributes["unit"], metric.unit)'],
        }
    ],
)
grouped(
    "metric_group_conditions",
    "metrics",
    [
        {
            "context": "metric",
            "conditions": ['name == "shop.cart.size"'],
            "statements": ['convert_gauge_to_sum("delta", false)'],
        }
    ],
)
transform("metric_func_in_dp_context", "metrics", "convert_sum_to_gauge()", 'set(datapoint.attributes["a"], "b")')
transform(
    "metric_mixed_metric_dp", "metrics", 'set(datapoint.attributes["n"], metric.name)', 'set(metric.description, "d")'
)

# --- filter: OTTL conditions for every signal ------------------------------------------------------
filt("filter_span_name", "traces", 'span.name == "SELECT orders"')
filt("filter_span_kind", "traces", "span.kind == SPAN_KIND_SERVER")
filt("filter_span_attr", "traces", 'span.attributes["http.response.status_code"] >= 500')
filt("filter_span_resource", "traces", 'resource.attributes["service.name"] == "frontend"')
filt("filter_resource_all", "traces", 'resource.attributes["service.name"] != nil')
filt("filter_scope", "traces", 'instrumentation_scope.name == "web"')
filt("filter_spanevent", "traces", 'spanevent.name == "exception"')
filt("filter_spanevent_all", "traces", "spanevent.time_unix_nano > 0")
filt("filter_span_or", "traces", 'span.name == "GET /"', 'IsMatch(span.name, "^SELECT")')
filt("filter_span_none", "traces", 'span.name == "nothing"')
filt("filter_span_converter", "traces", 'HasPrefix(span.name, "POST")')
filt("filter_span_runtime_error_ignore", "traces", "ParseJSON(span.name) != nil", error_mode="ignore")
filt("filter_span_runtime_error_propagate", "traces", "ParseJSON(span.name) != nil", error_mode="propagate")
filt("filter_bad_condition", "traces", "span.name ==")
filt("filter_editor_as_condition", "traces", 'set(span.name, "x")')
filt_raw(
    "filter_grouped_span", "traces", {"trace_conditions": [{"context": "span", "conditions": ['name == "GET /"']}]}
)
filt_raw(
    "filter_grouped_resource",
    "traces",
    {"trace_conditions": [{"context": "resource", "conditions": ['attributes["service.name"] == "checkout"']}]},
)
filt_raw(
    "filter_grouped_spanevent",
    "traces",
    {"trace_conditions": [{"context": "spanevent", "conditions": ['name == "retry"']}]},
)
filt_raw("filter_legacy_span", "traces", {"traces": {"span": ['attributes["http.request.method"] == "GET"']}})
filt_raw("filter_legacy_spanevent", "traces", {"traces": {"spanevent": ['name == "cache.miss"']}})
filt_raw(
    "filter_legacy_and_new", "traces", {"traces": {"span": ['name == "x"']}, "trace_conditions": ['span.name == "y"']}
)
filt("filter_log_severity", "logs", "log.severity_number < SEVERITY_NUMBER_WARN")
filt("filter_log_body", "logs", 'IsMatch(log.body, "login")')
filt("filter_log_body_map", "logs", 'log.body["message"] == "structured"')
filt("filter_log_all", "logs", "true")
filt("filter_log_resource", "logs", 'resource.attributes["host.name"] == "node-1"')
filt("filter_log_missing_attr", "logs", 'log.attributes["level"] == nil')
filt_raw("filter_log_legacy", "logs", {"logs": {"log_record": ['severity_text == "INFO"']}})
filt_raw(
    "filter_log_grouped",
    "logs",
    {"log_conditions": [{"context": "log", "conditions": ['attributes["level"] == "error"']}]},
)
filt("filter_log_fixture", "logs", 'log.attributes["order.express"] == true', input_name="fixture_logs")
filt("filter_metric_name", "metrics", 'metric.name == "shop.cart.size"')
filt("filter_metric_type", "metrics", "metric.type == METRIC_DATA_TYPE_SUMMARY")
filt("filter_metric_all", "metrics", 'IsMatch(metric.name, "^shop")')
filt("filter_datapoint", "metrics", 'datapoint.attributes["shop.region"] == "eu"')
filt("filter_datapoint_value", "metrics", "datapoint.value_double > 5")
filt("filter_metric_resource", "metrics", 'resource.attributes["service.name"] == "checkout"')
filt("filter_metric_odd", "metrics", 'metric.name == "no.data"', input_name="metrics_odd")
filt("filter_metric_has_attr", "metrics", 'HasAttrOnDatapoint("shop.region", "eu")')
filt("filter_metric_has_attr_key", "metrics", 'HasAttrKeyOnDatapoint("shop.region")')
filt_raw(
    "filter_metric_legacy",
    "metrics",
    {"metrics": {"metric": ['name == "shop.order.duration"'], "datapoint": ['attributes["shop.region"] == "us"']}},
)
filt_raw("filter_metric_legacy_datapoint", "metrics", {"metrics": {"datapoint": ["value_double == 4.0"]}})
filt_raw(
    "filter_metric_grouped",
    "metrics",
    {"metric_conditions": [{"context": "datapoint", "conditions": ["metric.type == METRIC_DATA_TYPE_SUM"]}]},
)

# Metric-context functions name no path: a flat list cannot infer their context, a group can.
for _name, _stmt in [
    ("convert_gauge_to_sum", 'convert_gauge_to_sum("cumulative", true)'),
    ("convert_gauge_to_sum_bad", 'convert_gauge_to_sum("both", true)'),
    ("extract_sum", "extract_sum_metric(true)"),
    ("extract_count", 'extract_count_metric(false, "_n")'),
    ("scale", 'scale_metric(10.0, "ds")'),
    ("scale_no_unit", "scale_metric(0.5)"),
    ("summary_quantile", "convert_summary_quantile_val_to_gauge()"),
    ("summary_quantile_args", 'convert_summary_quantile_val_to_gauge("q", ".pct")'),
    ("exp_to_explicit_random", 'convert_exponential_histogram_to_histogram("random", [0.0, 5.0, 10.0])'),
    ("exp_to_explicit_upper", 'convert_exponential_histogram_to_histogram("upper", [1.0, 3.0])'),
    ("exp_to_explicit_midpoint", 'convert_exponential_histogram_to_histogram("midpoint", [2.0, 4.0])'),
    ("exp_to_explicit_uniform", 'convert_exponential_histogram_to_histogram("uniform", [2.0, 4.0])'),
    ("aggregate_on_attribute_value", 'aggregate_on_attribute_value("sum", "shop.region", ["eu"], "europe")'),
    ("aggregate_on_attributes_max", 'aggregate_on_attributes("max")'),
    ("extract_percentile", "extract_percentile_metric(50.0)"),
    ("extract_percentile_99", 'extract_percentile_metric(99.0, "_p99")'),
    ("extract_avg", "extract_avg_metric()"),
    (
        "copy_metric_all_args",
        'copy_metric("c", "d", "u") where name == "shop.order.duration"',
    ),  # unconditioned: Go loops on its own copies
    ("sum_to_gauge_all", "convert_sum_to_gauge()"),
]:
    grouped(f"metric_ctx_{_name}", "metrics", [{"context": "metric", "statements": [_stmt]}])
for _name, _stmt in [
    ("summary_sum_to_sum", 'convert_summary_sum_val_to_sum("delta", false)'),
    ("summary_count_to_sum", 'convert_summary_count_val_to_sum("cumulative", true, "_total")'),
    ("merge_buckets", "merge_histogram_buckets(1.0)"),
    ("merge_buckets_missing", "merge_histogram_buckets(7.0)"),
]:
    grouped(f"dp_ctx_{_name}", "metrics", [{"context": "datapoint", "statements": [_stmt]}])
grouped(
    "metric_ctx_on_odd",
    "metrics",
    [{"context": "metric", "statements": ["convert_sum_to_gauge()", "extract_count_metric(true)"]}],
    input_name="metrics_odd",
)
grouped("span_ctx_semconv_name", "traces", [{"context": "span", "statements": ['set_semconv_span_name("1.37.0")']}])
grouped(
    "span_ctx_semconv_name_original",
    "traces",
    [{"context": "span", "statements": ['set_semconv_span_name("1.37.0", "original_name")']}],
)
filt("filter_log_literal_true", "logs", "log.severity_number >= 0")
filt_raw(
    "filter_metric_has_attr_grouped",
    "metrics",
    {"metric_conditions": [{"context": "metric", "conditions": ['HasAttrOnDatapoint("shop.region", "eu")']}]},
)
filt_raw(
    "filter_metric_has_attr_key_grouped",
    "metrics",
    {"metric_conditions": [{"context": "metric", "conditions": ['HasAttrKeyOnDatapoint("missing")']}]},
)
filt_raw(
    "filter_metric_legacy_has_attr",
    "metrics",
    {"metrics": {"metric": ['HasAttrOnDatapoint("shop.region", "eu") and type == METRIC_DATA_TYPE_GAUGE']}},
)
filt_raw("filter_legacy_scope_resource", "traces", {"traces": {"resource": ['attributes["replicas"] == 3']}})

(HERE / "cases.json").write_text(json.dumps({"inputs": INPUTS, "cases": cases}, indent=1) + "\n")
print(len(cases), "cases")
