"""Errors the sender chain returns, worded as Go's exporterhelper words them.

Go wraps the exporter's error (``fmt.Errorf("no more retries left: %w", err)``); these classes
keep the full text as their ``str()`` while staying a ``ConsumerError`` (retryable) or a
``PermanentError`` so receivers still map them to the right status.
"""

from __future__ import annotations

from ...consumer import ConsumerError, PermanentError


class ExportError(ConsumerError):
    """A retryable failure whose text is exactly ``message`` (no prefix added)."""

    def __init__(self, message: str, cause: BaseException | None = None) -> None:
        retry_after = getattr(cause, "retry_after", None)
        grpc_code = getattr(cause, "grpc_code", None)
        super().__init__(message, retry_after=retry_after, grpc_code=grpc_code)
        self.cause = cause

    def __str__(self) -> str:
        return str(self.args[0])


class PermanentExportError(PermanentError):
    """A permanent failure whose text is exactly ``message`` (``PermanentError`` would prefix it)."""

    def __init__(self, message: str, cause: BaseException | None = None) -> None:
        super().__init__(message, grpc_code=getattr(cause, "grpc_code", None))
        self.cause = cause

    def __str__(self) -> str:
        return str(self.args[0])


class ShutdownError(ExportError):
    """Go's ``experr.NewShutdownErr``: the retry loop was interrupted because the exporter stops."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(f"interrupted due to shutdown: {cause}", cause)


class CircuitOpenError(ExportError):
    """The circuit breaker refused the attempt; the data was not sent (and is not counted as sent)."""

    def __init__(self, retry_after: float | None = None) -> None:
        super().__init__("circuit breaker is open")
        self.retry_after = retry_after


def wrap(prefix: str, err: BaseException) -> ConsumerError:
    """``fmt.Errorf(prefix + ": %w", err)`` keeping err's class (permanent or retryable)."""
    text = f"{prefix}: {err}"
    if isinstance(err, PermanentError):
        return PermanentExportError(text, err)
    return ExportError(text, err)


QUEUE_FULL = "sending queue is full"
SIZE_TOO_LARGE = "element size too large"
