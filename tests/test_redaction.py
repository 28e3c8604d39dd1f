"""print-initial-config hides opaque values (bearer tokens, basic-auth passwords, header values)
as ``[REDACTED]`` by default and shows them with ``--mode=unredacted`` (as Go's print-config and configopaque)."""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from pyotelcol.exporters.nop import create_factory as nop_exporter
from pyotelcol.extensions.basicauth import create_factory as basicauth
from pyotelcol.extensions.bearertokenauth import create_factory as bearertokenauth
from pyotelcol.receivers.otlp import create_factory as otlp

from pyotelcol.cli.main import main
from pyotelcol.component import StabilityLevel
from pyotelcol.config.redact import REDACTED, redact_component
from pyotelcol.factories import ExporterFactory, Factories, all_signals

TOKEN = "tok-3b1f9e"
TOKEN2 = "tok-second-77aa"
PASSWORD = "pw-5e7d1c"
HEADER_VALUE = "key-0c4f2a"
INLINE = "alice:plain-pw-8c1d"
KEY_PEM = "private-key-pem-91fe"  # configtls marks *_pem opaque


@dataclass
class _Auth:
    authenticator: str = ""


@dataclass
class _HeaderExporterConfig:
    """Shaped like the OTLP exporters' config: opaque header values, an auth section."""

    endpoint: str = ""
    headers: dict[str, str] = field(default_factory=dict, metadata={"opaque": True})
    auth: _Auth = field(default_factory=_Auth)


def _factories() -> Factories:
    factories = Factories()
    factories.add(otlp())
    factories.add(nop_exporter())
    factories.add(bearertokenauth())
    factories.add(basicauth())
    nop = nop_exporter()
    factories.add(
        ExporterFactory(
            "headerish", _HeaderExporterConfig, create=nop.create, stability=all_signals(StabilityLevel.BETA)
        )
    )
    return factories


CONFIG = f"""
extensions:
  bearertokenauth/in:
    tokens: ["{TOKEN}", "{TOKEN2}"]
  bearertokenauth/out:
    scheme: Token
    token: "${{env:TEST_REDACT_TOKEN}}"
  basicauth/out:
    client_auth: {{username: svc, password: "{PASSWORD}"}}
  basicauth/in:
    htpasswd: {{inline: "{INLINE}"}}
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:27900
        auth: {{authenticator: bearertokenauth/in}}
        tls: {{cert_file: /etc/otel/server.crt, key_pem: "{KEY_PEM}"}}
exporters:
  headerish:
    endpoint: https://backend:4318
    headers: {{X-Api-Key: "{HEADER_VALUE}", X-Tenant: "{HEADER_VALUE}"}}
    auth: {{authenticator: basicauth/out}}
  nop:
service:
  extensions: [bearertokenauth/in, bearertokenauth/out, basicauth/out, basicauth/in]
  pipelines:
    traces: {{receivers: [otlp], exporters: [headerish, nop]}}
"""

SECRETS = (TOKEN, TOKEN2, PASSWORD, HEADER_VALUE, "plain-pw-8c1d", "env-token-aa91", KEY_PEM)


def _print(tmp_path: Path, capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[int, str, str]:
    path = tmp_path / "config.yaml"
    path.write_text(textwrap.dedent(CONFIG))
    code = main(["print-initial-config", "--config", str(path), *flags], factories=_factories())
    out, err = capsys.readouterr()
    return code, out, err


def test_redacted_by_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_REDACT_TOKEN", "env-token-aa91")
    code, out, err = _print(tmp_path, capsys)
    assert (code, err) == (0, "")
    for secret in SECRETS:
        assert secret not in out
    doc = yaml.safe_load(out)
    ext = doc["extensions"]
    assert ext["bearertokenauth/in"]["tokens"] == [REDACTED, REDACTED]
    assert ext["bearertokenauth/out"] == {"scheme": "Token", "token": REDACTED}
    assert ext["basicauth/out"]["client_auth"] == {"username": "svc", "password": REDACTED}
    assert ext["basicauth/in"]["htpasswd"] == {"inline": REDACTED}
    exporter = doc["exporters"]["headerish"]
    assert exporter["headers"] == {"X-Api-Key": REDACTED, "X-Tenant": REDACTED}
    assert exporter["endpoint"] == "https://backend:4318"
    assert exporter["auth"] == {"authenticator": "basicauth/out"}
    grpc_section = doc["receivers"]["otlp"]["protocols"]["grpc"]
    assert grpc_section["endpoint"] == "127.0.0.1:27900"
    assert grpc_section["tls"] == {"cert_file": "/etc/otel/server.crt", "key_pem": REDACTED}
    assert doc["exporters"]["nop"] is None

    # explicit --mode=redacted and JSON output hide them too
    code, out, _ = _print(tmp_path, capsys, "--mode=redacted", "--format=json")
    assert code == 0 and json.loads(out)["extensions"]["bearertokenauth/in"]["tokens"] == [REDACTED, REDACTED]
    assert not any(secret in out for secret in SECRETS)
    code, out, _ = _print(tmp_path, capsys, "--validate=false")
    assert code == 0 and not any(secret in out for secret in SECRETS)


def test_unredacted_shows_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_REDACT_TOKEN", "env-token-aa91")
    code, out, err = _print(tmp_path, capsys, "--mode", "unredacted")
    assert (code, err) == (0, "")
    doc = yaml.safe_load(out)
    assert doc["extensions"]["bearertokenauth/in"]["tokens"] == [TOKEN, TOKEN2]
    assert doc["extensions"]["bearertokenauth/out"]["token"] == "env-token-aa91"
    assert doc["extensions"]["basicauth/out"]["client_auth"]["password"] == PASSWORD
    assert doc["exporters"]["headerish"]["headers"] == {"X-Api-Key": HEADER_VALUE, "X-Tenant": HEADER_VALUE}
    assert doc["receivers"]["otlp"]["protocols"]["grpc"]["tls"]["key_pem"] == KEY_PEM


def test_invalid_config_prints_no_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_REDACT_TOKEN", "env-token-aa91")
    path = tmp_path / "bad.yaml"
    path.write_text(textwrap.dedent(CONFIG).replace("    scheme: Token\n", "    scheme: Token\n    tokens: [a]\n"))
    code = main(["print-initial-config", "--config", str(path)], factories=_factories())
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert "extensions::bearertokenauth/out: either tokens or token should be provided, not both" in err
    assert not any(secret in err for secret in SECRETS)


@dataclass
class _Pair:
    name: str = ""
    value: str = ""


@dataclass
class _Nested:
    secret: str = field(default="", metadata={"opaque": True})
    items: list[str] = field(default_factory=list, metadata={"opaque": True})
    empty_map: dict[str, str] = field(default_factory=dict, metadata={"opaque": True})
    pairs: Any = field(default_factory=list, metadata={"opaque": True})
    plain: str = ""


@dataclass
class _Outer:
    children: list[_Nested] = field(default_factory=list)
    by_name: dict[str, _Nested] = field(default_factory=dict)
    yaml_key: _Nested = field(default_factory=_Nested, metadata={"key": "yaml-key"})


def test_redact_component_walks_nested_shapes() -> None:
    raw: dict[str, Any] = {
        "children": [{"secret": "s1", "plain": "p"}, {"items": "a,b"}],
        "by_name": {"x": {"secret": None, "empty_map": None, "pairs": [{"name": "H", "value": "v"}]}},
        "yaml-key": {"secret": 12},
    }
    decoded = _Outer(
        children=[_Nested(secret="s1", plain="p"), _Nested(items=["a", "b"])],
        by_name={"x": _Nested(pairs=[{"name": "H", "value": "v"}])},
        yaml_key=_Nested(secret="12"),
    )
    assert redact_component(decoded, raw) == {
        "children": [{"secret": REDACTED, "plain": "p"}, {"items": REDACTED}],
        "by_name": {"x": {"secret": REDACTED, "empty_map": None, "pairs": [{"name": "H", "value": REDACTED}]}},
        "yaml-key": {"secret": REDACTED},
    }
    assert raw["children"][0]["secret"] == "s1"  # the input is left alone
