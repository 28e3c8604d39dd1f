"""Log records written before the collector's own logger exists (while the config loads).

Go's collector buffers these (e.g. ``Configuration references unset environment variable
{"name": "X"}`` from the env provider): once the service's logger is built they are written
through it, with its encoding, level and outputs; when start-up fails first they go to a console
logger on stderr, before the ``Error:`` line.
"""

from __future__ import annotations

import logging
import sys

from ..telemetry.logs import ConsoleFormatter


class EarlyLogs(logging.Handler):
    """Holds the records of ``logger`` until :meth:`replay` or :meth:`flush_to_stderr`."""

    def __init__(self, logger: logging.Logger) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self._logger = logger
        self._restore_level: int | None = None
        logger.addHandler(self)
        if logger.getEffectiveLevel() > logging.INFO:  # keep the info lines too, as Go's buffer does
            self._restore_level = logger.level
            logger.setLevel(logging.INFO)

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def _detach(self) -> list[logging.LogRecord]:
        self._logger.removeHandler(self)
        if self._restore_level is not None:
            self._logger.setLevel(self._restore_level)
            self._restore_level = None
        records, self.records = self.records, []
        return records

    def replay(self, logger: logging.Logger) -> None:
        """Write the held records through ``logger`` (the collector's, once configured)."""
        self._restore_level = None  # the collector's logging config owns the level now
        for record in self._detach():
            if logger.isEnabledFor(record.levelno):
                logger.handle(record)

    def flush_to_stderr(self) -> None:
        """Write the held records to stderr in zap's console encoding (Go's fallback logger)."""
        records = self._detach()
        if not records:
            return
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(ConsoleFormatter({}, disable_caller=False, disable_stacktrace=False))
        for record in records:
            handler.handle(record)
        handler.flush()
