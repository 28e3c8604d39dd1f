"""``container`` (Go's parser/container): docker JSON, CRI-O and containerd log lines.

The format is detected per line unless ``format`` is set. CRI lines (``<time> <stream> <tag>
<log>``) are joined while their tag is ``P`` (partial) until an ``F`` line, up to
``max_log_size`` bytes, per ``log.file.path``. The body becomes the log text, ``stream`` becomes
``log.iostream``, the timestamp is parsed, and with ``add_metadata_from_filepath`` (default) the
Kubernetes path ``/var/log/pods/<ns>_<pod>_<uid>/<container>/<restart>.log`` fills the resource
attributes ``k8s.namespace.name``, ``k8s.pod.name``, ``k8s.pod.uid``, ``k8s.container.name``,
``k8s.container.restart_count``.
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from typing import Any

from .. import timeparse
from ..entry import Entry, Field
from .base import Operator, ParserOperator, Spec
from .recombine import Recombine
from .sizes import parse_byte_size

_CRI_LAYOUT = timeparse.GoLayout("2006-01-02T15:04:05.999999999Z07:00")
_DOCKER_LAYOUT = timeparse.GoLayout("2006-01-02T15:04:05.999Z")
_CONTAINERD_TS = re.compile(r"^[^ Z]+(?:Z|[+-]\d\d:\d\d)$")
_ROTATED = re.compile(r"\.\d{8}-\d{6}$")
_UID = re.compile(r"^[a-f0-9-]+$")
LOG_FILE_PATH = "log.file.path"
_BODY = Field.parse("body")


def detect_format(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"type '{type(value).__name__}' cannot be parsed as container logs")
    if value.startswith("{"):
        return "docker"
    time_part, sep, rest = value.partition(" ")
    if not sep:
        raise ValueError("could not split timestamp from log to detect format")
    stream, sep, _ = rest.partition(" ")
    if not sep or stream not in ("stdout", "stderr"):
        raise ValueError("could not split stream from log to detect format")
    return "containerd" if _CONTAINERD_TS.match(time_part) else "crio"


def parse_cri(value: Any, containerd: bool) -> dict[str, Any]:
    name = "containerd" if containerd else "CRIO"
    if not isinstance(value, str):
        raise ValueError(f"type '{type(value).__name__}' cannot be parsed as {name} logs")
    time_part, sep, rest = value.partition(" ")
    if not sep or (containerd and not _CONTAINERD_TS.match(time_part)):
        raise ValueError(f"could not parse {name} fields")
    stream, sep, rest = rest.partition(" ")
    if not sep or stream not in ("stdout", "stderr"):
        raise ValueError(f"could not parse {name} fields")
    tag, _, log = rest.partition(" ")
    return {"time": time_part, "stream": stream, "logtag": tag, "log": log}


def parse_log_path(path: str) -> dict[str, str] | None:
    """Kubernetes metadata from ``.../<ns>_<pod>_<uid>/<container>/<restart>.log[.<YYYYMMDD-HHMMSS>]``."""
    idx = path.rfind(".log")
    if idx < 0:
        return None
    after = path[idx + 4 :]
    if after and not _ROTATED.fullmatch(after):
        return None
    parts = re.split(r"[/\\]", path[:idx])
    if len(parts) < 4:
        return None
    triplet, container, restart = parts[-3], parts[-2], parts[-1]
    if not restart.isdigit() or not container or any(c in container for c in "._"):
        return None
    rest, _, uid = triplet.rpartition("_")
    ns, _, pod = rest.rpartition("_")
    if not _UID.match(uid) or not ns or not pod or "_" in ns:
        return None
    return {
        "k8s.namespace.name": ns,
        "k8s.pod.name": pod,
        "k8s.pod.uid": uid,
        "k8s.container.name": container,
        "k8s.container.restart_count": restart,
    }


class Container(ParserOperator):
    type_name = "container"

    def __init__(self, spec: Spec) -> None:
        super().__init__(spec)
        self.format = spec.text("format", "")
        if self.format not in ("", "docker", "crio", "containerd"):
            raise spec.fail(
                "operator config has an invalid `format` field: ensure that the `format` field is set to one of "
                "`docker`, `crio`, `containerd`"
            )
        self.add_metadata = spec.flag("add_metadata_from_filepath", True)
        try:
            max_log_size = parse_byte_size(spec.get("max_log_size", 1024 * 1024))
        except ValueError as exc:
            raise spec.fail(str(exc)) from None
        self.recombine = Recombine(
            Spec(
                {
                    "id": "recombine_container_internal",
                    "is_last_entry": "attributes.logtag == 'F'",
                    "combine_field": "body",
                    "combine_with": "",
                    "source_identifier": f'attributes["{LOG_FILE_PATH}"]',
                    "max_log_size": max_log_size,
                    "max_batch_size": 0,
                    "max_unmatched_batch_size": 0,
                },
                f"{spec.where}(internal recombine)",
            )
        )
        self.path_cache: OrderedDict[str, dict[str, str]] = OrderedDict()

    def connect(self, outputs: list[Operator], sink: Any) -> None:
        super().connect(outputs, sink)
        self.recombine.connect(outputs, sink)

    def process(self, entry: Entry) -> None:
        try:
            if self.skip(entry):
                self.write(entry)
                return
            assert self.parse_from is not None
            value, ok = self.parse_from.get(entry)
            if not ok:
                raise ValueError(
                    "failed to detect a valid container log format: entry cannot be parsed as container logs"
                )
            fmt = self.format or detect_format(value)
            if fmt == "docker":
                try:
                    parsed = json.loads(value) if isinstance(value, str) else None
                except RecursionError:
                    raise ValueError("json: exceeded max depth") from None
                if not isinstance(parsed, dict):
                    raise ValueError(f"type '{type(value).__name__}' cannot be parsed as docker container logs")
            else:
                parsed = parse_cri(value, fmt == "containerd")
            assert self.parse_to is not None
            self.parse_to.set(entry, parsed)
            self.after_parse(entry)
            self._finish(entry, _DOCKER_LAYOUT if fmt == "docker" else _CRI_LAYOUT)
        except (ValueError, TypeError) as exc:
            self.handle_error(entry, exc)
            return
        if fmt == "docker":
            self.write(entry)
        else:
            self.recombine.process(entry)

    def _finish(self, entry: Entry, layout: timeparse.GoLayout) -> None:
        stamp = entry.attributes.get("time")
        if stamp is None:
            raise ValueError("failed to parse time: no time attribute")
        if not isinstance(stamp, str):
            raise ValueError(f"failed to parse time: type {type(stamp).__name__} cannot be parsed as a time")
        entry.timestamp = layout.parse(stamp, timeparse.UTC)
        del entry.attributes["time"]
        if "log" not in entry.attributes:
            raise ValueError("move: field log does not exist")
        _BODY.set(entry, entry.attributes.pop("log"))
        if "stream" not in entry.attributes:
            raise ValueError("move: field stream does not exist")
        entry.attributes["log.iostream"] = entry.attributes.pop("stream")
        if self.add_metadata:
            self._add_path_metadata(entry)

    def _add_path_metadata(self, entry: Entry) -> None:
        path = entry.attributes.get(LOG_FILE_PATH)
        if path is None:
            raise ValueError(
                f"operator '{self.id}' has 'add_metadata_from_filepath' enabled, but the log record attribute "
                f"'{LOG_FILE_PATH}' is missing. Perhaps enable the 'include_file_path' option?"
            )
        if not isinstance(path, str):
            raise ValueError(f"type '{type(path).__name__}' cannot be parsed as log path field")
        meta = self.path_cache.get(path)
        if meta is None:
            meta = parse_log_path(path)
            if meta is None:
                raise ValueError("failed to detect a valid log path")
            self.path_cache[path] = meta
            if len(self.path_cache) > 1024:
                self.path_cache.popitem(last=False)
        entry.resource.update(meta)

    def flush(self, now_ns: int) -> None:
        self.recombine.flush(now_ns)

    def stop(self) -> None:
        self.recombine.stop()
