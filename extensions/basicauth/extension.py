"""The basicauth authenticators: ``BasicAuthServer`` (htpasswd) and ``BasicAuthClient``.

Server: ``Authorization: Basic <base64(user:password)>`` is checked against the htpasswd table
(file first, then ``inline``, whose lines win). Slow hashes (bcrypt, MD5-crypt, SHA-crypt) are
checked in a worker thread; a successful check is remembered as a keyed HMAC of the credential
(never the password itself), so a client sending the same credential again costs one HMAC.
Errors are Go's fixed texts and never contain the user name, password or header value.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import os
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from pyotelcol.component import Host, Settings
from pyotelcol.extension import AuthError
from pyotelcol.helpers.filewatch import FileWatch, os_error_text

from ._htpasswd import Entry, PlainEntry, parse_htpasswd
from .config import ClientAuthSettings, HtpasswdSettings

NO_AUTH = "no basic auth provided"
INVALID_PREFIX = "invalid authorization scheme prefix"
INVALID_FORMAT = "invalid authorization format"
INVALID_CREDENTIALS = "invalid credentials"

_PREFIX = "basic "
_CACHE_SIZE = 1024
_DUMMY = PlainEntry(os.urandom(16))


def _auth_header(headers: Mapping[str, list[str]]) -> str:
    values = headers.get("authorization")
    if values is None:
        for key, vals in headers.items():
            if key.lower() == "authorization":
                values = vals
                break
    return values[0] if values else ""


class BasicAuthServer:
    """A ServerAuthenticator; ``authenticate`` returns ``{"username", "raw"}`` like Go's auth data."""

    def __init__(self, settings: Settings, cfg: HtpasswdSettings) -> None:
        if not cfg.file and not cfg.inline:
            raise ValueError("no credential source provided")
        self._logger = settings.telemetry.logger
        self._cfg = cfg
        self._table: dict[str, Entry] = {}
        self._cache_key = os.urandom(32)
        self._verified: OrderedDict[bytes, Entry] = OrderedDict()
        self._checking: dict[bytes, asyncio.Task[bool]] = {}

    async def start(self, host: Host) -> None:
        text = ""
        if self._cfg.file:
            try:
                data = await FileWatch(self._cfg.file).read()
            except OSError as exc:
                raise ValueError(f"open htpasswd file: {os_error_text(self._cfg.file, exc)}") from None
            text = data.decode("utf-8", "surrogateescape") + "\n"
        table, bad = parse_htpasswd(text + self._cfg.inline)
        for number, reason in bad:
            self._logger.warning("skipping an htpasswd entry", extra={"fields": {"line": number, "reason": reason}})
        self._table = table
        self._verified.clear()

    async def shutdown(self) -> None:
        checks = list(self._checking.values())
        for check in checks:
            check.cancel()
        await asyncio.gather(*checks, return_exceptions=True)
        self._verified.clear()

    async def _matches(self, username: str, password: bytes) -> bool:
        entry = self._table.get(username)
        if entry is None:
            _DUMMY.matches(password)  # same work as a plain entry: user names are not probed cheaply
            return False
        if not entry.slow:
            return entry.matches(password)
        key = hmac.new(
            self._cache_key, username.encode("utf-8", "surrogateescape") + b"\0" + password, hashlib.sha256
        ).digest()
        if self._verified.get(key) is entry:
            self._verified.move_to_end(key)
            return True
        check = self._checking.get(key)
        if check is None:  # one check per credential at a time; concurrent callers share it
            check = asyncio.get_running_loop().create_task(asyncio.to_thread(entry.matches, password))
            self._checking[key] = check
            check.add_done_callback(lambda task: self._checked(key, entry, task))
        return await asyncio.shield(check)

    def _checked(self, key: bytes, entry: Entry, task: asyncio.Task[bool]) -> None:
        self._checking.pop(key, None)
        if task.cancelled() or task.exception() is not None or not task.result():
            return
        self._verified[key] = entry
        if len(self._verified) > _CACHE_SIZE:
            self._verified.popitem(last=False)

    async def authenticate(self, headers: Mapping[str, list[str]]) -> Mapping[str, Any]:
        auth = _auth_header(headers)
        if not auth:
            raise AuthError(NO_AUTH)
        if len(auth) < len(_PREFIX) or auth[: len(_PREFIX)].lower() != _PREFIX:
            raise AuthError(INVALID_PREFIX)
        encoded = auth[len(_PREFIX) :]
        try:
            decoded = base64.b64decode(encoded.encode("ascii"), validate=True)
        except (UnicodeEncodeError, binascii.Error, ValueError):
            raise AuthError(INVALID_FORMAT) from None
        user, sep, password = decoded.partition(b":")
        if not sep:
            raise AuthError(INVALID_FORMAT)
        username = user.decode("utf-8", "surrogateescape")
        if not await self._matches(username, password):
            raise AuthError(INVALID_CREDENTIALS)
        return {"username": username, "raw": encoded}

    def __repr__(self) -> str:
        return f"BasicAuthServer(users={len(self._table)})"


class _Value:
    """A credential given inline or read (trimmed, non-empty) from a watched file."""

    def __init__(self, inline: str, path: str) -> None:
        self.value = inline
        self.path = path
        self.watch: FileWatch | None = None

    @staticmethod
    def _parse(path: str, data: bytes) -> str:
        value = data.decode("utf-8", "surrogateescape").strip()
        if not value:
            raise ValueError(f'credentials file "{path}" is empty')
        return value


class BasicAuthClient:
    """A ClientAuthenticator: ``headers()`` gives ``{"Authorization": "Basic <base64>"}``."""

    # gRPC exporters must refuse to send this credential over a plaintext channel.
    require_transport_security = True

    def __init__(self, settings: Settings, cfg: ClientAuthSettings) -> None:
        self._logger = settings.telemetry.logger
        self._username = _Value(cfg.username, cfg.username_file)
        self._password = _Value(cfg.password, cfg.password_file)
        self._header: dict[str, str] = {}
        self._update()

    def _update(self) -> None:
        raw = f"{self._username.value}:{self._password.value}".encode("utf-8", "surrogateescape")
        self._header = {"Authorization": "Basic " + base64.b64encode(raw).decode("ascii")}

    def _watcher(self, item: _Value) -> tuple[Any, Any]:
        def changed(data: bytes) -> None:
            try:
                item.value = _Value._parse(item.path, data)
            except ValueError as exc:
                self._logger.warning(
                    "failed to reload credentials file, keeping last value",
                    extra={"fields": {"file": item.path, "error": str(exc)}},
                )
                return
            self._update()

        def failed(exc: OSError) -> None:
            self._logger.warning(
                "failed to reload credentials file, keeping last value",
                extra={"fields": {"file": item.path, "error": os_error_text(item.path, exc)}},
            )

        return changed, failed

    async def start(self, host: Host) -> None:
        for item in (self._username, self._password):
            if not item.path:
                continue
            watch = FileWatch(item.path)
            try:
                item.value = _Value._parse(item.path, await watch.read())
            except OSError as exc:
                await self.shutdown()
                raise ValueError(
                    f'failed to read credentials file "{item.path}": {os_error_text(item.path, exc)}'
                ) from None
            except ValueError as exc:
                await self.shutdown()
                raise ValueError(f'failed to read credentials file "{item.path}": {exc}') from None
            item.watch = watch
            watch.watch(*self._watcher(item))
        if ":" in self._username.value:
            await self.shutdown()
            raise ValueError(INVALID_FORMAT)
        self._update()

    async def shutdown(self) -> None:
        for item in (self._username, self._password):
            watch, item.watch = item.watch, None
            if watch is not None:
                await watch.stop()

    async def headers(self) -> Mapping[str, str]:
        if ":" in self._username.value:
            raise ValueError(INVALID_FORMAT)
        return self._header

    def __repr__(self) -> str:
        return "BasicAuthClient()"
