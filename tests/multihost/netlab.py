"""Several hosts on one machine: Linux network namespaces joined by a bridge, and a real DNS
server (dnsmasq) for names that resolve to them.

Layout: a hub namespace holds the bridge (10.N.0.254, where dnsmasq listens); every host is a
namespace with one veth into the bridge and its own address 10.N.0.<i>; the test process itself
(root namespace) joins the bridge as 10.N.0.100 so it can talk to every host. Each host's
``/etc/resolv.conf`` points at dnsmasq (``ip netns exec`` mounts ``/etc/netns/<ns>/resolv.conf``
over it), so a collector inside resolves names the way it would on a real host.

Everything is named ``pyolab<pid>…``; ``close()`` (always called by the fixture, also when a test
fails) kills the processes and deletes namespaces, links and files, and a new lab first removes
what a killed earlier run (a dead pid) left behind.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

PREFIX = "pyolab"


class LabUnavailable(Exception):
    """The machine cannot make namespaces (not root, no ``ip``, a kernel without netns)."""


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check)


def remove_stale_labs() -> None:
    """Delete namespaces and links of labs whose creating process is gone."""
    listing = _ip("netns", "list", check=False).stdout
    for name in re.findall(rf"^({PREFIX}(\d+)\S*)", listing, flags=re.M):
        ns, pid = name
        if not Path(f"/proc/{pid}").exists():
            _ip("netns", "del", ns, check=False)
            shutil.rmtree(f"/etc/netns/{ns}", ignore_errors=True)
    links = _ip("-o", "link", "show", check=False).stdout
    for link, pid in re.findall(rf"\d+: ({PREFIX[:3]}(\d+)r)[@:]", links):
        if not Path(f"/proc/{pid}").exists():
            _ip("link", "del", link, check=False)


@dataclass
class Host:
    name: str
    ns: str
    address: str


@dataclass
class NetLab:
    """A bridge, hosts on it, processes inside them, and a DNS server."""

    workdir: Path
    subnet: int = field(default_factory=lambda: 16 + os.getpid() % 200)
    hosts: dict[str, Host] = field(default_factory=dict)
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    _dns: subprocess.Popen[bytes] | None = None
    _dns_hosts: Path | None = None

    def __post_init__(self) -> None:
        self.tag = f"{PREFIX}{os.getpid()}"
        self.hub = f"{self.tag}hub"
        if os.geteuid() != 0 or shutil.which("ip") is None:
            raise LabUnavailable("network namespaces need root and iproute2's ip")
        remove_stale_labs()
        try:
            _ip("netns", "add", self.hub)
        except subprocess.CalledProcessError as exc:
            raise LabUnavailable(f"ip netns add failed: {exc.stderr.strip()}") from None
        self._in(self.hub, "ip", "link", "set", "lo", "up")
        self._in(self.hub, "ip", "link", "add", "br0", "type", "bridge")
        self._in(self.hub, "ip", "addr", "add", f"{self.dns_address}/24", "dev", "br0")
        self._in(self.hub, "ip", "link", "set", "br0", "up")
        # the test process joins the bridge too
        root_if, root_peer = f"{PREFIX[:3]}{os.getpid()}r", "uplink"
        _ip("link", "add", root_if, "type", "veth", "peer", "name", root_peer, "netns", self.hub)
        self._root_if = root_if
        _ip("addr", "add", f"10.{self.subnet}.0.100/24", "dev", root_if)
        _ip("link", "set", root_if, "up")
        self._in(self.hub, "ip", "link", "set", root_peer, "master", "br0", "up")

    @property
    def dns_address(self) -> str:
        return f"10.{self.subnet}.0.254"

    def _in(self, ns: str, *argv: str) -> None:
        subprocess.run(["ip", "netns", "exec", ns, *argv], check=True, capture_output=True, text=True)

    def add_host(self, name: str) -> Host:
        index = len(self.hosts) + 1
        ns = f"{self.tag}{name}"
        _ip("netns", "add", ns)
        port = f"p{index}"
        _ip("link", "add", "eth0", "netns", ns, "type", "veth", "peer", "name", port, "netns", self.hub)
        address = f"10.{self.subnet}.0.{index}"
        self._in(ns, "ip", "link", "set", "lo", "up")
        self._in(ns, "ip", "addr", "add", f"{address}/24", "dev", "eth0")
        self._in(ns, "ip", "link", "set", "eth0", "up")
        self._in(self.hub, "ip", "link", "set", port, "master", "br0", "up")
        etc = Path(f"/etc/netns/{ns}")
        etc.mkdir(parents=True, exist_ok=True)
        (etc / "resolv.conf").write_text(f"nameserver {self.dns_address}\noptions timeout:1 attempts:2\n")
        host = Host(name, ns, address)
        self.hosts[name] = host
        return host

    def run(self, host: Host, argv: list[str], log: Path) -> subprocess.Popen[bytes]:
        """Start ``argv`` inside ``host``; its output goes to ``log``."""
        out = log.open("wb")
        proc = subprocess.Popen(["ip", "netns", "exec", host.ns, *argv], stdout=out, stderr=subprocess.STDOUT)
        self.procs.append(proc)
        return proc

    def collector(self, host: Host, config: str) -> subprocess.Popen[bytes]:
        path = self.workdir / f"{host.name}.yaml"
        path.write_text(config)
        return self.run(
            host, [sys.executable, "-m", "pyotelcol", "--config", str(path)], self.workdir / f"{host.name}.log"
        )

    def log(self, host: Host) -> str:
        return (self.workdir / f"{host.name}.log").read_text(errors="replace")

    def wait_ready(self, host: Host, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "Everything is ready" in self.log(host):
                return
            if proc.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"collector on {host.name} did not start:\n{self.log(host)}")

    # -- DNS ---------------------------------------------------------------------------------
    def start_dns(self, names: dict[str, list[str]]) -> None:
        """dnsmasq on the bridge, answering only for ``names`` (no upstream, no /etc/hosts)."""
        exe = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"
        if not Path(exe).exists():
            raise LabUnavailable("dnsmasq is not installed (Debian package dnsmasq)")
        self._dns_hosts = self.workdir / "dns-hosts"
        self.set_dns(names)
        argv = [
            exe,
            "--keep-in-foreground",
            "--no-resolv",
            "--no-hosts",
            f"--addn-hosts={self._dns_hosts}",
            f"--listen-address={self.dns_address}",
            "--bind-interfaces",
            "--local-ttl=0",
            "--user=root",
            f"--pid-file={self.workdir / 'dnsmasq.pid'}",
            "--log-facility=-",
        ]
        log = (self.workdir / "dnsmasq.log").open("wb")
        self._dns = subprocess.Popen(["ip", "netns", "exec", self.hub, *argv], stdout=log, stderr=subprocess.STDOUT)
        time.sleep(0.3)
        if self._dns.poll() is not None:
            raise AssertionError((self.workdir / "dnsmasq.log").read_text())

    def set_dns(self, names: dict[str, list[str]]) -> None:
        """Replace the answers; dnsmasq rereads its hosts file on SIGHUP."""
        assert self._dns_hosts is not None
        lines = [f"{address} {name}" for name, addresses in names.items() for address in addresses]
        self._dns_hosts.write_text("\n".join(lines) + "\n")
        if self._dns is not None and self._dns.poll() is None:
            self._dns.send_signal(signal.SIGHUP)

    # -- teardown ----------------------------------------------------------------------------
    def close(self) -> None:
        for proc in [*self.procs, *([self._dns] if self._dns else [])]:
            if proc.poll() is None:
                proc.terminate()
        for proc in [*self.procs, *([self._dns] if self._dns else [])]:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for host in self.hosts.values():
            _ip("netns", "del", host.ns, check=False)
            shutil.rmtree(f"/etc/netns/{host.ns}", ignore_errors=True)
        _ip("link", "del", self._root_if, check=False)
        _ip("netns", "del", self.hub, check=False)
