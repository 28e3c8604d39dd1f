"""``system``: the host's name, OS and hardware, with Go's value formats.

``host.name`` comes from the first of ``hostname_sources`` (default ``[dns, os]``) that answers;
when none does the detector fails. ``os.type`` is Go's GOOS name (``linux``, ``darwin``,
``windows``), ``host.arch`` the semantic-convention name of the CPU architecture (``amd64``,
``arm64``, ``x86``, ``arm32``, ``ppc64``, ``s390x``), MAC addresses are upper-case and
hyphen-separated (IEEE RA form), ``os.description`` is what Go's SDK reports
(``<PRETTY_NAME> (<uname fields>)`` on Linux).
"""

from __future__ import annotations

import asyncio
import os
import platform
import socket
import sys
from pathlib import Path
from typing import Any

import psutil

from .base import SCHEMA_URL, Deadline, Detected, DetectionError, DetectorContext, ResourceBuilder

DEFAULT_HOSTNAME_SOURCES = ("dns", "os")

_ARCH = {
    "x86_64": "amd64",
    "amd64": "amd64",
    "aarch64": "arm64",
    "arm64": "arm64",
    "i386": "x86",
    "i486": "x86",
    "i586": "x86",
    "i686": "x86",
    "x86": "x86",
    "ppc64le": "ppc64",
    "ppc64": "ppc64",
    "s390x": "s390x",
    "riscv64": "riscv64",
    "mips64": "mips64",
    "loongarch64": "loong64",
}


def os_type() -> str:
    """Go's GOOS for this platform (``dragonfly`` is reported as ``dragonflybsd``)."""
    plat = sys.platform
    if plat.startswith("linux"):
        return "linux"
    if plat == "darwin":
        return "darwin"
    if plat in ("win32", "cygwin"):
        return "windows"
    for name in ("freebsd", "openbsd", "netbsd", "aix", "sunos"):
        if plat.startswith(name):
            return "solaris" if name == "sunos" else name
    if plat.startswith("dragonfly"):
        return "dragonflybsd"
    return plat


def host_arch() -> str:
    machine = platform.machine().lower()
    if machine.startswith("armv") or machine == "arm":
        return "arm32"
    return _ARCH.get(machine, machine)


def _os_release() -> dict[str, str]:
    try:
        return platform.freedesktop_os_release()
    except OSError:
        return {}


def os_version() -> str:
    """gopsutil's PlatformVersion: os-release ``VERSION_ID`` on Linux, the release elsewhere."""
    if os_type() == "linux":
        release = _os_release()
        if os.path.exists("/etc/debian_version") and release.get("ID") == "debian":
            return Path("/etc/debian_version").read_text().strip()
        return release.get("VERSION_ID", "")
    if os_type() == "darwin":
        return platform.mac_ver()[0]
    return platform.version()


def os_description() -> str:
    uname = platform.uname()
    fields = f"{uname.system} {uname.node} {uname.release} {uname.version} {uname.machine}"
    if os_type() == "windows":
        return f"{uname.system} {uname.release} {uname.version}"
    pretty = _os_release().get("PRETTY_NAME", "")
    if os_type() == "darwin":
        pretty = f"macOS {platform.mac_ver()[0]}"
    return f"{pretty} ({fields})" if pretty else fields


def host_id() -> str:
    """The machine id (Linux: ``/etc/machine-id``, then dbus's copy), as Go's SDK reads it."""
    for path in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        try:
            value = Path(path).read_text().strip()
        except OSError:
            continue
        if value:
            return value
    raise DetectionError('failed to obtain "host.id"')


def os_build_id() -> str:
    build = _os_release().get("BUILD_ID", "") if os_type() == "linux" else ""
    return build or platform.release()


def _up_interfaces() -> list[str]:
    stats = psutil.net_if_stats()
    return [name for name, st in stats.items() if st.isup and not _is_loopback(name)]


def _is_loopback(name: str) -> bool:
    for addr in psutil.net_if_addrs().get(name, []):
        if addr.family in (socket.AF_INET, socket.AF_INET6) and addr.address.split("%")[0] in ("127.0.0.1", "::1"):
            return True
    return name == "lo"


def host_ips() -> list[str]:
    addrs = psutil.net_if_addrs()
    out = []
    for name in _up_interfaces():
        for addr in addrs.get(name, []):
            if addr.family not in (socket.AF_INET, socket.AF_INET6):
                continue
            ip = addr.address.split("%")[0]  # Go prints no zone
            if ip.startswith("127.") or ip == "::1":
                continue
            out.append(ip)
    return out


def host_macs() -> list[str]:
    addrs = psutil.net_if_addrs()
    out = []
    for name in _up_interfaces():
        mac = next((a.address for a in addrs.get(name, []) if a.family == psutil.AF_LINK), "")
        out.append(mac.replace(":", "-").upper())
    return out


def host_interfaces() -> list[str]:
    return list(psutil.net_if_stats())


def cpu_info() -> dict[str, str]:
    """The first processor's block of ``/proc/cpuinfo`` (gopsutil's cpu.Info()[0])."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError as exc:
        raise DetectionError(f"failed getting host cpuinfo: {exc}") from None
    info: dict[str, str] = {}
    for line in text.split("\n\n", 1)[0].splitlines():
        key, sep, value = line.partition(":")
        if sep:
            info[key.strip()] = value.strip()
    return info


# -- host name sources ------------------------------------------------------------------------


def _strip_dot(name: str) -> str:
    return name.rstrip(".")


def hostname_os() -> str:
    name = socket.gethostname()
    if not name:
        raise DetectionError("failed getting OS hostname")
    return name


def hostname_cname() -> str:
    host = hostname_os()
    try:
        infos = socket.getaddrinfo(host, None, flags=socket.AI_CANONNAME)
    except OSError as exc:
        raise DetectionError(f"lookupCNAME failed to get CNAME: {exc}") from None
    canon = next((info[3] for info in infos if info[3]), "")
    if not canon:
        raise DetectionError("lookupCNAME failed to get CNAME: no canonical name")
    return _strip_dot(canon)


def hostname_lookup() -> str:
    host = hostname_os()
    try:
        ips = list(dict.fromkeys(str(info[4][0]) for info in socket.getaddrinfo(host, None)))
    except OSError as exc:
        raise DetectionError(f"reverseLookupHost failed to lookup host: {exc}") from None
    last: Exception | None = None
    for ip in ips:
        try:
            return _strip_dot(socket.gethostbyaddr(ip)[0])
        except OSError as exc:
            last = exc
    raise DetectionError(f"reverseLookupHost failed to lookup host: {last}")


def _hosts_file_name(host: str) -> str | None:
    """The canonical name of the ``/etc/hosts`` line that lists ``host``, as go-fqdn reads it."""
    try:
        lines = Path("/etc/hosts").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        names = line.split("#", 1)[0].split()[1:]
        if host in names:
            return _strip_dot(names[0])
    return None


def hostname_dns() -> str:
    host = hostname_os()
    found = _hosts_file_name(host)
    if found:
        return found
    for source in (hostname_cname, hostname_lookup):
        try:
            return source()
        except DetectionError:
            continue
    raise DetectionError("getFQDN failed getting FQDN: could not resolve the host name")


HOSTNAME_SOURCES = {"os": hostname_os, "dns": hostname_dns, "cname": hostname_cname, "lookup": hostname_lookup}


class SystemDetector:
    def __init__(self, ctx: DetectorContext) -> None:
        self._sources = list(ctx.section.hostname_sources) or list(DEFAULT_HOSTNAME_SOURCES)
        self._logger = ctx.logger
        self._section = ctx.section
        self._deprecated_build_id = ctx.section.resource_attributes.os_build_id_deprecated.enabled
        if self._deprecated_build_id:
            self._logger.warning("the os.build.id resource attribute is deprecated, use os.build_id instead")

    async def detect(self, deadline: Deadline) -> Detected:
        # Name lookups block: run them off the event loop.
        return await asyncio.to_thread(self._detect)

    def _detect(self) -> Detected:
        rb = ResourceBuilder(self._section)
        cpu: dict[str, str] = {}
        cpu_attrs = [n for n in ("host.cpu.cache.l2.size", "host.cpu.family", "host.cpu.model.id") if rb.enabled(n)]
        cpu_attrs += [n for n in ("host.cpu.model.name", "host.cpu.stepping", "host.cpu.vendor.id") if rb.enabled(n)]
        if cpu_attrs:
            cpu = cpu_info()
        errors: list[str] = []
        for source in self._sources:
            try:
                hostname = HOSTNAME_SOURCES[source]()
            except (DetectionError, OSError) as exc:
                errors.append(f"{source}: {exc}")
                continue
            rb.set("host.name", hostname)
            self._set_host_attributes(rb, cpu)
            detected = rb.emit(SCHEMA_URL)
            if self._deprecated_build_id:
                detected.attributes["os.build.id"] = os_build_id()
            return detected
        self._logger.debug("hostname sources failed: %s", "; ".join(errors))
        raise DetectionError("all hostname sources failed to get hostname")

    def _set_host_attributes(self, rb: ResourceBuilder, cpu: dict[str, str]) -> None:
        rb.set("os.type", os_type())
        if rb.enabled("os.version"):
            rb.set("os.version", os_version())
        if rb.enabled("host.id"):
            try:
                rb.set("host.id", host_id())
            except DetectionError as exc:
                self._logger.warning("failed to get host ID: %s", exc)
        rb.set("host.arch", host_arch())
        if rb.enabled("host.ip"):
            rb.set("host.ip", host_ips())
        if rb.enabled("host.mac"):
            rb.set("host.mac", host_macs())
        if rb.enabled("host.interface"):
            rb.set("host.interface", host_interfaces())
        if rb.enabled("os.description"):
            rb.set("os.description", os_description())
        if rb.enabled("os.name"):
            rb.set("os.name", _os_release().get("ID", "") if os_type() == "linux" else os_type())
        if rb.enabled("os.build_id"):
            rb.set("os.build_id", os_build_id())
        if cpu:
            _set_cpu(rb, cpu)


def _set_cpu(rb: ResourceBuilder, cpu: dict[str, str]) -> None:
    rb.set("host.cpu.vendor.id", cpu.get("vendor_id", ""))
    rb.set("host.cpu.family", cpu.get("cpu family", ""))
    if cpu.get("model"):
        rb.set("host.cpu.model.id", cpu["model"])
    rb.set("host.cpu.model.name", cpu.get("model name", ""))
    rb.set("host.cpu.stepping", _int_text(cpu.get("stepping", "0")))
    cache = cpu.get("cache size", "0").split()[0] if cpu.get("cache size") else "0"
    rb.set("host.cpu.cache.l2.size", int(cache) if cache.isdigit() else 0)


def _int_text(value: Any) -> str:
    text = str(value).strip()
    return text if text.isdigit() else "0"
