"""The XML editing converters: ConvertAttributesToElementsXML, ConvertTextToElementsXML,
GetXML, InsertXML and RemoveXML.

Go parses the target with ``xmlquery``, selects nodes with an XPath compiled when the statement
is compiled (an invalid one is a config error), edits the tree and prints it again; the XML
declaration is printed only when the target starts with one. See :mod:`xmldom` for the printing
rules and :mod:`xpath` for the XPath subset pyotelcol accepts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyotelcol.ottl.converters.xmldom import (
    ATTRIBUTE,
    CHARDATA,
    COMMENT,
    DOCUMENT,
    ELEMENT,
    MAX_DEPTH,
    TEXT,
    Node,
    XMLError,
    add_child,
    output_xml,
    parse,
    remove_from_tree,
)
from pyotelcol.ottl.converters.xpath import Eval, XPathError, compile_xpath, select
from pyotelcol.ottl.functions import CompileError, ExecutionError, Getter, Param, converter
from pyotelcol.ottl.values import expect_string

Item = Callable[[Any], Any]


def _xpath(function: str, text: Any) -> Eval:
    if not isinstance(text, str):
        raise CompileError(f"{function}: the XPath must be a string literal")
    try:
        return compile_xpath(text)
    except XPathError as err:
        raise CompileError(f"invalid xpath: {err}") from None


def _parse(text: str) -> Node:
    """Go's ``parseNodesXML``: the made-up declaration is dropped unless the text has one."""
    try:
        doc = parse(text)
    except XMLError as err:
        raise ExecutionError(f"parse xml: {err}") from None
    if not text.startswith("<?xml") and doc.first is not None:
        remove_from_tree(doc.first)
    return doc


def _select(expr: Eval, top: Node) -> list[Node]:
    try:
        return select(expr, top)
    except XPathError as err:
        raise ExecutionError(str(err)) from None


@converter("ConvertAttributesToElementsXML", Param("target", "getter"), Param("xpath", "literal", optional=True))
def build_convert_attributes_to_elements_xml(target: Getter, xpath: Any = None) -> Item:
    """Go: each selected attribute (default: all, ``//@*``) becomes a child element named by
    its local name, appended after the element's other children."""
    expr = _xpath("ConvertAttributesToElementsXML", xpath or "//@*")

    def run(tctx: Any) -> str:
        doc = _parse(expect_string(target(tctx)))
        for node in _select(expr, doc):
            if node.type != ATTRIBUTE or node.parent is None:
                continue
            element = Node(ELEMENT, node.data)
            add_child(element, Node(TEXT, node.inner_text()))
            add_child(node.parent, element)
            node.parent.remove_attr(node.data)
        return output_xml(doc)

    return run


def _text_to_elements(top: Node, name: str) -> None:
    """Go's convertTextToElementsForNode, without recursion: in every element (or document)
    that has text next to other nodes, each text node becomes an element ``name``."""
    stack: list[tuple[Node, int, bool]] = [(top, 0, False)]
    while stack:
        node, depth, children_done = stack.pop()
        if depth > MAX_DEPTH:
            raise ExecutionError(f"exceeded maximum XML nesting depth of {MAX_DEPTH}")
        if node.type not in (ELEMENT, DOCUMENT) or node.first is None:
            continue
        if not children_done:
            stack.append((node, depth, True))
            for child in reversed(node.children()):
                if child.type == ELEMENT:
                    stack.append((child, depth + 1, False))
            continue
        children = node.children()
        texts = [c for c in children if c.type == TEXT]
        elements = [c for c in children if c.type == ELEMENT]
        if not texts or len(texts) + len(elements) <= 1:
            continue
        for child in texts:
            inner = Node(TEXT, child.data)
            child.type = ELEMENT
            child.data = name
            child.first = child.last = inner
            inner.parent = child


@converter(
    "ConvertTextToElementsXML",
    Param("target", "getter"),
    Param("xpath", "literal", optional=True),
    Param("elementName", "literal", optional=True),
)
def build_convert_text_to_elements_xml(target: Getter, xpath: Any = None, elementName: Any = None) -> Item:
    """Go: below the selected nodes (default: the document), text mixed with other nodes is
    wrapped in elements (default name ``value``)."""
    expr = _xpath("ConvertTextToElementsXML", xpath or "/")
    if elementName is not None and not isinstance(elementName, str):
        raise CompileError("ConvertTextToElementsXML: elementName must be a string literal")
    name = elementName or "value"

    def run(tctx: Any) -> str:
        doc = _parse(expect_string(target(tctx)))
        for node in _select(expr, doc):
            _text_to_elements(node, name)
        return output_xml(doc)

    return run


@converter("GetXML", Param("target", "getter"), Param("xpath", "literal"))
def build_get_xml(target: Getter, xpath: Any) -> Item:
    """Go: the selected elements and text printed one after the other; attributes and CDATA
    sections as their text; "" for an empty target."""
    expr = _xpath("GetXML", xpath)

    def run(tctx: Any) -> str:
        text = expect_string(target(tctx))
        if text == "":
            return ""
        doc = _parse(text)
        result = Node(DOCUMENT)
        for node in _select(expr, doc):
            if node.type in (ELEMENT, TEXT):
                add_child(result, node)
            elif node.type in (ATTRIBUTE, CHARDATA):
                add_child(result, Node(TEXT, node.inner_text()))
        return output_xml(result)

    return run


@converter("InsertXML", Param("target", "getter"), Param("xpath", "literal"), Param("subDocument", "getter"))
def build_insert_xml(target: Getter, xpath: Any, subDocument: Getter) -> Item:
    """Go: the sub-document's nodes are appended to every selected element or document (Go
    moves the same nodes each time, which leaves them printed under each); selecting anything
    else fails the statement; an empty target is an empty element the XPath ``/`` selects."""
    expr = _xpath("InsertXML", xpath)

    def run(tctx: Any) -> str:
        text = expect_string(target(tctx))
        doc = Node(ELEMENT, "") if text == "" else _parse(text)
        sub = _parse(expect_string(subDocument(tctx)))
        errors = []
        for node in _select(expr, doc):
            if node.type in (ELEMENT, DOCUMENT):
                child = sub.first
                while child is not None:
                    following = child.next
                    add_child(node, child)
                    child = following
            else:
                errors.append(f"InsertXML XPath selected non-element: {_go_quote(node.data)}")
        if errors:
            raise ExecutionError("\n".join(errors))
        return output_xml(doc)

    return run


def _go_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@converter("RemoveXML", Param("target", "getter"), Param("xpath", "literal"))
def build_remove_xml(target: Getter, xpath: Any) -> Item:
    """Go: selected elements, comments and CDATA sections are removed, attributes dropped from
    their element, text emptied; "" for an empty target."""
    expr = _xpath("RemoveXML", xpath)

    def run(tctx: Any) -> str:
        text = expect_string(target(tctx))
        if text == "":
            return ""
        doc = _parse(text)
        for node in _select(expr, doc):
            if node.type in (ELEMENT, COMMENT, CHARDATA):
                remove_from_tree(node)
            elif node.type == ATTRIBUTE and node.parent is not None:
                node.parent.remove_attr(node.data)
            elif node.type == TEXT:
                node.data = ""
        return output_xml(doc)

    return run
