"""Configuration of the ``fluent_forward`` receiver (Go's fluentforwardreceiver ``Config``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Config:
    """Go's only key is ``endpoint``: ``host:port`` (TCP, plus the UDP heartbeat on the same port)
    or ``unix://<path>`` / an absolute path (a Unix socket, no heartbeat). Go's default is empty,
    which listens on every interface on a port the system picks; Go validates nothing here, so a
    bad address fails when the receiver starts."""

    endpoint: str = ""

    def unix_path(self) -> str | None:
        """The socket path when ``endpoint`` names a Unix socket (Go: ``/`` or ``unix://`` prefix)."""
        if self.endpoint.startswith("unix://"):
            return self.endpoint[len("unix://") :]
        if self.endpoint.startswith("/"):
            return self.endpoint
        return None
