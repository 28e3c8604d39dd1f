"""The PostgreSQL client the receiver uses, on asyncpg (a well-kept asyncio driver: TLS, SCRAM,
MD5 and cleartext authentication, unix sockets), with errors worded as Go's lib/pq words them
(``pq: password authentication failed for user "x"``, ``x509: certificate signed by unknown
authority``, ``dial tcp host:port: connect: connection refused``).

Queries run as simple queries and come back as text (``Row``: strings, None for NULL), which is
how lib/pq hands them to the receiver's scanning code.
"""

from __future__ import annotations

import asyncio
import os
import ssl
from typing import Any

__all__ = ["PgClient", "PgError", "Row", "connect"]

CONNECT_TIMEOUT_S = 10.0

Row = list[str | None]

# OpenSSL's verify codes for an issuer that is not trusted (self-signed, unknown CA)
_UNKNOWN_AUTHORITY = {18, 19, 20, 21}


class PgError(Exception):
    """A server error, or a broken connection (``broken``: the connection is unusable), worded
    as lib/pq does."""

    def __init__(self, message: str, *, broken: bool = True) -> None:
        super().__init__(message)
        self.broken = broken


def _asyncpg() -> Any:
    """asyncpg, imported when first needed: it is the ``postgresql`` extra, so a plain install
    still lists and validates this receiver and says what to install when it runs."""
    try:
        import asyncpg
    except ImportError as exc:
        raise PgError(f"{exc}; install the 'postgresql' extra: pip install 'pyotelcol[postgresql]'") from None
    return asyncpg


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


async def connect(
    *,
    host: str,
    port: int,
    unix_dir: str | None,
    user: str,
    password: str,
    database: str,
    ssl_context: ssl.SSLContext | None,
    server_hostname: str | None,
) -> PgClient:
    """A logged-in client; PgError when the server refuses or cannot be reached. With
    ``ssl_context`` TLS is required (lib/pq's ``require``/``verify-full``), else it is off."""
    target = os.path.join(unix_dir, f".s.PGSQL.{port}") if unix_dir is not None else None
    kwargs: dict[str, Any] = {
        "host": unix_dir if unix_dir is not None else host,
        "port": port,
        "user": user,
        "password": password or None,
        "database": database,
        "timeout": CONNECT_TIMEOUT_S,
        "statement_cache_size": 0,
        # asyncpg's ssl=False is lib/pq's "disable"; a context means TLS is required.
        "ssl": ssl_context if ssl_context is not None and unix_dir is None else False,
    }
    asyncpg = _asyncpg()
    try:
        conn = await asyncpg.connect(**kwargs)
    except TimeoutError as exc:
        raise PgError(f"dial tcp {host}:{port}: i/o timeout") from exc
    except ssl.SSLCertVerificationError as exc:
        if exc.verify_code in _UNKNOWN_AUTHORITY:
            raise PgError("x509: certificate signed by unknown authority") from exc
        raise PgError(f"x509: {exc.verify_message}") from exc
    except ConnectionRefusedError as exc:
        where = f"unix {target}" if target is not None else f"tcp {host}:{port}"
        raise PgError(f"dial {where}: connect: connection refused") from exc
    except asyncpg.PostgresError as exc:
        raise PgError(f"pq: {exc}") from exc
    except ConnectionError as exc:
        if "rejected SSL upgrade" in str(exc):
            raise PgError("pq: SSL is not enabled on the server") from exc
        raise PgError(str(exc) or "EOF") from exc
    except OSError as exc:
        where = f"unix {target}" if target is not None else f"tcp {host}:{port}"
        raise PgError(f"dial {where}: connect: {(exc.strerror or str(exc)).lower()}") from exc
    return PgClient(conn)


class PgClient:
    def __init__(self, conn: Any) -> None:
        self._conn = conn
        self._errors = _asyncpg()

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self._conn.close(), CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError, self._errors.PostgresError, self._errors.InterfaceError):
            self._conn.terminate()

    async def query(self, sql: str) -> list[Row]:
        """The rows of one statement as text (None for NULL)."""
        try:
            records = await self._conn.fetch(sql)
        except self._errors.PostgresError as exc:
            raise PgError(f"pq: {exc}", broken=False) from exc
        except (OSError, self._errors.InterfaceError) as exc:
            raise PgError(str(exc) or "EOF") from exc
        return [[_text(v) for v in record.values()] for record in records]
