"""The last warnings and errors the collector logged, for the status page."""

from __future__ import annotations

import logging
import time
from collections import deque
from typing import Any


class RecentLogs(logging.Handler):
    """Keeps the newest ``size`` records at WARNING or above (bounded; never blocks logging)."""

    def __init__(self, size: int = 50) -> None:
        super().__init__(logging.WARNING)
        self.records: deque[dict[str, Any]] = deque(maxlen=size)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            fields = getattr(record, "fields", None)
            self.records.append(
                {
                    "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created)),
                    "level": record.levelname.lower(),
                    "message": record.getMessage(),
                    "fields": {str(k): str(v) for k, v in fields.items()} if isinstance(fields, dict) else {},
                }
            )
        except Exception:  # a log record that cannot be shown must not break logging
            self.handleError(record)
