"""Resolving configs like the Go collector: merge, --set, expansion, providers and error texts."""

from __future__ import annotations

import http.server
import logging
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from pyotelcol.confmap import ExpandedValue, ResolveError, resolve, resolve_raw, set_flag_to_uri, to_plain

HTTP_PORT = 24001


def files(tmp_path: Path, *docs: str) -> list[str]:
    paths = []
    for i, doc in enumerate(docs):
        (tmp_path / f"c{i}.yaml").write_text(doc)
        paths.append(str(tmp_path / f"c{i}.yaml"))
    return paths


@pytest.mark.parametrize(
    ("docs", "sets", "expected"),
    [
        (["a: {b: 1, c: [x, y]}", "a: {c: [z], d: 2}"], [], {"a": {"b": 1, "c": ["z"], "d": 2}}),
        (["processors: {batch: }\nx: 1", "processors:"], [], {"processors": None, "x": 1}),
        (["processors: {batch: }", "processors: {}"], [], {"processors": {"batch": None}}),
        (["a: [1]", "a: {k: v}"], [], {"a": {"k": "v"}}),
        (["service: {extensions: [a, b]}"], ["service.extensions=[]"], {"service": {"extensions": []}}),
        (
            ["exporters: {otlp_grpc/2: {endpoint: 'x:1', tls: {insecure: true}}}"],
            ["exporters.otlp_grpc/2.endpoint= h:4317 ", "a.n=5", "a.m={k: v}", "a.s=x=y", " a.t = true"],
            {
                "exporters": {"otlp_grpc/2": {"endpoint": "h:4317", "tls": {"insecure": True}}},
                "a": {"n": 5, "m": {"k": "v"}, "s": "x=y", "t": True},
            },
        ),
        (["x: {'a::b': 1, l: [{'c::d': 2}]}"], [], {"x": {"a": {"b": 1}, "l": [{"c::d": 2}]}}),
    ],
)
def test_merge(tmp_path: Path, docs: list[str], sets: list[str], expected: dict[str, Any]) -> None:
    uris = files(tmp_path, *docs) + [set_flag_to_uri(s) for s in sets]
    assert resolve(uris) == expected


def test_set_flag_to_uri() -> None:
    assert set_flag_to_uri("a.b.c=value") == "yaml:a::b::c: value"
    assert set_flag_to_uri("processors.batch.timeout=1s") == "yaml:processors::batch::timeout: 1s"
    with pytest.raises(ValueError, match="missing equal sign"):
        set_flag_to_uri("a.b")


def test_merge_append_option() -> None:
    uris = [
        "yaml:service: {extensions: [a, b], pipelines: {t: {receivers: [r1], processors: [p1]}}}",
        "yaml:service: {extensions: [b, c], pipelines: {t: {receivers: [r2, r2], processors: [p2]}}}",
    ]
    assert resolve(uris, merge_append=True)["service"] == {
        "extensions": ["a", "b", "c"],
        "pipelines": {"t": {"receivers": ["r1", "r2"], "processors": ["p2"]}},
    }


ENV = {
    "PORT": "4317",
    "N": "007",
    "EMPTY": "",
    "A": "aa",
    "NEST": "${env:A}",
    "LIST": "[a, b]",
    "MAP": "{k: v, n: 5}",
    "QUOTED": '"0123"',
    "DOL": "p$$q",
    "BAD": "a: [",
}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("${env:PORT}", ExpandedValue(4317, "4317")),
        ("${PORT}", ExpandedValue(4317, "4317")),
        ("localhost:${env:PORT}", "localhost:4317"),
        ("${env:N}", ExpandedValue(7, "007")),
        ("${env:LIST}", ExpandedValue(["a", "b"], "[a, b]")),
        ("${env:MAP}", ExpandedValue({"k": "v", "n": 5}, "{k: v, n: 5}")),
        ("x${env:MAP}", "x{k: v, n: 5}"),
        ("${env:QUOTED}", '"0123"'),
        ("${env:BAD}", "a: ["),
        ("${env:UNSET_X}", ExpandedValue(None, "")),
        ("${env:EMPTY}", ExpandedValue(None, "")),
        ("a${env:UNSET_X}b", "ab"),
        ("${env:UNSET_X:-5s}", "5s"),
        ("${env:UNSET_X:-localhost:4317}", "localhost:4317"),
        ("${env:A:-x:-y}", "aa"),
        ("${env:EMPTY:-fallback}", ExpandedValue(None, "")),  # set-but-empty is not unset
        ("${env:UNSET_X:-}", ""),
        ("${env:UNSET_X:-${env:A}}", "aa"),
        ("${env:NEST}", "aa"),
        ("$$5 a$$b $$$$ $1 $VAR", "$5 a$b $$ $1 $VAR"),
        ("$${env:A}", "${env:A}"),
        ("$${env:A} ${env:A}", "${env:A} ${env:A}"),  # Go stops at an escaped first reference
        ("${env:A} $${env:A}", "aa $aa"),  # ...and replaces every copy of an expanded one
        ("} ${env:A}", "} aa"),
        ("${env:DOL}", "p$q"),
        ("${yaml:[1, 2]}", ExpandedValue([1, 2], "[1, 2]")),
    ],
)
def test_expansion(monkeypatch: pytest.MonkeyPatch, value: str, expected: Any) -> None:
    for name, val in ENV.items():
        monkeypatch.setenv(name, val)
    monkeypatch.delenv("UNSET_X", raising=False)
    conf = resolve([f"yaml:k: '{value}'"])
    assert conf["k"] == expected
    assert resolve([f"yaml:l: ['{value}']"])["l"] == [expected]


def test_keys_are_not_expanded_and_raw_view(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("A", "aa")
    uris = ["yaml:'${env:A}': {x: '${env:A}', y: 'a$$b'}"]
    assert resolve(uris) == {"${env:A}": {"x": "aa", "y": "a$b"}}
    assert resolve_raw(uris) == {"${env:A}": {"x": "${env:A}", "y": "a$$b"}}
    assert to_plain(resolve(["yaml:p: '${yaml:7}'"])) == {"p": 7}


def test_unset_variable_warns(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.delenv("PASSWORD", raising=False)
    with caplog.at_level(logging.INFO, logger="t"):
        assert resolve(["yaml:p: '${env:PASSWORD}'"], logger=logging.getLogger("t")) == {"p": ExpandedValue(None, "")}
    [record] = caplog.records
    assert (record.levelno, record.getMessage()) == (
        logging.WARNING,
        "Configuration references unset environment variable",
    )
    assert record.__dict__["fields"] == {"name": "PASSWORD"}


@pytest.mark.parametrize(
    ("uris", "message"),
    [
        (["foo:bar"], 'unsupported scheme on URI "foo:bar"'),
        (["1foo:bar"], 'invalid uri: "1foo:bar"'),
        (
            ["/nonexistent/x.yaml"],
            "cannot retrieve the configuration: unable to read the file "
            "file:/nonexistent/x.yaml: open /nonexistent/x.yaml: no such file or directory",
        ),
        (
            ["file:/nonexistent//a/../x.yaml"],
            "cannot retrieve the configuration: unable to read the file "
            "file:/nonexistent//a/../x.yaml: open /nonexistent/x.yaml: no such file or directory",
        ),
        (["yaml:[1]"], "retrieved value (type=[]interface {}) cannot be used as a Conf"),
        (["yaml:hello"], "retrieved value (type=string) cannot be used as a Conf"),
        (
            ["yaml:a: [1"],
            "retrieved value (type=string) cannot be used as a Conf: assuming string type since "
            "contents are not valid YAML: yaml: line 1: did not find expected ',' or ']'",
        ),
        (
            ["yaml:1: a"],
            "cannot retrieve the configuration: unsupported type=map[interface {}]interface {} "
            "for retrieved config, ensure that values are wrapped in quotes",
        ),
        (
            ["yaml:a: ${env:1x}"],
            'environment variable "1x" has invalid name: must match regex ^[a-zA-Z_][a-zA-Z0-9_]*$',
        ),
        (["yaml:a: ${PORT:-4317}"], 'scheme "PORT" is not supported for uri "PORT:-4317"'),
        (["yaml:a: ${MY_VAR:-x}"], 'invalid uri: "MY_VAR:-x"'),
        (["yaml:a: ${env:A:-$$x}"], "the uri \"env:A:-$$x\" contains unsupported characters ('$')"),
        (["yaml:a: ${env:LOOP}"], "too many recursive expansions"),
        (
            [f"http://127.0.0.1:{HTTP_PORT + 1}/x.yaml"],
            f"cannot retrieve the configuration: unable to download the file via HTTP GET for uri "
            f'"http://127.0.0.1:{HTTP_PORT + 1}/x.yaml": Get "http://127.0.0.1:{HTTP_PORT + 1}/x.yaml": '
            f"dial tcp 127.0.0.1:{HTTP_PORT + 1}: connect: connection refused ",
        ),
    ],
)
def test_errors(monkeypatch: pytest.MonkeyPatch, uris: list[str], message: str) -> None:
    monkeypatch.setenv("LOOP", "${env:LOOP}")
    with pytest.raises(ResolveError) as exc:
        resolve(uris)
    assert str(exc.value) == message
    assert exc.value.at_creation == (uris[0] in ("foo:bar", "1foo:bar"))  # Go prints these without a prefix


@pytest.fixture
def http_server(tmp_path: Path) -> Iterator[str]:
    (tmp_path / "cfg.yaml").write_text("exporters: {debug: {verbosity: detailed}}\n")

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", HTTP_PORT), partial(Handler, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{HTTP_PORT}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_providers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, http_server: str) -> None:
    (tmp_path / "part.yaml").write_text("endpoint: h:4317\n")
    monkeypatch.setenv("CFG", "receivers: {otlp: }")
    conf = resolve(
        [
            "env:CFG",
            f"{http_server}/cfg.yaml",
            f"yaml:exporters::otlp::sub: ${{file:{tmp_path}/part.yaml}}",
            f"yaml:exporters::debug::url: '${{{http_server}/cfg.yaml}}'",
        ]
    )
    assert conf["receivers"] == {"otlp": None}
    assert conf["exporters"]["debug"]["verbosity"] == "detailed"
    assert conf["exporters"]["otlp"]["sub"] == ExpandedValue({"endpoint": "h:4317"}, "endpoint: h:4317\n")
    assert to_plain(conf["exporters"]["debug"]["url"]) == {"exporters": {"debug": {"verbosity": "detailed"}}}
    with pytest.raises(ResolveError) as exc:
        resolve([f"{http_server}/missing.yaml"])
    assert str(exc.value) == (
        f"cannot retrieve the configuration: failed to load resource from uri "
        f'"{http_server}/missing.yaml". status code: 404'
    )


def test_digest_11_9_two_files_and_set(tmp_path: Path) -> None:
    base = (
        "receivers: {otlp: {protocols: {grpc: }}}\nprocessors: {batch: }\nexporters: {debug: }\n"
        "service: {extensions: [zpages], pipelines: {traces: {receivers: [otlp], exporters: [debug]}}}"
    )
    override = (
        "exporters: {otlp_grpc: {endpoint: 'collector:4317'}}\nservice::pipelines::traces::exporters: [otlp_grpc]"
    )
    b, o = files(tmp_path, base, override)
    conf = resolve(
        [b, f"file:{o}", set_flag_to_uri("processors.batch.timeout=1s"), set_flag_to_uri("service.extensions=[]")]
    )
    assert conf["service"] == {
        "extensions": [],
        "pipelines": {"traces": {"receivers": ["otlp"], "exporters": ["otlp_grpc"]}},
    }
    assert conf["processors"] == {"batch": {"timeout": "1s"}}
    assert conf["exporters"] == {"debug": None, "otlp_grpc": {"endpoint": "collector:4317"}}
