"""The XML editing converters beyond what the Go differential corpus records: the XPath subset
refused at compile time, odd and deep documents, and xmlquery's printing rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pyotelcol.ottl.functions import CompileError, ExecutionError

LOG = '<Log><User id="7">alice</User><Action>login</Action></Log>'


@pytest.mark.parametrize(
    "xpath",
    [
        "/a[",  # not XPath
        "//@",  # an attribute step without a name
        "",  # not a node set
        "//a[substring(., 1)]",  # a function outside the subset
        "/namespace::x",  # an axis outside the subset
        "/a/b extra",  # trailing tokens
    ],
)
def test_xpath_outside_the_subset_is_a_compile_error(compile_converter: Callable[..., Any], xpath: str) -> None:
    with pytest.raises(CompileError, match="invalid xpath"):
        compile_converter("GetXML", LOG, xpath)


def test_xpath_must_be_a_literal_string(compile_converter: Callable[..., Any]) -> None:
    with pytest.raises(CompileError, match="string literal"):
        compile_converter("RemoveXML", LOG, 3)


def test_printing_follows_xmlquery(call: Callable[..., Any]) -> None:
    doc = "<?xml version='1.0' standalone='yes'?><a b='&lt;&amp;'><c/><![CDATA[<x>]]><!--n--><?p q?></a>"
    # The declaration is kept (double-quoted), empty elements get an end tag, values are
    # HTML-escaped and CDATA, comments and processing instructions come back as they were.
    assert call("RemoveXML", doc, "/a/nothing") == (
        '<?xml version="1.0" standalone="yes"?><a b="&lt;&amp;"><c></c><![CDATA[<x>]]><!--n--><?p q?></a>'
    )


def test_several_top_level_elements_parse(call: Callable[..., Any]) -> None:
    assert call("GetXML", "<a>1</a><b>2</b>", "/b") == "<b>2</b>"


@pytest.mark.parametrize(
    "doc",
    [
        "not xml",
        "<a><b></a>",
        "<a>&undefined;</a>",
        "<p:a>undeclared prefix</p:a>",
        "<!-- only a comment -->",
    ],
)
def test_bad_documents_fail_the_statement(call: Callable[..., Any], doc: str) -> None:
    for name, args in [
        ("GetXML", (doc, "/a")),
        ("RemoveXML", (doc, "/a")),
        ("InsertXML", (doc, "/a", "<b/>")),
        ("ConvertAttributesToElementsXML", (doc,)),
        ("ConvertTextToElementsXML", (doc,)),
    ]:
        with pytest.raises(ExecutionError, match="parse xml"):
            call(name, *args)


def test_bad_sub_document_fails_insert(call: Callable[..., Any]) -> None:
    with pytest.raises(ExecutionError, match="parse xml"):
        call("InsertXML", LOG, "/Log", "<open>")


def test_non_string_target_fails(call: Callable[..., Any]) -> None:
    with pytest.raises(ExecutionError, match="expected string"):
        call("GetXML", 42, "/a")


def test_deep_documents_do_not_crash(call: Callable[..., Any]) -> None:
    depth = 12_000
    doc = "<a>" * depth + "t<b/>" + "</a>" * depth
    # Selecting, printing and matching on text work at any depth...
    selected = call("GetXML", doc, "//b/parent::*[contains(., 't')]")
    assert selected == "<a>t<b></b></a>"
    assert call("RemoveXML", doc, "//b").count("<a>") == depth
    # ...while ConvertTextToElementsXML stops at Go's nesting limit.
    with pytest.raises(ExecutionError, match="maximum XML nesting depth of 10000"):
        call("ConvertTextToElementsXML", doc)
