"""Record what Go's oidc authenticator answers to a set of tokens, for test_go_differential.py.

    python tests/extensions/oidc/testdata/make_fixtures.py /path/to/otelcol-with-oidcauth

The binary is tools/otelcol-ref with ``oidcauthextension`` (contrib v0.165.0) added to its
extensions. The provider uses ``public_keys_file`` (jwks.json here), so no identity provider has
to run and the tokens are fixed: they are made from keys this script generates (jwks.json gets their
public halves) and stored with Go's answers in go_answers.json. Each case is sent as the
``authorization`` header of an (empty) OTLP trace export, over gRPC and over HTTP. The error lines
of ``validate`` for a few bad configs go to go_validate.json.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ISSUER = "https://idp.example.com"
AUDIENCE = "otel"
FAR = 4102444800  # 2100-01-01
PAST = 946684800  # 2000-01-01

CONFIG = """
extensions:
  oidc:
    providers:
      - issuer_url: {issuer}
        audience: {audience}
        username_claim: email
        groups_claim: groups
        public_keys_file: {jwks}
receivers:
  otlp:
    protocols:
      grpc: {{endpoint: "127.0.0.1:{grpc}", auth: {{authenticator: oidc}}}}
      http: {{endpoint: "127.0.0.1:{http}", auth: {{authenticator: oidc}}}}
exporters:
  debug: {{verbosity: basic}}
service:
  telemetry: {{metrics: {{level: none}}}}
  extensions: [oidc]
  pipelines:
    traces: {{receivers: [otlp], exporters: [debug]}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"port {port} did not open")


def write_config(path: Path, grpc_port: int, http_port: int) -> None:
    path.write_text(
        CONFIG.format(issuer=ISSUER, audience=AUDIENCE, jwks=HERE / "jwks.json", grpc=grpc_port, http=http_port)
    )


def probe_grpc(port: int, authorization: str | None) -> dict[str, Any]:
    import grpc
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    metadata = (("authorization", authorization),) if authorization is not None else None
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        export = channel.unary_unary(
            "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
            request_serializer=ExportTraceServiceRequest.SerializeToString,
            response_deserializer=lambda b: b,
        )
        try:
            export(ExportTraceServiceRequest(), timeout=10, metadata=metadata)
        except grpc.RpcError as exc:
            return {"code": exc.code().value[0], "message": exc.details()}
    return {"code": 0, "message": ""}


def probe_http(port: int, authorization: str | None) -> dict[str, Any]:
    headers = {"Content-Type": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/traces", data=b"{}", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return {"status": resp.status, "message": ""}
    except urllib.error.HTTPError as exc:
        body = exc.read().decode("utf-8", "replace")
        status = exc.code
    try:
        message = json.loads(body).get("message", body)
    except ValueError:
        message = body.strip()
    return {"status": status, "message": message}


def probe(grpc_port: int, http_port: int, authorization: str | None) -> dict[str, Any]:
    return {"grpc": probe_grpc(grpc_port, authorization), "http": probe_http(http_port, authorization)}


_ALG_LIST = re.compile(r"expected \[([^\]]*)\]")


def normalize(message: str) -> str:
    """What may differ from run to run: Go lists the allowed algorithms in map order, and the
    nbf error shows the current time."""
    message = _ALG_LIST.sub(lambda m: "expected [" + " ".join(sorted(m.group(1).split())) + "]", message)
    return re.sub(r"oidc: current time .*? before the nbf", "oidc: current time <now> before the nbf", message)


# -- keys and tokens ----------------------------------------------------------------------------


def _new_keys() -> dict[str, Any]:
    """Fresh test keys: k1 (RSA) and e1 (EC P-256) are published in jwks.json (rewritten here),
    stranger is not. The private halves are not kept: the tokens made from them are stored."""
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    made: dict[str, Any] = {
        "k1": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "e1": ec.generate_private_key(ec.SECP256R1()),
        "stranger": rsa.generate_private_key(public_exponent=65537, key_size=2048),
    }
    import jwt

    public = []
    for kid, alg, algorithm in (
        ("k1", "RS256", jwt.algorithms.RSAAlgorithm),
        ("e1", "ES256", jwt.algorithms.ECAlgorithm),
    ):
        doc = json.loads(algorithm.to_jwk(made[kid].public_key()))
        doc.update(kid=kid, alg=alg, use="sig")
        public.append(doc)
    (HERE / "jwks.json").write_text(json.dumps({"keys": public}, indent=1) + "\n")
    return made


def tokens() -> dict[str, str | None]:
    """Case name → the authorization header value (None: no header)."""
    import jwt

    keys = _new_keys()

    def claims(**extra: Any) -> dict[str, Any]:
        base = {"iss": ISSUER, "aud": AUDIENCE, "sub": "u-1", "exp": FAR, "email": "ann@example.com"}
        base["groups"] = ["dev", "ops"]
        base.update(extra)
        return {k: v for k, v in base.items() if v is not None}

    def raw_rs(payload: bytes, key: str = "k1", kid: str = "k1") -> str:
        # the JWS layer: PyJWT's JWT layer would refuse the odd claims some cases need
        return str(jwt.api_jws.encode(payload, keys[key], algorithm="RS256", headers={"kid": kid}))

    def rs(payload: dict[str, Any], key: str = "k1", kid: str = "k1") -> str:
        return raw_rs(json.dumps(payload).encode(), key, kid)

    good = rs(claims())
    header, payload, signature = good.split(".")
    return {
        "valid_rs256": f"Bearer {good}",
        "valid_es256": f"Bearer {jwt.encode(claims(), keys['e1'], algorithm='ES256', headers={'kid': 'e1'})}",
        "other_scheme_word": f"Token {good}",
        "aud_list": f"Bearer {rs(claims(aud=['x', AUDIENCE]))}",
        "groups_single_string": f"Bearer {rs(claims(groups='solo'))}",
        "groups_number": f"Bearer {rs(claims(groups=7))}",
        "missing_header": None,
        "empty_value": "",
        "scheme_only": "Bearer",
        "three_words": f"Bearer {good} extra",
        "two_spaces": f"Bearer  {good}",
        "empty_token": "Bearer ",
        "one_part": "Bearer abc",
        "two_parts": "Bearer abc.def",
        "bad_base64": "Bearer a!bc.def.ghi",
        "alg_none": "Bearer " + str(jwt.encode(claims(), "", algorithm="none")),
        "alg_hs256": "Bearer " + str(jwt.encode(claims(), "s" * 32, algorithm="HS256")),
        "expired": f"Bearer {rs(claims(exp=PAST))}",
        "no_exp": f"Bearer {rs(claims(exp=None))}",
        "nbf_future": f"Bearer {rs(claims(nbf=FAR - 10))}",
        "wrong_audience": f"Bearer {rs(claims(aud='someone-else'))}",
        "no_audience": f"Bearer {rs(claims(aud=None))}",
        "wrong_issuer": f"Bearer {rs(claims(iss='https://evil.example'))}",
        "unknown_key": f"Bearer {rs(claims(), key='stranger', kid='k9')}",
        "forged_with_known_kid": f"Bearer {rs(claims(), key='stranger')}",
        "tampered_payload": f"Bearer {header}.{payload[:-4]}AAAA.{signature}",
        "tampered_signature": f"Bearer {header}.{payload}.{signature[:-6]}AAAAAA",
        "username_claim_missing": f"Bearer {rs(claims(email=None))}",
        "username_not_string": f"Bearer {rs(claims(email=42))}",
        "groups_claim_missing": f"Bearer {rs(claims(groups=None))}",
        "payload_not_object": f"Bearer {raw_rs(b'[1,2]')}",
        "issuer_not_string": f"Bearer {rs(claims(iss=5))}",
        "exp_not_number": f"Bearer {rs(claims(exp='soon'))}",
        "exp_numeric_string": f"Bearer {rs(claims(exp=str(FAR)))}",
        "exp_bool": f"Bearer {rs(claims(exp=True))}",
        "iat_not_number": f"Bearer {rs(claims(iat='yesterday'))}",
        "sub_not_string": f"Bearer {rs(claims(sub=12))}",
        "aud_number": f"Bearer {rs(claims(aud=3))}",
        "aud_list_with_number": f"Bearer {rs(claims(aud=['otel', 3]))}",
        "nbf_past": f"Bearer {rs(claims(nbf=PAST))}",
        "kid_absent": f"Bearer {jwt.encode(claims(), keys['k1'], algorithm='RS256')}",
        "ps256_not_allowed": f"Bearer {jwt.encode(claims(), keys['k1'], algorithm='PS256', headers={'kid': 'k1'})}",
    }


#: ``oidc`` sections whose ``validate`` errors are compared
VALIDATE_CASES = {
    "no_audience": "{issuer_url: http://a}",
    "no_issuer": "{audience: x}",
    "no_provider": "{}",
    "several": "{issuer_url: http://a, audience: x, providers: [{issuer_url: http://a, audience: y}, "
    "{issuer_url: http://b, ignore_issuer: true}]}",
    "bad_keys_file": "{providers: [{issuer_url: http://a, audience: x, public_keys_file: /nonexistent/k.json}]}",
}

VALIDATE_CONFIG = """
extensions:
  oidc: {section}
receivers: {{otlp: {{protocols: {{http: {{endpoint: "127.0.0.1:0", auth: {{authenticator: oidc}}}}}}}}}}
exporters: {{debug: {{}}}}
service:
  telemetry: {{metrics: {{level: none}}}}
  extensions: [oidc]
  pipelines: {{traces: {{receivers: [otlp], exporters: [debug]}}}}
"""


def validate_errors(command: list[str], section: str) -> list[str]:
    """The distinct ``extensions::oidc...`` error lines ``<command> validate`` prints, sorted."""
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.yaml"
        config.write_text(VALIDATE_CONFIG.format(section=section))
        result = subprocess.run(
            [*command, "validate", "--config", str(config)], capture_output=True, text=True, timeout=60
        )
    found = set()
    for line in (result.stderr + result.stdout).splitlines():
        line = re.sub(r"^(Error: |\d{4}/\d\d/\d\d \d\d:\d\d:\d\d )", "", line)
        if line.startswith("extensions::oidc"):
            found.add(line)
    return sorted(found)


def main() -> None:
    binary = sys.argv[1]
    cases = tokens()
    with tempfile.TemporaryDirectory() as tmp:
        grpc_port, http_port = free_port(), free_port()
        config = Path(tmp) / "config.yaml"
        write_config(config, grpc_port, http_port)
        proc = subprocess.Popen([binary, "--config", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_for_port(grpc_port)
            wait_for_port(http_port)
            answers = {
                name: {"authorization": value, **probe(grpc_port, http_port, value)} for name, value in cases.items()
            }
        finally:
            proc.terminate()
            proc.wait(30)
    (HERE / "go_answers.json").write_text(json.dumps(answers, indent=1, ensure_ascii=False) + "\n")
    validated = {name: validate_errors([binary], section) for name, section in VALIDATE_CASES.items()}
    (HERE / "go_validate.json").write_text(json.dumps(validated, indent=1) + "\n")


if __name__ == "__main__":
    main()
