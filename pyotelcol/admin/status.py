"""What the status page shows about the running service, from the service itself."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import yaml

from ..component import Reconfigurable


def service_status(service: Any) -> dict[str, Any]:
    """Build info, uptime, pipelines, component statuses and the redacted configuration."""
    info = service.service_info()
    statuses = [
        {"kind": str(kind), "id": str(comp_id), "status": status.value}
        for (kind, comp_id), status in sorted(service.statuses.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1])))
    ]
    pipelines = [
        {
            "id": str(pid),
            "receivers": [str(r) for r in pipe.receivers],
            "processors": [str(p) for p in pipe.processors],
            "exporters": [str(e) for e in pipe.exporters],
        }
        for pid, pipe in sorted(info.pipelines.items(), key=lambda kv: str(kv[0]))
    ]
    return {
        "build": {"command": info.build_info.command, "version": info.build_info.version},
        "uptime_seconds": time.time() - info.start_time,
        "pipelines": pipelines,
        "extensions": [str(e) for e in info.extensions],
        "components": statuses,
        "config_yaml": redacted_config_yaml(service),
    }


def redacted_config_yaml(service: Any) -> str:
    if not isinstance(service, Reconfigurable):
        return "(the configuration in effect is not available)"
    from ..config.redact import redact

    conf: Mapping[str, Any] = service.effective_config()
    try:
        shown = redact(dict(conf), getattr(service, "cfg"))  # noqa: B009 - the Service's typed config
    except Exception as exc:  # never show secrets because redaction failed
        return f"(the configuration cannot be redacted: {exc})"
    return str(yaml.safe_dump(shown, sort_keys=False, default_flow_style=False))
