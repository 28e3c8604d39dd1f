"""A minimal Redis client (RESP2 over TCP, TLS or a unix socket): what the receiver needs of
go-redis, which is ``AUTH``, ``INFO`` and ``CLUSTER INFO`` on one reused connection."""

from __future__ import annotations

import asyncio
import contextlib
import ssl

__all__ = ["RedisClient", "RedisError"]

# go-redis' defaults
DIAL_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 3.0


class RedisError(Exception):
    """An error reply (``-ERR ...``) or a broken exchange."""


class RedisClient:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        unix_path: str | None,
        username: str,
        password: str,
        ssl_context: ssl.SSLContext | None,
        server_hostname: str | None,
        dial_timeout_s: float,
    ) -> None:
        self._host, self._port, self._unix_path = host, port, unix_path
        self._username, self._password = username, password
        self._ssl, self._server_hostname = ssl_context, server_hostname
        self._dial_timeout = dial_timeout_s or DIAL_TIMEOUT_S
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._lock = asyncio.Lock()

    async def command(self, *args: str) -> str:
        """The reply of one command as text; a dropped connection is dialled again once."""
        async with self._lock:
            for attempt in (1, 2):
                fresh = self._writer is None
                try:
                    if fresh:
                        await self._connect()
                    return await self._roundtrip(args)
                except (OSError, asyncio.IncompleteReadError, ConnectionError) as exc:
                    await self._drop()
                    if fresh or attempt == 2:
                        raise RedisError(self._net_error(exc)) from exc
            raise AssertionError("unreachable")

    async def close(self) -> None:
        async with self._lock:
            await self._drop()

    async def _connect(self) -> None:
        if self._unix_path is not None:
            opening = asyncio.open_unix_connection(self._unix_path, ssl=self._ssl)
        else:
            opening = asyncio.open_connection(
                self._host,
                self._port,
                ssl=self._ssl,
                server_hostname=self._server_hostname if self._ssl is not None else None,
            )
        try:
            self._reader, self._writer = await asyncio.wait_for(opening, self._dial_timeout)
        except TimeoutError as exc:
            raise ConnectionError("i/o timeout") from exc
        if self._password:
            auth = ("AUTH", self._username, self._password) if self._username else ("AUTH", self._password)
            try:
                await self._roundtrip(auth)
            except RedisError:
                await self._drop()
                raise

    async def _drop(self) -> None:
        writer, self._writer, self._reader = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError, ssl.SSLError):
                await writer.wait_closed()

    async def _roundtrip(self, args: tuple[str, ...]) -> str:
        assert self._writer is not None and self._reader is not None
        parts = [f"*{len(args)}\r\n".encode()]
        for arg in args:
            data = arg.encode()
            parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
        self._writer.write(b"".join(parts))
        await self._writer.drain()
        return await asyncio.wait_for(self._read_reply(self._reader), READ_TIMEOUT_S)

    async def _read_reply(self, reader: asyncio.StreamReader) -> str:
        line = (await reader.readuntil(b"\r\n"))[:-2]
        kind, body = line[:1], line[1:].decode("utf-8", "replace")
        if kind == b"+" or kind == b":":
            return body
        if kind == b"-":
            raise RedisError(body)
        if kind == b"$":
            size = int(body)
            if size < 0:
                return ""
            data = await reader.readexactly(size + 2)
            return data[:-2].decode("utf-8", "replace")
        raise ConnectionError(f"unexpected reply type {kind!r}")

    def _net_error(self, exc: BaseException) -> str:
        """go-redis' wording for the common network failures."""
        if isinstance(exc, asyncio.IncompleteReadError):
            return "EOF"
        network = "unix" if self._unix_path is not None else "tcp"
        address = self._unix_path if self._unix_path is not None else f"{self._host}:{self._port}"
        if isinstance(exc, ConnectionRefusedError):
            return f"dial {network} {address}: connect: connection refused"
        if isinstance(exc, FileNotFoundError):
            return f"dial {network} {address}: connect: no such file or directory"
        return str(exc) or type(exc).__name__
