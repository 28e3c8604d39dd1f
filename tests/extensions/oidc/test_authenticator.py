"""oidc extension: config rules and the authenticator against a local OIDC provider.

The provider is the test double of conftest.py (no real IdP can run here); everything else is the
extension itself: discovery, JWKS fetching and refresh, token checks and Go's error texts.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import ssl
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import jwt
import pytest
from pyotelcol.extensions.oidc import create_factory

from pyotelcol.component import Kind
from pyotelcol.config import DecodeError, decode, validate
from pyotelcol.extension import AuthError, ServerAuthenticator
from pyotelcol.testing import NopHost, make_settings


def _load_issuer_module() -> Any:
    name = "pyotelcol_test_oidc_issuer"  # the same name conftest.py loads it under
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("oidc_issuer.py"))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


_oidc = _load_issuer_module()
AUDIENCE: str = _oidc.AUDIENCE
Issuer = _oidc.Issuer
new_key = _oidc.new_key
self_signed = _oidc.self_signed
start_issuer = _oidc.start_issuer


def config(raw: dict[str, Any]) -> Any:
    default = create_factory().create_default_config()
    return decode(type(default), raw, default)


def errors(raw: dict[str, Any]) -> list[str]:
    return validate(config(raw), "extensions::oidc")


def make(raw: dict[str, Any]) -> Any:
    return create_factory().create(make_settings("oidc", Kind.EXTENSION), config(raw))


def run(raw: dict[str, Any], body: Callable[[Any], Awaitable[None]]) -> None:
    """Start the extension with ``raw``, run ``body(ext)``, shut it down."""

    async def main() -> None:
        ext = make(raw)
        await ext.start(NopHost())
        try:
            await body(ext)
        finally:
            await ext.shutdown()

    asyncio.run(main())


async def refused(ext: Any, headers: dict[str, list[str]]) -> str:
    with pytest.raises(AuthError) as info:
        await ext.authenticate(headers)
    return str(info.value)


def bearer(token: str) -> dict[str, list[str]]:
    return {"authorization": [f"Bearer {token}"]}


# -- configuration ------------------------------------------------------------------------------


def test_defaults_and_unknown_keys() -> None:
    cfg = config({})
    assert cfg.attribute == "authorization" and cfg.providers == [] and cfg.issuer_url == ""
    assert create_factory().type == "oidc"
    with pytest.raises(DecodeError, match="has invalid keys: bogus"):
        config({"providers": [{"issuer_url": "http://x", "audience": "a", "bogus": 1}]})
    with pytest.raises(DecodeError, match="has invalid keys: ignore_issuer"):
        config({"ignore_issuer": True})  # only the providers form has it, as in Go


def test_validation_messages(tmp_path: Path) -> None:
    assert errors({}) == []  # Go accepts no provider at all (every token is then refused)
    assert errors({"issuer_url": "http://idp"}) == ["extensions::oidc: no Audience provided for the OIDC configuration"]
    assert errors({"audience": "a"}) == ["extensions::oidc: no IssuerURL provided for the OIDC configuration"]
    assert errors({"issuer_url": "http://idp", "ignore_audience": True}) == []
    two = {
        "providers": [{"issuer_url": "http://a", "audience": "x", "ignore_issuer": True}, {"issuer_url": "http://b"}]
    }
    # Go's texts: the extension's errors joined by "; ", and each provider's own check again
    assert errors(two) == [
        "extensions::oidc::providers::1: no Audience provided for the OIDC configuration",
        "extensions::oidc: ignore_issuer cannot be true when multiple providers are configured; "
        "no Audience provided for the OIDC configuration",
    ]
    dup = {"issuer_url": "http://a", "audience": "x", "providers": [{"issuer_url": "http://a", "audience": "y"}]}
    assert errors(dup) == ["extensions::oidc: duplicate issuer URL found: http://a"]
    missing = tmp_path / "absent.json"
    bad = {"providers": [{"issuer_url": "http://a", "audience": "x", "public_keys_file": str(missing)}]}
    message = f'invalid public_keys_file "{missing}": could not read file: open {missing}: no such file or directory'
    assert errors(bad) == [f"extensions::oidc::providers::0: {message}", f"extensions::oidc: {message}"]
    only_hmac = tmp_path / "hmac.json"
    only_hmac.write_text(json.dumps({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}))
    bad["providers"][0]["public_keys_file"] = str(only_hmac)
    message = (
        f'invalid public_keys_file "{only_hmac}": file contains no supported keys '
        "(supported types are RSA, ECDSA, and ED25519)"
    )
    assert errors(bad) == [f"extensions::oidc::providers::0: {message}", f"extensions::oidc: {message}"]


# -- start --------------------------------------------------------------------------------------


def test_start_fails_when_discovery_fails(issuer: Any) -> None:
    async def main() -> None:
        wrong = make({"issuer_url": issuer.url + "/realms/x", "audience": AUDIENCE})
        with pytest.raises(ValueError) as info:
            await wrong.start(NopHost())
        assert str(info.value) == (
            "failed to get configuration from at least one configured auth server: failed to create OIDC provider "
            f'for "{issuer.url}/realms/x": 404 Not Found: 404: Not Found'
        )
        other = make({"issuer_url": issuer.url + "/", "audience": AUDIENCE})  # a trailing / is another issuer
        with pytest.raises(ValueError, match="did not match the issuer URL returned by provider"):
            await other.start(NopHost())

    asyncio.run(main())


def test_issuer_ca_path(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    issuer, server = start_issuer(tls)
    try:
        run(
            {"issuer_url": issuer.url, "audience": AUDIENCE, "issuer_ca_path": str(cert)},
            lambda ext: ext.authenticate(bearer(issuer.sign())),
        )

        async def untrusted() -> None:
            ext = make({"issuer_url": issuer.url, "audience": AUDIENCE})  # system roots only
            with pytest.raises(ValueError, match=r"CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
                await ext.start(NopHost())

        asyncio.run(untrusted())
        empty = tmp_path / "empty.pem"
        empty.write_bytes(b"")

        async def bad_ca() -> None:
            ext = make({"issuer_url": issuer.url, "audience": AUDIENCE, "issuer_ca_path": str(empty)})
            with pytest.raises(ValueError) as info:
                await ext.start(NopHost())
            assert str(info.value).endswith(f'could not read the CA file "{empty}": empty file')

        asyncio.run(bad_ca())
    finally:
        server.close()


# -- tokens -------------------------------------------------------------------------------------


def test_valid_token_and_auth_data(issuer: Any) -> None:
    raw = {"issuer_url": issuer.url, "audience": AUDIENCE, "username_claim": "email", "groups_claim": "groups"}

    async def body(ext: Any) -> None:
        assert isinstance(ext, ServerAuthenticator)
        token = issuer.sign(email="ann@example.com", groups=["dev", "ops"], tenant="t-7", aud=["other", AUDIENCE])
        data = await ext.authenticate({"Authorization": [f"Bearer {token}"]})  # the key's case does not matter
        assert data["subject"] == "ann@example.com" and data["membership"] == ["dev", "ops"]
        assert data["raw"] == token and data["claims.tenant"] == "t-7" and data["claims.sub"] == "user-1"
        # Go checks the format only: any first word passes, like "Bearer"
        assert (await ext.authenticate({"authorization": [f"Token {token}"]}))["subject"] == "ann@example.com"
        single = issuer.sign(email="b@example.com", groups="solo")
        assert (await ext.authenticate(bearer(single)))["membership"] == ["solo"]
        mixed = issuer.sign(email="c@example.com", groups=[1, True, "x"])
        assert (await ext.authenticate(bearer(mixed)))["membership"] == ["1", "true", "x"]
        assert await refused(ext, bearer(issuer.sign(groups=["g"]))) == (
            "failed to get subject from claims in the token: username claim from the OIDC configuration not found "
            "on the token returned by the OIDC provider"
        )
        assert await refused(ext, bearer(issuer.sign(email=7, groups=["g"]))) == (
            "failed to get subject from claims in the token: the username returned by the OIDC provider isn't a "
            "regular string"
        )
        assert await refused(ext, bearer(issuer.sign(email="d@example.com"))) == (
            "failed to get groups from claims in the token: groups claim from the OIDC configuration not found on "
            "the token returned by the OIDC provider"
        )

    run(raw, body)


def test_refusals_with_go_texts(issuer: Any) -> None:
    stranger = new_key("key-1")  # same kid as the published key, different key: a forged token

    async def body(ext: Any) -> None:
        assert await refused(ext, {}) == "authentication didn't succeed"
        assert await refused(ext, {"authorization": []}) == "authentication didn't succeed"
        assert await refused(ext, {"x-token": [issuer.sign()]}) == "authentication didn't succeed"
        for value in (issuer.sign(), "Bearer", f"Bearer  {issuer.sign()}", f"Bearer {issuer.sign()} x", ""):
            assert await refused(ext, {"authorization": [value]}) == "invalid authorization header format"
        assert (await refused(ext, bearer("not-a-jwt"))).startswith("failed to parse the token: oidc: malformed jws:")

        expired = issuer.sign(ttl=-10)
        assert (await refused(ext, bearer(expired))).startswith(
            "failed to verify token: oidc: token is expired (Token Expiry: "
        )
        assert await refused(ext, bearer(issuer.sign(exp=None))) == (
            "failed to verify token: oidc: token is expired (Token Expiry: 0001-01-01 00:00:00 +0000 UTC)"
        )
        assert await refused(ext, bearer(issuer.sign(aud="someone-else"))) == (
            f'failed to verify token: oidc: expected audience "{AUDIENCE}" got ["someone-else"]'
        )
        assert await refused(ext, bearer(issuer.sign(iss="https://evil.example"))) == (
            "failed to verify token: oidc: id token issued by a different provider, "
            f'expected "{issuer.url}" got "https://evil.example"'
        )
        forged = "failed to verify token: failed to verify signature: failed to verify id token signature"
        assert await refused(ext, bearer(issuer.sign(stranger))) == forged
        header, payload, signature = issuer.sign().split(".")
        claims = json.loads(jwt.utils.base64url_decode(payload))
        claims["sub"] = "admin"
        tampered = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
        assert await refused(ext, bearer(f"{header}.{tampered}.{signature}")) == forged
        assert await refused(ext, bearer(issuer.sign(new_key("unknown-kid")))) == forged
        # alg "none" and HMAC (a shared secret) are never accepted
        unsigned = jwt.encode({"iss": issuer.url, "aud": AUDIENCE, "exp": time.time() + 60}, "", algorithm="none")
        assert (await refused(ext, bearer(unsigned))).startswith("failed to parse the token: oidc: malformed jws:")
        hmac = jwt.encode({"iss": issuer.url, "aud": AUDIENCE, "exp": time.time() + 60}, "k" * 32, algorithm="HS256")
        assert (await refused(ext, bearer(hmac))).startswith("failed to parse the token: oidc: malformed jws:")
        # discovery announced RS256 only: an ES256 token is refused before its signature is looked at
        es = new_key("es-1", "ES256")
        issuer.keys.append(es)
        assert (await refused(ext, bearer(issuer.sign(es)))).startswith(
            'failed to verify token: oidc: malformed jwt: unexpected signature algorithm "ES256"'
        )
        # nbf: 5 minutes of clock skew allowed, not more
        assert (await ext.authenticate(bearer(issuer.sign(nbf=int(time.time()) + 200))))["subject"] == "user-1"
        assert "before the nbf (not before) time" in await refused(ext, bearer(issuer.sign(nbf=time.time() + 900)))

    run({"issuer_url": issuer.url, "audience": AUDIENCE}, body)


def test_key_rotation_refetches_keys(issuer: Any) -> None:
    async def body(ext: Any) -> None:
        assert issuer.jwks_requests == 0  # keys are fetched on the first token, as go-oidc does
        for _ in range(3):
            await ext.authenticate(bearer(issuer.sign()))
        assert issuer.jwks_requests == 1  # then cached
        old = issuer.keys[0]
        issuer.keys = [new_key("key-2")]  # the provider rotates
        assert (await ext.authenticate(bearer(issuer.sign())))["subject"] == "user-1"
        assert issuer.jwks_requests == 2
        # the old key is gone from the set: its tokens now fail (after one more fetch)
        assert "failed to verify id token signature" in await refused(ext, bearer(issuer.sign(old)))
        # concurrent unknown tokens share one fetch
        issuer.keys = [new_key("key-3")]
        before = issuer.jwks_requests
        tokens = [issuer.sign() for _ in range(5)]
        results = await asyncio.gather(*(ext.authenticate(bearer(t)) for t in tokens))
        assert [r["subject"] for r in results] == ["user-1"] * 5
        assert issuer.jwks_requests == before + 1

    run({"issuer_url": issuer.url, "audience": AUDIENCE}, body)


def test_other_algorithms(issuer: Any) -> None:
    issuer.algorithms = ["RS256", "PS256", "ES256", "ES384", "EdDSA", "HS256", "none"]
    issuer.keys = [new_key(f"k-{alg}", alg) for alg in ("PS256", "ES256", "ES384", "EdDSA")]

    async def body(ext: Any) -> None:
        for key in issuer.keys:
            assert (await ext.authenticate(bearer(issuer.sign(key))))["subject"] == "user-1", key.alg
        # a token without kid: every published key is tried
        bad = jwt.encode({"iss": issuer.url, "aud": AUDIENCE, "exp": time.time() + 60}, issuer.keys[1].private, "ES256")
        header = json.loads(jwt.utils.base64url_decode(bad.split(".")[0]))
        assert header["alg"] == "ES256" and "kid" not in header
        assert (await ext.authenticate(bearer(bad)))["subject"] == ""  # no sub claim

    run({"issuer_url": issuer.url, "audience": AUDIENCE}, body)


def test_ignore_audience_and_issuer(issuer: Any) -> None:
    async def body(ext: Any) -> None:
        data = await ext.authenticate(bearer(issuer.sign(aud="anything", iss="https://elsewhere")))
        assert data["claims.iss"] == "https://elsewhere"

    run({"providers": [{"issuer_url": issuer.url, "ignore_audience": True, "ignore_issuer": True}]}, body)


def test_two_providers_pick_by_issuer(issuer: Any) -> None:
    second, server = start_issuer()
    try:
        raw = {
            "attribute": "X-Id-Token",
            "providers": [
                {"issuer_url": issuer.url, "audience": AUDIENCE},
                {"issuer_url": second.url, "audience": AUDIENCE, "username_claim": "name"},
            ],
        }

        async def body(ext: Any) -> None:
            assert (await ext.authenticate({"x-id-token": [f"Bearer {issuer.sign()}"]}))["subject"] == "user-1"
            assert (await ext.authenticate({"x-id-token": [f"Bearer {second.sign(name='zed')}"]}))["subject"] == "zed"
            assert await refused(ext, bearer(issuer.sign())) == "authentication didn't succeed"
            stray = issuer.sign(iss="https://nobody")
            assert await refused(ext, {"x-id-token": [f"Bearer {stray}"]}) == (
                'failed to resolve OIDC provider for the issuer "https://nobody": no OIDC provider configured for '
                'the issuer "https://nobody"'
            )
            # a token signed by the first issuer's key but claiming the second issuer
            forged = issuer.sign(iss=second.url)
            assert "failed to verify id token signature" in await refused(ext, {"x-id-token": [f"Bearer {forged}"]})

        run(raw, body)
    finally:
        server.close()


def test_public_keys_file_and_reload(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pyotelcol.helpers.filewatch.POLL_INTERVAL_S", 0.05)
    issuer = Issuer(url="https://idp.invalid", keys=[new_key("f-1")])  # never contacted: no discovery
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [issuer.keys[0].jwk()]}))

    async def body(ext: Any) -> None:
        assert (await ext.authenticate(bearer(issuer.sign())))["subject"] == "user-1"
        new = new_key("f-2", "ES256")
        path.write_text(json.dumps({"keys": [new.jwk()]}))
        deadline = time.monotonic() + 10
        while True:
            try:
                await ext.authenticate(bearer(issuer.sign(new)))
                break
            except AuthError:
                assert time.monotonic() < deadline, "JWKS file change not picked up"
                await asyncio.sleep(0.05)
        assert "malformed jwt" in await refused(ext, bearer(issuer.sign()))  # RS256 no longer allowed

    run({"providers": [{"issuer_url": issuer.url, "audience": AUDIENCE, "public_keys_file": str(path)}]}, body)


def test_no_provider_refuses_everything(issuer: Any) -> None:
    async def body(ext: Any) -> None:
        assert await refused(ext, bearer(issuer.sign())) == (
            f'failed to resolve OIDC provider for the issuer "{issuer.url}": no OIDC provider configured for the '
            f'issuer "{issuer.url}"'
        )

    run({}, body)


def test_jwks_problems_keep_the_cached_keys(issuer: Any) -> None:
    async def body(ext: Any) -> None:
        first = issuer.sign()
        assert (await ext.authenticate(bearer(first)))["subject"] == "user-1"
        new = new_key("key-2")
        issuer.jwks_answer = (500, "boom")
        assert await refused(ext, bearer(issuer.sign(new))) == (
            "failed to verify token: failed to verify signature: fetching keys oidc: get keys failed: "
            "500 Internal Server Error boom"
        )
        bad_ec = {"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA", "kid": "bad"}
        issuer.jwks_answer = (200, json.dumps({"keys": [bad_ec]}))
        assert (await refused(ext, bearer(issuer.sign(new)))).startswith(
            "failed to verify token: failed to verify signature: fetching keys oidc: failed to decode keys: "
            "go-jose/go-jose: invalid EC key, wrong length for x/y {"
        )
        assert (await ext.authenticate(bearer(first)))["subject"] == "user-1"  # the cache survived
        # keys go-oidc skips: an unsupported alg, an HMAC secret, an X25519 key; the rest is used
        skipped = [
            {**bad_ec, "alg": "ES256K"},
            {"kty": "oct", "k": "c2VjcmV0", "kid": "key-2"},
            {"kty": "OKP", "crv": "X25519", "x": "AAAA", "kid": "x"},
        ]
        issuer.jwks_answer = (200, json.dumps({"keys": [*skipped, new.jwk()]}))
        assert (await ext.authenticate(bearer(issuer.sign(new))))["subject"] == "user-1"

    run({"issuer_url": issuer.url, "audience": AUDIENCE}, body)


def test_signature_checks_match_key_and_algorithm(issuer: Any) -> None:
    """An ES384 header on a P-256 key, an RSA key for an ES256 token, a truncated ECDSA
    signature: none verify."""
    p256 = new_key("p256", "ES256")
    issuer.algorithms = ["ES256", "ES384", "RS256"]
    issuer.keys = [p256]

    async def body(ext: Any) -> None:
        good = issuer.sign(p256)
        assert (await ext.authenticate(bearer(good)))["subject"] == "user-1"
        header, payload, signature = good.split(".")
        fields = json.loads(jwt.utils.base64url_decode(header))
        relabelled = jwt.utils.base64url_encode(json.dumps({**fields, "alg": "ES384"}).encode()).decode()
        forged = "failed to verify token: failed to verify signature: failed to verify id token signature"
        assert await refused(ext, bearer(f"{relabelled}.{payload}.{signature}")) == forged
        assert await refused(ext, bearer(f"{header}.{payload}.{signature[:-8]}")) == forged
        rsa_with_same_kid = new_key("p256", "RS256")
        assert await refused(ext, bearer(issuer.sign(rsa_with_same_kid))) == forged

    run({"issuer_url": issuer.url, "audience": AUDIENCE}, body)
