"""XML documents as OTTL maps (ParseXML and ParseSimplifiedXML).

Parsing is event driven (no recursion), bounded to Go's 10,000 nesting levels; declarations,
comments and processing instructions are ignored; namespace prefixes are dropped from names as
Go keeps only the local name; CDATA sections are text.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

__all__ = ["XMLParseError", "parse_simplified_xml", "parse_xml"]

MAX_DEPTH = 10_000


class XMLParseError(ValueError):
    pass


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1] if name.startswith("{") else name


def _events(text: str) -> list[tuple[str, ET.Element]]:
    parser: Any = ET.XMLPullParser(events=("start", "end"))
    events: list[tuple[str, ET.Element]] = []
    depth = 0
    try:
        parser.feed(text)
        parser.close()
        for item in parser.read_events():
            event, elem = item[0], item[1]
            depth += 1 if event == "start" else -1
            if depth > MAX_DEPTH:
                raise XMLParseError(f"exceeded maximum nesting depth of {MAX_DEPTH}")
            events.append((event, elem))
    except ET.ParseError as err:
        raise XMLParseError(str(err)) from None
    except UnicodeError as err:
        raise XMLParseError(f"invalid text: {err}") from None
    if not events:
        raise XMLParseError("no XML element found")
    return events


def _own_text(elem: ET.Element) -> list[str]:
    """The element's character data pieces, each trimmed, empty ones skipped."""
    pieces = [elem.text or ""] + [child.tail or "" for child in elem]
    return [piece.strip() for piece in pieces if piece.strip()]


def parse_xml(text: str) -> dict[str, Any]:
    """Go's ParseXML: ``tag``, ``attributes`` (when any), ``content`` (trimmed character data
    joined) and ``children`` (when any) for the root element, recursively."""
    built: dict[int, dict[str, Any]] = {}
    root: dict[str, Any] | None = None
    for event, elem in _events(text):
        if event != "end":
            continue
        node: dict[str, Any] = {"tag": _local(elem.tag)}
        if elem.attrib:
            node["attributes"] = {_local(k): v for k, v in elem.attrib.items()}
        content = "".join(_own_text(elem))
        if content:
            node["content"] = content
        children = [built.pop(id(child)) for child in elem]
        if children:
            node["children"] = children
        built[id(elem)] = node
        root = node
    assert root is not None
    return root


_EMPTY = object()


def parse_simplified_xml(text: str) -> dict[str, Any]:
    """Go's ParseSimplifiedXML: an element with child elements becomes a map of them, one with
    only text its text; repeated tags become slices; empty elements are dropped (but still make
    their tag a slice); attributes and text next to child elements are ignored."""
    built: dict[int, Any] = {}
    last: ET.Element | None = None
    for event, elem in _events(text):
        if event != "end":
            continue
        children = list(elem)
        if not children:
            value: Any = "".join(_own_text(elem)) or _EMPTY
        else:
            grouped: dict[str, list[Any]] = {}
            counts: dict[str, int] = {}
            for child in children:
                tag = _local(child.tag)
                counts[tag] = counts.get(tag, 0) + 1
                child_value = built.pop(id(child))
                grouped.setdefault(tag, [])
                if child_value is not _EMPTY:
                    grouped[tag].append(child_value)
            result: dict[str, Any] = {}
            for tag, values in grouped.items():
                if counts[tag] > 1:
                    if values:
                        result[tag] = values
                elif values:
                    result[tag] = values[0]
            value = result if result else _EMPTY
        built[id(elem)] = value
        last = elem
    assert last is not None
    root_value = built[id(last)]
    if root_value is _EMPTY:
        return {}
    return {_local(last.tag): root_value}
