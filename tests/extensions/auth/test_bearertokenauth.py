"""bearertokenauth: config rules, server check, client headers, token file reload, no leaks."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from pathlib import Path
from typing import Any

import pytest
from pyotelcol.extensions.bearertokenauth import create_factory

from pyotelcol.component import Kind
from pyotelcol.config import DecodeError, decode, validate
from pyotelcol.extension import AuthError, ClientAuthenticator, ServerAuthenticator
from pyotelcol.testing import NopHost, make_settings

TOKEN = "tok-9d1c0e77"


def config(raw: dict[str, Any]) -> Any:
    default = create_factory().create_default_config()
    return decode(type(default), raw, default)


def errors(raw: dict[str, Any]) -> list[str]:
    return validate(config(raw), "extensions::bearertokenauth")


def make(raw: dict[str, Any]) -> Any:
    return create_factory().create(make_settings("bearertokenauth", Kind.EXTENSION), config(raw))


def test_defaults_and_keys() -> None:
    cfg = config({})
    assert (cfg.header, cfg.scheme, cfg.token, cfg.tokens, cfg.filename) == ("Authorization", "Bearer", "", [], "")
    assert create_factory().type == "bearertokenauth"
    with pytest.raises(DecodeError, match="has invalid keys: bogus"):
        config({"token": "x", "bogus": 1})


def test_validation_messages() -> None:
    assert errors({}) == ["extensions::bearertokenauth: no bearer token provided"]
    assert errors({"token": "a", "tokens": ["b"]}) == [
        "extensions::bearertokenauth: either tokens or token should be provided, not both"
    ]
    assert errors({"token": "a"}) == [] and errors({"tokens": ["a", "b"]}) == [] and errors({"filename": "f"}) == []


def test_secrets_stay_out_of_repr() -> None:
    cfg = config({"token": TOKEN, "tokens": []})
    assert TOKEN not in repr(cfg)
    assert TOKEN not in repr(make({"tokens": [TOKEN]}))


def test_is_server_and_client_authenticator() -> None:
    ext = make({"token": TOKEN})
    assert ext.require_transport_security is True
    assert isinstance(ext, ServerAuthenticator) and isinstance(ext, ClientAuthenticator)


def test_server_check() -> None:
    async def main() -> None:
        ext = make({"tokens": [TOKEN, "other"]})
        await ext.start(NopHost())
        assert await ext.authenticate({"authorization": [f"Bearer {TOKEN}"]}) == {}
        assert await ext.authenticate({"authorization": ["Bearer other", "ignored"]}) == {}
        for value in (f"bearer {TOKEN}", TOKEN, f"Bearer  {TOKEN}", f"Bearer {TOKEN} ", "Bearer", "Bearer ñ\udcff"):
            with pytest.raises(AuthError) as info:
                await ext.authenticate({"authorization": [value]})
            assert str(info.value) == "scheme or token does not match"
        cases: list[dict[str, list[str]]] = [{}, {"authorization": []}, {"x-other": [TOKEN]}]
        for headers in cases:
            with pytest.raises(AuthError, match=r"^missing or empty authorization header: Authorization$"):
                await ext.authenticate(headers)
        await ext.shutdown()
        await ext.shutdown()

    asyncio.run(main())


def test_custom_header_and_empty_scheme() -> None:
    async def main() -> None:
        ext = make({"token": TOKEN, "header": "X-Api-Key", "scheme": ""})
        await ext.start(NopHost())
        assert await ext.authenticate({"x-api-key": [TOKEN]}) == {}
        assert await ext.authenticate({"X-Api-Key": [TOKEN]}) == {}  # Go's second lookup: the key as configured
        with pytest.raises(AuthError, match=r"^missing or empty authorization header: X-Api-Key$"):
            await ext.authenticate({"authorization": [TOKEN]})
        assert await ext.headers() == {"X-Api-Key": TOKEN}
        await ext.shutdown()

    asyncio.run(main())


def test_client_headers() -> None:
    async def main() -> None:
        assert await make({"token": TOKEN}).headers() == {"Authorization": f"Bearer {TOKEN}"}
        assert await make({"tokens": ["first", "second"]}).headers() == {"Authorization": "Bearer first"}
        assert await make({"token": TOKEN, "scheme": "Token"}).headers() == {"Authorization": f"Token {TOKEN}"}

    asyncio.run(main())


def test_token_file_is_read_and_reloaded(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("pyotelcol.helpers.filewatch.POLL_INTERVAL_S", 0.05)  # poll faster than the default 1 s
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "token"
    path.write_text(f"  {TOKEN}  \n\nsecond\n")

    async def main() -> None:
        ext = make({"filename": str(path), "token": "ignored-inline"})
        await ext.start(NopHost())
        try:
            assert await ext.headers() == {"Authorization": f"Bearer {TOKEN}"}
            assert await ext.authenticate({"authorization": ["Bearer second"]}) == {}
            with pytest.raises(AuthError):
                await ext.authenticate({"authorization": ["Bearer ignored-inline"]})
            with pytest.raises(AuthError):
                await ext.authenticate({"authorization": ["Bearer "]})  # blank lines are no tokens
            # rotate the file the way Kubernetes does: write elsewhere, rename over
            tmp = tmp_path / ".token.new"
            tmp.write_text("rotated\n")
            os.replace(tmp, path)
            deadline = time.monotonic() + 10
            while await ext.headers() != {"Authorization": "Bearer rotated"}:
                assert time.monotonic() < deadline, "token file change not picked up"
                await asyncio.sleep(0.05)
            with pytest.raises(AuthError):
                await ext.authenticate({"authorization": [f"Bearer {TOKEN}"]})
            assert await ext.authenticate({"authorization": ["Bearer rotated"]}) == {}
        finally:
            await ext.shutdown()

    asyncio.run(main())
    assert "a filename is specified. Configured token(s) is ignored!" in caplog.text
    assert "refresh token" in caplog.text
    for secret in (TOKEN, "rotated", "ignored-inline"):
        assert secret not in caplog.text


def test_missing_token_file_fails_start(tmp_path: Path) -> None:
    async def main() -> None:
        ext = make({"filename": str(tmp_path / "absent")})
        with pytest.raises(ValueError, match=f"^open {tmp_path / 'absent'}: no such file or directory$"):
            await ext.start(NopHost())
        await ext.shutdown()

    asyncio.run(main())
