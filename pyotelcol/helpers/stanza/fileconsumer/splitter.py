"""Cut a byte buffer into log tokens (Go's split package + trim + max_log_size).

``split(buf, flush)`` returns the complete tokens at the start of ``buf`` (each with its start
offset in ``buf``) and how many bytes they used; with ``flush`` the incomplete rest is a token
too. Tokens are decoded and stripped of surrounding whitespace (spaces, tabs, CR, LF) unless the
encoding is ``nop``; empty tokens are dropped by the caller.
"""

from __future__ import annotations

import codecs
import re

from ..regexp import compile_go_bytes

_ALIASES = {"utf8": "utf-8", "utf-8": "utf-8", "ascii": "ascii", "us-ascii": "ascii", "utf-16le": "utf-16-le",
            "utf-16be": "utf-16-be", "utf16le": "utf-16-le", "utf16be": "utf-16-be", "latin1": "latin-1",
            "iso-8859-1": "latin-1", "big5": "big5", "shift_jis": "shift_jis", "shift-jis": "shift_jis",
            "gbk": "gbk", "gb18030": "gb18030", "euc-jp": "euc_jp", "euc-kr": "euc_kr",
            "windows-1252": "cp1252", "cp1252": "cp1252", "windows-1251": "cp1251"}  # fmt: skip
_WS = " \t\r\n"
_WS_BYTES = b" \t\r\n"


def lookup_encoding(name: str) -> str | None:
    """Python codec for a Go encoding name; None for ``nop``; ValueError when unknown."""
    key = name.strip().lower()
    if key in ("nop", ""):
        return None if key == "nop" else "utf-8"
    codec = _ALIASES.get(key)
    if codec is None:
        try:
            codec = codecs.lookup(key).name
        except LookupError:
            raise ValueError(f"failed to find encoding: unsupported encoding '{name}'") from None
    return codec


class Splitter:
    def __init__(
        self,
        encoding: str,
        max_log_size: int,
        line_start_pattern: str = "",
        line_end_pattern: str = "",
        omit_pattern: bool = False,
        preserve_leading: bool = False,
        preserve_trailing: bool = False,
    ) -> None:
        self.codec = lookup_encoding(encoding)
        self.max_log_size = max_log_size if max_log_size > 0 else 1024 * 1024
        self.omit_pattern = omit_pattern
        self.strip_leading = not preserve_leading
        self.strip_trailing = not preserve_trailing
        if line_start_pattern and line_end_pattern:
            raise ValueError("only one of line_start_pattern or line_end_pattern can be set")
        self.start_re = self.end_re = None
        if self.codec is None and (line_start_pattern or line_end_pattern):
            which = "line_start_pattern" if line_start_pattern else "line_end_pattern"
            raise ValueError(f"{which} should not be set when using nop encoding")
        if (line_start_pattern or line_end_pattern) and self.codec in ("utf-16-le", "utf-16-be"):
            raise ValueError("multiline patterns with utf-16 encodings are not supported by pyotelcol")
        try:
            if line_start_pattern:
                self.start_re = compile_go_bytes(line_start_pattern, re.MULTILINE)
            if line_end_pattern:
                self.end_re = compile_go_bytes(line_end_pattern, re.MULTILINE)
        except ValueError as exc:
            raise ValueError(f"compile {'line start' if line_start_pattern else 'line end'} regex: {exc}") from None
        self.newline = "\n".encode(self.codec) if self.codec else b"\n"
        self.carriage_return = "\r".encode(self.codec) if self.codec else b"\r"

    def decode(self, token: bytes) -> str | bytes:
        if self.codec is None:
            return token
        text = token.decode(self.codec, "replace")
        if self.strip_leading and self.strip_trailing:
            return text.strip(_WS)
        if self.strip_leading:
            return text.lstrip(_WS)
        if self.strip_trailing:
            return text.rstrip(_WS)
        return text

    def split(self, buf: bytes, flush: bool) -> tuple[list[tuple[int, bytes]], int]:
        if self.codec is None:
            return self._no_split(buf, flush)
        if self.start_re is not None:
            tokens, used = self._line_start(buf, flush)
        elif self.end_re is not None:
            tokens, used = self._line_end(buf, flush)
        else:
            tokens, used = self._newline(buf, flush)
        return self._limit(tokens, buf, used, flush)

    def _limit(
        self, tokens: list[tuple[int, bytes]], buf: bytes, used: int, flush: bool
    ) -> tuple[list[tuple[int, bytes]], int]:
        """Go's trim.ToLength: tokens longer than max_log_size are cut into pieces; a buffer
        holding max_log_size bytes without a delimiter yields its first max_log_size bytes."""
        limit = self.max_log_size
        out: list[tuple[int, bytes]] = []
        for start, token in tokens:
            if len(token) <= limit:
                out.append((start, token))
                continue
            for i in range(0, len(token), limit):
                out.append((start + i, token[i : i + limit]))
        while len(buf) - used >= limit and not flush:
            out.append((used, buf[used : used + limit]))
            used += limit
        return out, used

    def _no_split(self, buf: bytes, flush: bool) -> tuple[list[tuple[int, bytes]], int]:
        out: list[tuple[int, bytes]] = []
        used = 0
        while len(buf) - used >= self.max_log_size:
            out.append((used, buf[used : used + self.max_log_size]))
            used += self.max_log_size
        if flush and used < len(buf):
            out.append((used, buf[used:]))
            used = len(buf)
        return out, used

    def _newline(self, buf: bytes, flush: bool) -> tuple[list[tuple[int, bytes]], int]:
        nl, cr = self.newline, self.carriage_return
        end = buf.rfind(nl)
        out: list[tuple[int, bytes]] = []
        pos = 0
        if end >= 0:
            step = len(nl)
            for part in buf[:end].split(nl):
                out.append((pos, part[: -len(cr)] if part.endswith(cr) else part))
                pos += len(part) + step
        if flush and pos < len(buf):
            out.append((pos, buf[pos:]))
            pos = len(buf)
        return out, pos

    def _line_start(self, buf: bytes, flush: bool) -> tuple[list[tuple[int, bytes]], int]:
        assert self.start_re is not None
        out: list[tuple[int, bytes]] = []
        pos = 0
        while pos < len(buf):
            first = self.start_re.search(buf, pos)
            if first is None:
                break
            if first.start() > pos:
                out.append((pos, buf[pos : first.start()]))
                pos = first.start()
                continue
            if first.end() == len(buf):
                break
            second = self.start_re.search(buf, first.end())
            while second is not None and second.start() <= first.end():
                if second.start() + 1 > len(buf):
                    second = None
                    break
                second = self.start_re.search(buf, second.start() + 1)
            if second is None:
                break
            body_start = first.end() if self.omit_pattern else pos
            out.append((pos, buf[body_start : second.start()]))
            pos = second.start()
        if flush and pos < len(buf):
            first = self.start_re.match(buf, pos)
            body_start = first.end() if (self.omit_pattern and first is not None) else pos
            out.append((pos, buf[body_start:]))
            pos = len(buf)
        return out, pos

    def _line_end(self, buf: bytes, flush: bool) -> tuple[list[tuple[int, bytes]], int]:
        assert self.end_re is not None
        out: list[tuple[int, bytes]] = []
        pos = 0
        while pos < len(buf):
            m = self.end_re.search(buf, pos)
            while m is not None and m.end() == pos:
                m = self.end_re.search(buf, m.start() + 1) if m.start() + 1 <= len(buf) else None
            if m is None:
                break
            out.append((pos, buf[pos : m.start() if self.omit_pattern else m.end()]))
            pos = m.end()
        if flush and pos < len(buf):
            out.append((pos, buf[pos:]))
            pos = len(buf)
        return out, pos
