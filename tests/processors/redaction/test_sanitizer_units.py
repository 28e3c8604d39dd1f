"""The URL and database sanitizers as pure functions: Go's own unit-test tables for them, and odd
input that must neither crash nor hang. Their behaviour inside the processor is compared with Go's
output in test_redaction_vectors.py."""

from __future__ import annotations

import random

import pytest
from pyotelcol.processors.redaction.jsonobfuscate import obfuscate_json
from pyotelcol.processors.redaction.kvobfuscate import obfuscate_memcached, obfuscate_redis
from pyotelcol.processors.redaction.sqlobfuscate import obfuscate_sql
from pyotelcol.processors.redaction.urlsanitizer import cluster_url

# internal/url/sanitizer_test.go and spanname_test.go (Go v0.165).
GO_URL_TABLE = [
    ("/api/users/123e4567-e89b-12d3-a456-426614174000", "/api/users/*"),
    ("/api/users/12345", "/api/users/*"),
    ("/api/users/123/posts/456", "/api/users/*/posts/*"),
    ("/api/users", "/api/users"),
    ("/api/users?id=123&name=john", "/api/users"),
    ("", ""),
    ("/payments/12345/detail", "/payments/*/detail"),
    ("/", "/"),
    ("operation-123", "*"),
]


@pytest.mark.parametrize(("url", "expected"), GO_URL_TABLE)
def test_go_url_table(url: str, expected: str) -> None:
    assert cluster_url(url) == expected


# The outputs of Go's obfuscator (DataDog pkg/obfuscate, as configured by the processor) for
# these inputs, taken from a one-off Go run; the dialects other than MySQL are only reachable
# through db.system values the processor does not map to SQL, kept to pin the lexer.
@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("SET key value", "SET key ?"),
        ("AUTH my-secret-password", "AUTH ?"),
        ("HMSET key field1 value1 field2 value2", "HMSET key field1 ? field2 ?"),
        ("GET key", "GET key"),
    ],
)
def test_redis_commands(command: str, expected: str) -> None:
    assert obfuscate_redis(command) == expected


def test_memcached_keeps_the_command_line_only() -> None:
    assert obfuscate_memcached("set mykey 0 60 5\r\nvalue") == "set mykey 0 60 5"


@pytest.mark.parametrize(
    ("query", "dbms", "expected"),
    [
        ('SELECT * FROM t WHERE name = "bob"', "", 'SELECT * FROM t WHERE name = "bob"'),
        ('SELECT * FROM t WHERE name = "bob"', "mysql", "SELECT * FROM t WHERE name = ?"),
        ("SELECT a FROM t # note 5", "mysql", "SELECT a FROM t # note 5"),
        ("SELECT [col1] FROM t", "sqlserver", "SELECT [col?] FROM t"),
        ("SELECT a FROM t WHERE b = :name1", "oracle", "SELECT a FROM t WHERE b = :name1"),
    ],
)
def test_sql_dialects(query: str, dbms: str, expected: str) -> None:
    assert obfuscate_sql(query, dbms) == expected


def test_json_documents() -> None:
    assert obfuscate_json('{"find": "users", "filter": {"age": {"$gt": 42}}}') == (
        '{"find":"?","filter":{"age":{"$gt":"?"}}}'
    )
    assert obfuscate_json("{not json") == "{not json"


ALPHABET = [*"ab1_ -.'\"`$#@:;,()[]{}/*?&=+!\\\n\r\t\x00é€ 9xX0e", "$func$", "--", "/*", "*/", "\r\n"]


def test_odd_input_neither_crashes_nor_hangs() -> None:
    rng = random.Random(7)
    for _ in range(400):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40)))
        assert isinstance(cluster_url(text), str)
        for dbms in ("", "mysql", "mssql", "oracle", "snowflake"):
            assert isinstance(obfuscate_sql(text, dbms), str)
        assert isinstance(obfuscate_redis(text), str)
        assert isinstance(obfuscate_memcached(text), str)
        assert isinstance(obfuscate_json(text), str)
