"""AgentDescription and AvailableComponents as Go's opamp extension builds them."""

from __future__ import annotations

import hashlib
import platform
import socket
import sys
from collections.abc import Mapping
from importlib import metadata
from typing import Any

from pyotelcol.component import Kind
from pyotelcol.factories.registry import GROUPS

from . import opamp_pb2 as pb

IDENTIFYING_KEYS = ("service.instance.id", "service.name", "service.version")

#: Python's machine names to Go's GOARCH, which Go's extension reports as host.arch.
_GOARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64", "i386": "386", "i686": "386"}


def string_kv(key: str, value: str) -> pb.KeyValue:
    return pb.KeyValue(key=key, value=pb.AnyValue(string_value=value))


def go_os() -> str:
    return {"win32": "windows", "darwin": "darwin"}.get(sys.platform, sys.platform.rstrip("0123456789"))


def go_arch() -> str:
    machine = platform.machine()
    return _GOARCH.get(machine.lower(), machine.lower())


def os_description() -> str:
    """Go (gopsutil): ``<Platform title-cased> <version>`` on Linux, ``macOS <version>``, else GOOS."""
    if sys.platform.startswith("linux"):
        try:
            release = platform.freedesktop_os_release()
        except OSError:
            return "linux"
        return f"{release.get('ID', 'linux').title()} {release.get('VERSION_ID', '')}".rstrip()
    if sys.platform == "darwin":
        return f"macOS {platform.mac_ver()[0]}"
    if sys.platform == "win32":
        return f"{platform.system()} {platform.version()}"
    return go_os()


def agent_description(
    instance_uid: str,
    agent_type: str,
    agent_version: str,
    extra: Mapping[str, str],
    resource: Mapping[str, Any] | None,
) -> pb.AgentDescription:
    """Identifying: service.instance.id/name/version. Non-identifying (sorted by key): os.type,
    host.arch, host.name, os.description, then the configured ones over them, then (when asked)
    the resource attributes other than the identifying ones."""
    ident = [
        string_kv("service.instance.id", instance_uid),
        string_kv("service.name", agent_type),
        string_kv("service.version", agent_version),
    ]
    attrs = {
        "os.type": go_os(),
        "host.arch": go_arch(),
        "host.name": socket.gethostname(),
        "os.description": os_description(),
    }
    attrs.update(extra)
    for key, value in (resource or {}).items():
        if key not in IDENTIFYING_KEYS:
            attrs[key] = str(value)
    return pb.AgentDescription(
        identifying_attributes=ident,
        non_identifying_attributes=[string_kv(k, attrs[k]) for k in sorted(attrs)],
    )


def installed_components() -> dict[Kind, dict[str, str]]:
    """Every installed component's entry point name and the distribution that provides it
    (``name version``), the counterpart of Go's builder module references."""
    found: dict[Kind, dict[str, str]] = {}
    for kind, group in GROUPS.items():
        table = found.setdefault(kind, {})
        for ep in metadata.entry_points(group=group):
            dist = ep.dist
            table[ep.name] = f"{dist.metadata['Name']} {dist.version}" if dist is not None else ep.module
    return found


_ORDER = (Kind.RECEIVER, Kind.PROCESSOR, Kind.EXPORTER, Kind.EXTENSION, Kind.CONNECTOR)


def available_components(components: Mapping[Kind, Mapping[str, str]]) -> pb.AvailableComponents:
    """Go's layout: ``receivers``/``processors``/... each holding one entry per type with the
    ``code.namespace`` metadata; the hash is SHA-256 of ``receiver:type=ref;...processor:...``."""
    text = ""
    for kind in _ORDER:
        table = components.get(kind, {})
        text += f"{kind}:" + "".join(f"{name}={table[name]};" for name in sorted(table))
    out = pb.AvailableComponents(hash=hashlib.sha256(text.encode()).digest())
    for kind in _ORDER:
        details = out.components[kind.plural]
        for name, ref in components.get(kind, {}).items():
            details.sub_component_map[name].metadata.append(string_kv("code.namespace", ref))
    return out
