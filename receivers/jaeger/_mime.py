"""Go's ``mime.ParseMediaType``, as far as the thrift_http Content-Type check needs it: the
lower-cased media type, or MediaTypeError with Go's text when Go's parser fails."""

from __future__ import annotations

_TSPECIALS = frozenset('()<>@,;:\\"/[]?=')


class MediaTypeError(ValueError):
    pass


def _is_token_char(ch: str) -> bool:
    return 0x20 < ord(ch) < 0x7F and ch not in _TSPECIALS


def _token(text: str) -> tuple[str, str]:
    end = 0
    while end < len(text) and _is_token_char(text[end]):
        end += 1
    return text[:end], text[end:]


def _quoted(text: str) -> tuple[str | None, str]:
    """A quoted-string at the start of ``text`` (which starts with a quote); None if unterminated."""
    pos = 1
    while pos < len(text):
        ch = text[pos]
        if ch == '"':
            return text[1:pos], text[pos + 1 :]
        if ch == "\\" and pos + 1 < len(text):
            pos += 1
        pos += 1
    return None, text


def _param(text: str) -> tuple[str, str] | None:
    """One ``; key=value`` (Go's consumeMediaParam): the lower-cased key and what follows, or None."""
    rest = text.lstrip()
    if not rest.startswith(";"):
        return None
    key, rest = _token(rest[1:].lstrip())
    if not key:
        return None
    rest = rest.lstrip()
    if not rest.startswith("="):
        return None
    rest = rest[1:].lstrip()
    if rest.startswith('"'):
        value, rest = _quoted(rest)
        if value is None:
            return None
    else:
        value, rest = _token(rest)
        if not value:
            return None
    return key.lower(), rest


def parse_media_type(value: str) -> str:
    base, _, _ = value.partition(";")
    media_type = base.lower().strip()
    kind, rest = _token(media_type)
    if not kind:
        raise MediaTypeError("mime: no media type")
    if rest:
        if not rest.startswith("/"):
            raise MediaTypeError("mime: expected slash after first token")
        subtype, rest = _token(rest[1:])
        if not subtype:
            raise MediaTypeError("mime: expected token after slash")
        if rest:
            raise MediaTypeError("mime: unexpected content after media subtype")
    params = value[len(base) :]
    seen: set[str] = set()
    while params.strip():
        parsed = _param(params)
        if parsed is None:
            if params.strip() == ";":
                break  # a trailing semicolon is allowed
            raise MediaTypeError("mime: invalid media parameter")
        key, params = parsed
        if key in seen:
            raise MediaTypeError("mime: duplicate parameter name")
        seen.add(key)
    return media_type


__all__ = ["MediaTypeError", "parse_media_type"]
