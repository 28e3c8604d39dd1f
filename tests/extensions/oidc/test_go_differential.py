"""pyotelcol's oidc authenticator against Go's answers (testdata/go_answers.json, recorded from the
Go collector with oidcauthextension v0.165.0 by testdata/make_fixtures.py): the same config (a
``public_keys_file`` provider), the same tokens, sent over gRPC and HTTP; the status codes and the
error texts must match; so must the errors of ``validate`` for a few bad configs
(testdata/go_validate.json).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pyotelcol.extensions.oidc import create_factory
from support import Collector, free_port, wait_for_port

from pyotelcol.config import decode, validate

TESTDATA = Path(__file__).resolve().parent / "testdata"
GO_ANSWERS: dict[str, dict[str, Any]] = json.loads((TESTDATA / "go_answers.json").read_text())

# Where Go's text is a JSON syntax error from Go's own decoder, only the part before it is compared.
GO_JSON_DECODER_TEXT = {
    "tampered_payload": "failed to parse the token: oidc: failed to unmarshal claims: ",
}


def _fixtures() -> Any:
    name = "pyotelcol_test_oidc_make_fixtures"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, TESTDATA / "make_fixtures.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="module")
def ports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, int]]:
    grpc_port, http_port = free_port(), free_port()
    config = tmp_path_factory.mktemp("oidc-diff") / "config.yaml"
    _fixtures().write_config(config, grpc_port, http_port)
    col = Collector(config)
    try:
        wait_for_port(grpc_port, col.proc)
        wait_for_port(http_port, col.proc)
        yield grpc_port, http_port
    finally:
        code, _, err = col.stop()
        assert code == 0, err


def _same(case: str, ours: str, go: str) -> bool:
    fixtures = _fixtures()
    prefix = GO_JSON_DECODER_TEXT.get(case)
    if prefix is not None and go.startswith(prefix):
        return ours.startswith(prefix)
    return bool(fixtures.normalize(ours) == fixtures.normalize(go))


@pytest.mark.parametrize("case", sorted(GO_ANSWERS))
def test_same_answer_as_go(ports: tuple[int, int], case: str) -> None:
    go = GO_ANSWERS[case]
    ours = _fixtures().probe(*ports, go["authorization"])
    assert ours["grpc"]["code"] == go["grpc"]["code"]
    assert ours["http"]["status"] == go["http"]["status"]
    assert _same(case, ours["grpc"]["message"], go["grpc"]["message"]), (ours["grpc"], go["grpc"])
    assert _same(case, ours["http"]["message"], go["http"]["message"]), (ours["http"], go["http"])


GO_VALIDATE: dict[str, list[str]] = json.loads((TESTDATA / "go_validate.json").read_text())


@pytest.mark.parametrize("case", sorted(GO_VALIDATE))
def test_same_validate_errors_as_go(case: str) -> None:
    """In-process: the config as ``pyotelcol validate`` decodes and checks it."""
    factory = create_factory()
    default = factory.create_default_config()
    section = yaml.safe_load(_fixtures().VALIDATE_CASES[case])
    errors = validate(decode(type(default), section, default), "extensions::oidc")
    assert sorted(set(errors)) == GO_VALIDATE[case]
