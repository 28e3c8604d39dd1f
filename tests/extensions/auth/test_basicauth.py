"""basicauth: config rules, htpasswd formats, Go's error texts, client headers and files."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from pyotelcol.extensions.basicauth import create_factory

from pyotelcol.component import Kind
from pyotelcol.config import decode, validate
from pyotelcol.extension import AuthError, ClientAuthenticator, ServerAuthenticator
from pyotelcol.testing import NopHost, make_settings

PASSWORD = "Pa55:w0rd ü"


def config(raw: dict[str, Any]) -> Any:
    default = create_factory().create_default_config()
    return decode(type(default), raw, default)


def make(raw: dict[str, Any]) -> Any:
    return create_factory().create(make_settings("basicauth", Kind.EXTENSION), config(raw))


def basic(user: str, password: str) -> dict[str, list[str]]:
    return {"authorization": ["Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()]}


def test_validation_messages() -> None:
    def errors(raw: dict[str, Any]) -> list[str]:
        return validate(config(raw), "extensions::basicauth")

    assert errors({}) == ["extensions::basicauth: no credential source provided"]
    assert errors({"htpasswd": None}) == ["extensions::basicauth: no credential source provided"]
    assert errors({"htpasswd": {"inline": "a:b"}, "client_auth": {"username": "a"}}) == [
        "extensions::basicauth: only one of `htpasswd` or `client_auth` can be specified"
    ]
    assert errors({"htpasswd": {"file": "f"}}) == [] and errors({"client_auth": {"username": "u"}}) == []
    with pytest.raises(ValueError, match="no credential source provided"):
        make({"htpasswd": {}})


def test_server_or_client_side() -> None:
    server = make({"htpasswd": {"inline": "u:p"}})
    client = make({"client_auth": {"username": "u", "password": "p"}})
    assert isinstance(server, ServerAuthenticator) and not isinstance(server, ClientAuthenticator)
    assert isinstance(client, ClientAuthenticator) and not isinstance(client, ServerAuthenticator)
    assert "secretpw" not in repr(config({"client_auth": {"username": "u", "password": "secretpw"}}))
    assert "secretpw" not in repr(config({"htpasswd": {"inline": "u:secretpw"}}))


def _hashes(password: str) -> dict[str, str]:
    pw = password.encode()
    salt = b"s4lt"
    out = {
        "plain": password,
        "nginx": "{PLAIN}" + password,
        "sha": "{SHA}" + base64.b64encode(hashlib.sha1(pw).digest()).decode(),
        "ssha": "{SSHA}" + base64.b64encode(hashlib.sha1(pw + salt).digest() + salt).decode(),
    }
    if shutil.which("openssl"):
        for name, flag in (("apr1", "-apr1"), ("md5", "-1"), ("sha256", "-5"), ("sha512", "-6")):
            out[name] = subprocess.run(
                ["openssl", "passwd", flag, "-stdin"], input=password, capture_output=True, text=True, check=True
            ).stdout.strip()
    # A published SHA-crypt vector with explicit rounds (Drepper's specification).
    out["rounds"] = "$5$rounds=10000$saltstringsaltstring$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA"
    try:
        import bcrypt

        hashed = bcrypt.hashpw(pw, bcrypt.gensalt(4)).decode()
        out["bcrypt"] = hashed
        out["bcrypt2y"] = hashed.replace("$2b$", "$2y$", 1)
    except ImportError:
        pass
    return out


def test_htpasswd_formats() -> None:
    hashes = _hashes(PASSWORD)
    lines = [f"{name}:{value}" for name, value in hashes.items() if name != "rounds"]
    lines.append(f"rounds:{hashes['rounds']}")

    async def main() -> None:
        ext = make({"htpasswd": {"inline": "\n".join(lines)}})
        await ext.start(NopHost())
        for name in hashes:
            pw = "Hello world!" if name == "rounds" else PASSWORD
            got = await ext.authenticate(basic(name, pw))
            assert got["username"] == name, name
            assert base64.b64decode(got["raw"]) == f"{name}:{pw}".encode()
            assert await ext.authenticate(basic(name, pw)) == got  # again (slow hashes: remembered)
            with pytest.raises(AuthError, match=r"^invalid credentials$"):
                await ext.authenticate(basic(name, pw + "x"))
        # concurrent checks of one credential share one verification
        results = await asyncio.gather(
            *(ext.authenticate(basic("sha512" if "sha512" in hashes else "sha", PASSWORD)) for _ in range(5))
        )
        assert len({r["raw"] for r in results}) == 1
        await ext.shutdown()

    asyncio.run(main())
    assert len(hashes) >= 6


def test_go_error_texts_and_header_parsing() -> None:
    async def main() -> None:
        ext = make({"htpasswd": {"inline": f"user:{PASSWORD}"}})
        await ext.start(NopHost())
        cases: list[tuple[dict[str, list[str]], str]] = [
            ({}, "no basic auth provided"),
            ({"authorization": [""]}, "no basic auth provided"),
            ({"authorization": ["Bearer abc"]}, "invalid authorization scheme prefix"),
            ({"authorization": ["Basic"]}, "invalid authorization scheme prefix"),
            ({"authorization": ["Basic ***"]}, "invalid authorization format"),
            ({"authorization": ["Basic " + base64.b64encode(b"nocolon").decode()]}, "invalid authorization format"),
            ({"authorization": ["Basic " + base64.b64encode(b"user:wrong").decode()]}, "invalid credentials"),
            (basic("nobody", PASSWORD), "invalid credentials"),
        ]
        for headers, message in cases:
            with pytest.raises(AuthError) as info:
                await ext.authenticate(headers)
            assert str(info.value) == message
            assert PASSWORD not in str(info.value)
        # prefix is case-insensitive; the header key is found in any case
        token = base64.b64encode(f"user:{PASSWORD}".encode()).decode()
        assert (await ext.authenticate({"Authorization": [f"bAsIc {token}"]}))["username"] == "user"
        await ext.shutdown()

    asyncio.run(main())


def test_file_then_inline_and_bad_lines(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    path = tmp_path / ".htpasswd"
    path.write_text("a:from-file\nb:from-file\nbroken-line-without-colon\nc:{SHA}not-base64!\n")

    async def main() -> None:
        ext = make({"htpasswd": {"file": str(path), "inline": "b:from-inline"}})
        await ext.start(NopHost())
        assert (await ext.authenticate(basic("a", "from-file")))["username"] == "a"
        assert (await ext.authenticate(basic("b", "from-inline")))["username"] == "b"
        for user, pw in (("b", "from-file"), ("c", "{SHA}not-base64!")):
            with pytest.raises(AuthError, match="invalid credentials"):
                await ext.authenticate(basic(user, pw))
        await ext.shutdown()

        missing = make({"htpasswd": {"file": str(tmp_path / "nope")}})
        with pytest.raises(ValueError, match=f"^open htpasswd file: open {tmp_path / 'nope'}: no such file"):
            await missing.start(NopHost())

    asyncio.run(main())
    assert "skipping an htpasswd entry" in caplog.text
    assert "broken-line" not in caplog.text and "not-base64" not in caplog.text


def test_client_headers() -> None:
    async def main() -> None:
        ext = make({"client_auth": {"username": "svc", "password": PASSWORD}})
        await ext.start(NopHost())
        expected = "Basic " + base64.b64encode(f"svc:{PASSWORD}".encode()).decode()
        assert await ext.headers() == {"Authorization": expected}
        assert ext.require_transport_security is True
        await ext.shutdown()

        bad = make({"client_auth": {"username": "a:b", "password": "p"}})
        with pytest.raises(ValueError, match=r"^invalid authorization format$"):
            await bad.start(NopHost())

    asyncio.run(main())


def test_client_credential_files(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("pyotelcol.helpers.filewatch.POLL_INTERVAL_S", 0.05)  # poll faster than the default 1 s
    caplog.set_level(logging.DEBUG)
    user_file, pw_file = tmp_path / "user", tmp_path / "pw"
    user_file.write_text("svc\n")
    pw_file.write_text(f"{PASSWORD}\n")

    def header(user: str, pw: str) -> dict[str, str]:
        return {"Authorization": "Basic " + base64.b64encode(f"{user}:{pw}".encode()).decode()}

    async def main() -> None:
        ext = make(
            {"client_auth": {"username": "ignored", "username_file": str(user_file), "password_file": str(pw_file)}}
        )
        await ext.start(NopHost())
        try:
            assert await ext.headers() == header("svc", PASSWORD)
            tmp = tmp_path / ".pw.new"
            tmp.write_text("rotated-pw")
            os.replace(tmp, pw_file)
            deadline = time.monotonic() + 10
            while await ext.headers() != header("svc", "rotated-pw"):
                assert time.monotonic() < deadline, "password file change not picked up"
                await asyncio.sleep(0.05)
            pw_file.write_text("   \n")  # an empty file keeps the last value
            deadline = time.monotonic() + 10
            while "failed to reload credentials file" not in caplog.text:
                assert time.monotonic() < deadline
                await asyncio.sleep(0.05)
            assert await ext.headers() == header("svc", "rotated-pw")
        finally:
            await ext.shutdown()

        empty = tmp_path / "empty"
        empty.write_text("")
        ext2 = make({"client_auth": {"username": "u", "password_file": str(empty)}})
        with pytest.raises(
            ValueError, match=f'^failed to read credentials file "{empty}": credentials file "{empty}" is empty$'
        ):
            await ext2.start(NopHost())

    asyncio.run(main())
    assert PASSWORD not in caplog.text and "rotated-pw" not in caplog.text
