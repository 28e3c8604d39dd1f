"""SQL literal obfuscation as Go's redaction processor does it.

Go's ``db_sanitizer.sql`` calls DataDog's obfuscator in ``obfuscate_only`` mode with digit
replacement, which runs the ``go-sqllexer`` tokenizer and rewrites only these tokens, leaving every
other byte (comments and whitespace included) as it was:

* string literals ``'...'`` (also unterminated ones), dollar-quoted strings ``$tag$...$tag$``,
  numbers (decimal, exponent, hex ``0x``, octal ``0`` + digits, a leading ``+``/``-`` sign),
  positional parameters ``$1``, ``true``/``false`` and ``null`` become ``?``;
* a ``$func$...$func$`` body is obfuscated recursively;
* every run of digits inside an identifier or quoted identifier becomes one ``?``
  (``users2`` -> ``users?``), but not in a function name (``md5(x)`` stays);
* the result is trimmed of surrounding whitespace.

The tokenizer's choices decide where a number starts: ``a=-1`` is ``a``, the operator ``=-``
and ``1``; ``x-3`` is ``x`` and the signed number ``-3``. The DBMS changes a few rules: MySQL reads
``"..."`` as a string, `````...````` as an identifier and ``#`` as a comment; SQL Server reads
``[...]`` as an identifier; Oracle reads ``:name`` as a bind parameter; elsewhere ``"..."`` is an
identifier.
"""

from __future__ import annotations

import functools
import unicodedata

MYSQL = "mysql"
SQLSERVER = "mssql"
ORACLE = "oracle"
SNOWFLAKE = "snowflake"
_DBMS_ALIASES = {"sql-server": SQLSERVER, "sqlserver": SQLSERVER, "postgres": "postgresql"}

PLACEHOLDER = "?"
_EOF = "\x00"  # the tokenizer's end marker: a NUL in the text ends it too, as in Go
_SPACE = frozenset(" \t\n\r")
_OPERATORS = frozenset("+-*/=<>!&|^%~?@:#")
_PUNCTUATION = frozenset("(),;.:[]{}")
_LITERAL_WORDS = frozenset({"TRUE", "FALSE", "NULL"})
# go-sqllexer's keywords: one ends its token before a ".", where a plain name would run on.
_KEYWORDS = frozenset(
    [
        "ADD",
        "ALL",
        "ALTER",
        "ANALYZE",
        "AND",
        "ANY",
        "AS",
        "ASC",
        "ASSERTION",
        "BEGIN",
        "BETWEEN",
        "BY",
        "CASE",
        "CHECK",
        "CLONE",
        "CLUSTER",
        "COLUMN",
        "COMMIT",
        "CONSTRAINT",
        "COPY",
        "CREATE",
        "CUBE",
        "DATABASE",
        "DECLARE",
        "DEFAULT",
        "DELETE",
        "DESC",
        "DISTINCT",
        "DOMAIN",
        "DROP",
        "ELSE",
        "END",
        "ESCAPE",
        "EXEC",
        "EXECUTE",
        "EXISTS",
        "EXPLAIN",
        "FALSE",
        "FOREIGN",
        "FROM",
        "GRANT",
        "GROUP",
        "HAVING",
        "IF",
        "ILIKE",
        "IN",
        "INDEX",
        "INNER",
        "INSERT",
        "INTO",
        "IS",
        "JOIN",
        "KEY",
        "LEFT",
        "LIKE",
        "LIMIT",
        "LITERAL",
        "MERGE",
        "NOT",
        "NULL",
        "OF",
        "OFFSET",
        "ON",
        "ONLY",
        "OR",
        "ORDER",
        "OUT",
        "OUTER",
        "PLPGSQL",
        "PRIMARY",
        "PROC",
        "PROCEDURE",
        "RECURSIVE",
        "REPLACE",
        "RETURNING",
        "RETURNS",
        "REVOKE",
        "RIGHT",
        "ROLLBACK",
        "ROLLUP",
        "ROWNUM",
        "SELECT",
        "SET",
        "SKIP",
        "SOME",
        "STRAIGHT_JOIN",
        "TABLE",
        "TEMPORARY",
        "TOP",
        "TRIGGER",
        "TRUE",
        "TRUNCATE",
        "UNION",
        "UNIQUE",
        "UNLOGGED",
        "UPDATE",
        "USE",
        "USING",
        "VACCUM",
        "VALUES",
        "VIEW",
        "WHERE",
        "WINDOW",
        "WITH",
    ]
)
# Go's strings.TrimSpace: ASCII white space, NEL, NBSP and Unicode spaces.
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"

# Token kinds the obfuscator rewrites; everything else is copied.
_LITERAL = "literal"
_FUNC_BODY = "func_body"
_IDENT = "ident"
_OTHER = "other"


def _is_digit(ch: str) -> bool:
    return "0" <= ch <= "9"


def _is_ascii_letter(ch: str) -> bool:
    return "a" <= ch <= "z" or "A" <= ch <= "Z"


def _is_letter(ch: str) -> bool:
    return _is_ascii_letter(ch) or ch == "_" or (ch > "\x7f" and ch.isalpha())


def _is_alphanumeric(ch: str) -> bool:
    return _is_letter(ch) or _is_digit(ch) or (ch > "\x7f" and unicodedata.category(ch).startswith("N"))


def _is_identifier(ch: str) -> bool:
    return ch in '".?$#/@!' or _is_letter(ch) or _is_digit(ch)


def _replace_digits(text: str) -> str:
    out: list[str] = []
    last_digit = False
    for ch in text:
        if _is_digit(ch):
            if not last_digit:
                out.append(PLACEHOLDER)
                last_digit = True
        else:
            out.append(ch)
            last_digit = False
    return "".join(out)


class _Lexer:
    """A port of the go-sqllexer scanner, reduced to what obfuscation needs: the extent of each
    token and whether it is rewritten."""

    def __init__(self, src: str, dbms: str) -> None:
        self.src = src
        self.dbms = dbms
        self.cursor = 0
        self.has_digits = False

    def at(self, pos: int) -> str:
        return self.src[pos] if 0 <= pos < len(self.src) else _EOF

    def peek(self, n: int = 0) -> str:
        return self.at(self.cursor + n)

    def advance(self, n: int = 1) -> str:
        if self.cursor + n > len(self.src):
            return _EOF
        self.cursor += n
        return self.at(self.cursor)

    def tokens(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        while True:
            start = self.cursor
            self.has_digits = False
            kind = self.scan()
            if kind is None:
                return out
            text = self.src[start : self.cursor]
            if kind == _IDENT and not self.has_digits:
                kind = _OTHER
            out.append((kind, text))

    def scan(self) -> str | None:
        ch = self.peek()
        nxt = self.peek(1)
        if ch in _SPACE:
            while self.advance() in _SPACE:
                pass
            return _OTHER
        if _is_letter(ch):
            return self.identifier(ch)
        if ch == '"':
            if self.dbms == MYSQL:
                return self.string('"')
            return self.quoted_identifier('"')
        if ch == "'":
            return self.string("'")
        if ch == "-" and nxt == "-":
            return self.line_comment(ch)
        if ch == "/" and nxt == "*":
            return self.block_comment()
        if ch in "+-":
            if _is_digit(nxt) or nxt == ".":
                self.decimal(self.advance())
                return _LITERAL
            return self.operator(ch)
        if _is_digit(ch):
            return self.number(ch)
        if ch == "*":
            self.advance()
            return _OTHER
        if ch == "$":
            if _is_digit(nxt):
                self.advance(2)
                while _is_digit(self.peek()):
                    self.advance()
                return _LITERAL
            if self.dbms == SQLSERVER and _is_letter(nxt):
                return self.identifier(ch)
            return self.dollar_quoted()
        if ch == ":":
            if self.dbms == ORACLE and _is_alphanumeric(nxt):
                return self.bind_parameter()
            return self.operator(ch)
        if ch == "`":
            if self.dbms == MYSQL:
                return self.quoted_identifier("`")
            self.advance()
            return _OTHER
        if ch == "#":
            if self.dbms == SQLSERVER:
                return self.identifier(ch)
            if self.dbms == MYSQL:
                return self.line_comment(ch)
            return self.operator(ch)
        if ch == "@":
            if nxt == "@":
                if _is_alphanumeric(self.peek(2)):
                    self.advance(2)
                    while _is_alphanumeric(self.peek()):
                        self.advance()
                    return _OTHER
                self.advance(2)
                return _OTHER
            if _is_alphanumeric(nxt):
                if self.dbms == SNOWFLAKE:
                    return self.identifier(ch)
                return self.bind_parameter()
            if nxt in "?>" and nxt != _EOF:
                self.advance(2)
                return _OTHER
            return self.operator(ch)
        if ch in _OPERATORS:
            return self.operator(ch)
        if ch in _PUNCTUATION:
            if ch == "[" and self.dbms == SQLSERVER:
                return self.quoted_identifier("[")
            self.advance()
            return _OTHER
        if ch == _EOF:
            return None
        self.advance()
        return _OTHER

    # -- numbers -----------------------------------------------------------------------------
    def number(self, ch: str) -> str:
        if ch == "0":
            nxt = self.peek(1)
            if nxt in "xX":
                ch = self.advance(2)
                while _is_digit(ch) or "a" <= ch <= "f" or "A" <= ch <= "F":
                    ch = self.advance()
                return _LITERAL
            if "0" <= nxt <= "7":
                ch = self.advance(2)
                while "0" <= ch <= "7":
                    ch = self.advance()
                return _LITERAL
        self.decimal(self.advance())
        return _LITERAL

    def decimal(self, ch: str) -> None:
        while _is_digit(ch) or ch == "." or ch in "eE":
            if ch in "eE":
                ch = self.advance()
                if ch in "+-":
                    ch = self.advance()
            else:
                ch = self.advance()

    # -- strings and quoted names ------------------------------------------------------------
    def string(self, delimiter: str) -> str:
        escaped = escaped_quote = False
        ch = self.advance()
        while ch != _EOF:
            if escaped:
                escaped = False
                escaped_quote = ch == delimiter
            elif ch == "\\":
                escaped = True
            elif ch == delimiter:
                self.advance()
                return _LITERAL
            ch = self.advance()
        del escaped_quote  # Go emits STRING or INCOMPLETE_STRING here: both become "?"
        return _LITERAL

    def quoted_identifier(self, delimiter: str) -> str:
        closing = "]" if delimiter == "[" else delimiter
        ch = self.advance()
        while True:
            if ch == closing:
                if self.src.startswith(closing + "." + delimiter, self.cursor):
                    ch = self.advance(3)
                    continue
                break
            if ch == _EOF:
                return _OTHER  # unterminated: Go's ERROR token, copied as is
            self.has_digits = self.has_digits or _is_digit(ch)
            ch = self.advance()
        self.advance()
        return _IDENT

    def dollar_quoted(self) -> str:
        start = self.cursor
        ch = self.advance()
        while self.cursor < len(self.src) and ch != "$":
            ch = self.advance()
        self.advance()
        tag = self.src[start : self.cursor]
        while self.cursor < len(self.src):
            if self.src.startswith(tag, self.cursor):
                self.advance(len(tag))
                return _FUNC_BODY if tag == "$func$" else _LITERAL
            self.advance()
        return _OTHER  # no closing tag: Go's ERROR token, copied as is

    # -- words -------------------------------------------------------------------------------
    def identifier(self, ch: str) -> str:
        start = self.cursor
        if ch > "\x7f":
            while _is_identifier(ch):
                self.has_digits = self.has_digits or _is_digit(ch)
                ch = self.advance()
            return _IDENT
        # The keyword trie only walks ASCII letters and underscores.
        while _is_ascii_letter(ch) or ch == "_":
            ch = self.advance()
        word = self.src[start : self.cursor].upper()
        if word in _KEYWORDS and (ch in _PUNCTUATION or ch in _SPACE or ch == _EOF):
            return _LITERAL if word in _LITERAL_WORDS else _OTHER
        while _is_identifier(ch):
            self.has_digits = self.has_digits or _is_digit(ch)
            ch = self.advance()
        if ch == "(":
            self.has_digits = False  # a function name keeps its digits
            return _OTHER
        return _IDENT

    def bind_parameter(self) -> str:
        ch = self.advance(2)
        while _is_alphanumeric(ch):
            ch = self.advance()
        return _OTHER

    # -- the rest ----------------------------------------------------------------------------
    def operator(self, last: str) -> str:
        ch = self.advance()
        pair = last + ch
        if pair in ("->", "#>"):
            if self.advance() == ">":
                self.advance()
            return _OTHER
        if pair in ("#-", "?|", "?&", "<@"):
            self.advance()
            return _OTHER
        while ch in _OPERATORS and ch != _EOF and not (last == "=" and ch in "?@"):
            last = ch
            ch = self.advance()
        return _OTHER

    def line_comment(self, ch: str) -> str:
        ch = self.advance() if ch == "#" else self.advance(2)
        while ch != "\n" and ch != _EOF:
            ch = self.advance()
        return _OTHER

    def block_comment(self) -> str:
        ch = self.advance(2)
        while True:
            if ch == "*" and self.peek(1) == "/":
                self.advance(2)
                return _OTHER
            if ch == _EOF:
                return _OTHER
            ch = self.advance()


# Statements repeat (prepared statements, ORM queries) and tokenizing in Python costs about 1 µs
# a character, so the results for recent short ones are kept: at most 2048 x 4 KiB.
_CACHED_QUERY_CHARS = 4096


def obfuscate_sql(query: str, dbms: str = "") -> str:
    """Go's ``ObfuscateSQLString`` (``dbms`` empty) or ``ObfuscateSQLStringForDBMS``."""
    if len(query) <= _CACHED_QUERY_CHARS:
        return _obfuscate_cached(query, dbms)
    return _obfuscate(query, dbms)


@functools.lru_cache(maxsize=2048)
def _obfuscate_cached(query: str, dbms: str) -> str:
    return _obfuscate(query, dbms)


def _obfuscate(query: str, dbms: str) -> str:
    dbms = _DBMS_ALIASES.get(dbms, dbms)
    out: list[str] = []
    for kind, text in _Lexer(query, dbms).tokens():
        if kind == _LITERAL:
            out.append(PLACEHOLDER)
        elif kind == _FUNC_BODY:
            out.append("$func$" + obfuscate_sql(text[6:-6], dbms) + "$func$")
        elif kind == _IDENT:
            out.append(_replace_digits(text))
        else:
            out.append(text)
    return "".join(out).strip(_GO_SPACE)
