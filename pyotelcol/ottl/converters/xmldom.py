"""The XML document model Go's XML editing converters work on (``antchfx/xmlquery``).

Go parses with ``xmlquery.Parse`` and prints with ``Node.OutputXML(false)``; the converters'
results depend on that library's quirks, which this module reproduces:

* nodes are linked like xmlquery's (parent, first/last child, previous/next sibling), and moving
  a node with :func:`add_child` does not unlink it from where it was, so GetXML of nested
  matches prints what Go prints;
* the parser places each node by nesting level: a declaration ``<?xml version="1.0"?>`` is
  made up before the first element when the text has none (the converters drop it again), and
  text or comments before the first element become siblings of the document node, so they are
  not printed;
* printing never uses ``<a/>``, escapes text and attribute values as Go's
  ``html.EscapeString`` does (``&#39;`` and ``&#34;`` for quotes), keeps CDATA sections, comments
  and processing instructions, and trims the text of elements under ``xml:space="default"``.

Parsing uses expat (in the standard library) for well-formedness and entities; the text is
wrapped in a synthetic element so that several top-level elements parse, as they do with Go's
decoder.
"""

from __future__ import annotations

import re
import xml.parsers.expat
from typing import Any

__all__ = [
    "ATTRIBUTE",
    "CHARDATA",
    "COMMENT",
    "DECLARATION",
    "DOCUMENT",
    "ELEMENT",
    "MAX_DEPTH",
    "NOTATION",
    "PROC_INST",
    "TEXT",
    "Node",
    "XMLError",
    "add_child",
    "output_xml",
    "parse",
    "remove_from_tree",
]

# xmlquery's node types.
DOCUMENT, DECLARATION, ELEMENT, TEXT, CHARDATA, COMMENT, ATTRIBUTE, NOTATION, PROC_INST = range(9)
# The nesting Go's converters accept (maxXMLElementDepth); deeper documents are refused.
MAX_DEPTH = 10_000
_WRAPPER = "pyotelcol-xml-wrapper"
_DECLARATION = re.compile(r"<\?xml(?:\s(.*?))?\?>", re.DOTALL)


_DOCTYPE = re.compile(r"(\s*)(<!DOCTYPE(?:[^\[>]|\[[^\]]*\])*>)")
# Comments, CDATA sections and processing instructions are matched first so that only real
# start tags reach _keep_attribute_whitespace.
# A start tag cannot contain "<" (not even in a value), which keeps the scan linear.
_MARKUP = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<[^!?/<](?:[^<>\"']|\"[^<\"]*\"|'[^<']*')*>", re.DOTALL)
_ATTR_WHITESPACE = {"\r\n": "&#10;", "\r": "&#10;", "\n": "&#10;", "\t": "&#9;"}
_RAW_WHITESPACE = re.compile("\r\n|[\r\n\t]")


def _keep_attribute_whitespace(match: re.Match[str]) -> str:
    """Go's decoder keeps tabs and newlines of attribute values (only ``\\r\\n`` becomes
    ``\\n``) where expat would turn them into spaces: write them as character references."""
    tag = match.group(0)
    if tag[1] in "!?" or not _RAW_WHITESPACE.search(tag):
        return tag
    return re.sub(
        r"(\"[^\"]*\"|'[^']*')", lambda m: _RAW_WHITESPACE.sub(lambda w: _ATTR_WHITESPACE[w.group(0)], m.group(0)), tag
    )


class XMLError(ValueError):
    pass


class Attr:
    __slots__ = ("local", "prefix", "value")

    def __init__(self, prefix: str, local: str, value: str) -> None:
        self.prefix = prefix
        self.local = local
        self.value = value


class Node:
    __slots__ = ("attrs", "data", "first", "inst", "last", "level", "next", "parent", "prefix", "prev", "type")

    def __init__(self, type_: int, data: str = "", level: int = 0) -> None:
        self.parent: Node | None = None
        self.first: Node | None = None
        self.last: Node | None = None
        self.prev: Node | None = None
        self.next: Node | None = None
        self.type = type_
        self.data = data
        self.prefix = ""
        self.attrs: list[Attr] = []
        self.inst = ""  # a processing instruction's text
        self.level = level

    def children(self) -> list[Node]:
        out = []
        child = self.first
        while child is not None:
            out.append(child)
            child = child.next
        return out

    def inner_text(self) -> str:
        """Text and CDATA below the node, comments left out (iterative: nesting can be deep)."""
        pieces: list[str] = []
        stack: list[Node] = [self]
        while stack:
            node = stack.pop()
            if node.type in (TEXT, CHARDATA):
                pieces.append(node.data)
            elif node.type != COMMENT:
                stack.extend(reversed(node.children()))
        return "".join(pieces)

    def attr_value(self, prefix: str, local: str) -> str | None:
        for attr in self.attrs:
            if attr.prefix == prefix and attr.local == local:
                return attr.value
        return None

    def remove_attr(self, key: str) -> None:
        """xmlquery's ``RemoveAttr``: ``key`` is ``prefix:local`` or a bare local name, which
        matches only an attribute without a prefix."""
        prefix, local = _split_name(key)
        for i, attr in enumerate(self.attrs):
            if attr.prefix == prefix and attr.local == local:
                del self.attrs[i]
                return


def _split_name(name: str) -> tuple[str, str]:
    i = name.find(":")
    return (name[:i], name[i + 1 :]) if i > 0 else ("", name)


def add_child(parent: Node, node: Node) -> None:
    """Append ``node`` to ``parent``'s children without unlinking it from its old place."""
    node.parent = parent
    node.next = None
    if parent.first is None:
        parent.first = node
        node.prev = None
    else:
        assert parent.last is not None
        parent.last.next = node
        node.prev = parent.last
    parent.last = node


def _add_sibling(sibling: Node, node: Node) -> None:
    while sibling.next is not None:
        sibling = sibling.next
    node.parent = sibling.parent
    sibling.next = node
    node.prev = sibling
    node.next = None
    if sibling.parent is not None:
        sibling.parent.last = node


def remove_from_tree(node: Node) -> None:
    parent = node.parent
    if parent is None:
        return
    if parent.first is node:
        if parent.last is node:
            parent.first = parent.last = None
        else:
            parent.first = node.next
            assert node.next is not None
            node.next.prev = None
    elif parent.last is node:
        parent.last = node.prev
        assert node.prev is not None
        node.prev.next = None
    else:
        assert node.prev is not None and node.next is not None
        node.prev.next = node.next
        node.next.prev = node.prev
    node.parent = node.prev = node.next = None


# --- parsing ---------------------------------------------------------------------------------


class _Builder:
    """xmlquery's parser loop: each token is placed by comparing its level with the previous
    node's."""

    def __init__(self) -> None:
        self.doc = Node(DOCUMENT)
        self.prev = self.doc
        self.level = 0
        self.prefixes: set[str] = {"xml"}

    def _place(self, node: Node, level: int) -> None:
        prev = self.prev
        if level == prev.level:
            _add_sibling(prev, node)
        elif level > prev.level:
            add_child(prev, node)
        else:
            for _ in range(prev.level - level, 1, -1):
                assert prev.parent is not None
                prev = prev.parent
            self.prev = prev
            assert prev.parent is not None
            _add_sibling(prev.parent, node)

    def start(self, name: str, attrs: list[tuple[str, str]]) -> None:
        if self.level == 0:
            decl = Node(DECLARATION, "xml", 1)
            decl.attrs.append(Attr("", "version", "1.0"))
            add_child(self.prev, decl)
            self.level = 1
            self.prev = decl
        for key, _ in attrs:
            prefix, local = _split_name(key)
            if prefix == "xmlns":
                self.prefixes.add(local)
        prefix, local = _split_name(name)
        if prefix and prefix not in self.prefixes:
            raise XMLError(f"xmlquery: invalid XML document, namespace {prefix} is missing")
        node = Node(ELEMENT, local, self.level)
        node.prefix = prefix
        node.attrs = [Attr(*_split_name(key), value) for key, value in attrs]
        self._place(node, self.level)
        self.prev = node
        self.level += 1

    def end(self) -> None:
        self.level -= 1

    def leaf(self, type_: int, data: str) -> None:
        self._place(Node(type_, data, self.level), self.level)

    def proc_inst(self, target: str, inst: str) -> None:
        level = self.level + 1 if self.prev.type == DOCUMENT else self.level
        node = Node(DECLARATION, target, level)
        for pair in inst.split(" "):
            pair = pair.strip()
            i = pair.find("=")
            if i > 0 and node.attr_value(*_split_name(pair[:i])) is None:
                node.attrs.append(Attr(*_split_name(pair[:i]), pair[i + 1 :].strip("\"'")))
        if target != "xml":
            node.type = PROC_INST
            node.inst = inst.strip()
        self._place(node, level)
        self.prev = node
        self.level = level


def parse(text: str) -> Node:
    """The document node of ``text`` as ``xmlquery.Parse`` builds it; XMLError when the text
    is not well formed or has no element."""
    builder = _Builder()
    body = text
    match = _DECLARATION.match(text)
    if match:
        builder.proc_inst("xml", match.group(1) or "")
        body = text[match.end() :]
    doctype = _DOCTYPE.match(body)
    if doctype:
        # Go keeps it as a directive node (printed only after a declaration, as its level
        # makes it a sibling of the document otherwise).
        if doctype.group(1):
            builder.leaf(TEXT, doctype.group(1))
        builder.leaf(NOTATION, doctype.group(2)[2:-1])
        body = body[doctype.end() :]
    if _RAW_WHITESPACE.search(body):
        body = _MARKUP.sub(_keep_attribute_whitespace, body)
    parser: Any = xml.parsers.expat.ParserCreate()
    parser.ordered_attributes = True
    pending: list[str] = []
    in_cdata = [False]
    depth = [0]

    def flush() -> None:
        if pending:
            builder.leaf(CHARDATA if in_cdata[0] else TEXT, "".join(pending))
            pending.clear()

    def start(name: str, attrs: list[str]) -> None:
        flush()
        depth[0] += 1
        if depth[0] == 1:
            return
        builder.start(name, list(zip(attrs[::2], attrs[1::2], strict=True)))

    def end(name: str) -> None:
        flush()
        depth[0] -= 1
        if depth[0] > 0:
            builder.end()

    def comment(data: str) -> None:
        flush()
        builder.leaf(COMMENT, data)

    def pi(target: str, data: str) -> None:
        flush()
        builder.proc_inst(target, data)

    def cdata_start() -> None:
        flush()
        in_cdata[0] = True

    def cdata_end() -> None:
        flush()
        in_cdata[0] = False

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = pending.append
    parser.CommentHandler = comment
    parser.ProcessingInstructionHandler = pi
    parser.StartCdataSectionHandler = cdata_start
    parser.EndCdataSectionHandler = cdata_end
    try:
        parser.Parse(f"<{_WRAPPER}>{body}</{_WRAPPER}>", True)
    except xml.parsers.expat.ExpatError as err:
        raise XMLError(xml.parsers.expat.ErrorString(err.code)) from None
    doc: Node | None = builder.doc
    while doc is not None:
        if any(child.type == ELEMENT for child in doc.children()):
            return builder.doc
        doc = doc.next
    raise XMLError("xmlquery: invalid XML document")


# --- printing --------------------------------------------------------------------------------


def _escape(text: str) -> str:
    """Go's ``html.EscapeString``."""
    return (
        text.replace("&", "&amp;").replace("'", "&#39;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;")
    )


def _preserve(node: Node, inherited: bool) -> bool:
    space = node.attr_value("xml", "space")
    if space == "preserve":
        return True
    if space == "default":
        return False
    return inherited


def output_xml(node: Node) -> str:
    """``OutputXML(false)``: the node's children, printed. Iterative, as nesting can be deep."""
    out: list[str] = []
    # Work items: (node, preserve) to print a node, or a str to emit as is.
    stack: list[tuple[Node, bool] | str] = []
    preserve = _preserve(node, True)
    for child in reversed(node.children()):
        stack.append((child, preserve))
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
            continue
        n, inherited = item
        keep = _preserve(n, inherited)
        if n.type == TEXT:
            out.append(_escape(n.data if keep else n.data.strip()))
            continue
        if n.type == CHARDATA:
            out.append(f"<![CDATA[{n.data}]]>")
            continue
        if n.type == COMMENT:
            out.append(f"<!--{n.data}-->")
            continue
        if n.type == NOTATION:
            out.append(f"<!{n.data}>")
            continue
        if n.type == PROC_INST:
            out.append(f"<?{n.data} {n.inst}?>" if n.inst else f"<?{n.data}?>")
            continue
        if n.type == DECLARATION:
            out.append("<?" + n.data)
        else:
            out.append(f"<{n.prefix}:{n.data}" if n.prefix else f"<{n.data}")
        for attr in n.attrs:
            name = f"{attr.prefix}:{attr.local}" if attr.prefix else attr.local
            out.append(f' {name}="{_escape(attr.value)}"')
        out.append("?>" if n.type == DECLARATION else ">")
        if n.type != DECLARATION:
            stack.append(f"</{n.prefix}:{n.data}>" if n.prefix else f"</{n.data}>")
        for child in reversed(n.children()):
            stack.append((child, keep))
    return "".join(out)
