"""Whether the listeners may share their port with sibling worker processes (SO_REUSEPORT).

Outside ``--workers`` mode the port is exclusive, so a second collector on a taken port is a
startup error (``bind: address already in use``) instead of silently taking half the traffic.
The supervisor (``pyotelcol.cli.workers``) marks its workers with ``PYOTELCOL_WORKER_ID``;
only then do the gRPC and HTTP servers turn SO_REUSEPORT on, and the kernel spreads new
connections across the workers.
"""

from __future__ import annotations

import os

WORKER_ID_ENV = "PYOTELCOL_WORKER_ID"


def reuse_port_allowed() -> bool:
    return bool(os.environ.get(WORKER_ID_ENV))


def grpc_server_options(options: list[tuple[str, object]]) -> list[tuple[str, object]]:
    """The configured channel options with ``grpc.so_reuseport`` set for this process's mode."""
    value = 1 if reuse_port_allowed() else 0
    return [(k, v) for k, v in options if k != "grpc.so_reuseport"] + [("grpc.so_reuseport", value)]
