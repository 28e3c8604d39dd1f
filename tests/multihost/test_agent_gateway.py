"""An agent tier and a gateway tier on separate hosts (network namespaces), as docs/scaling.md
lays them out: the agent's ``load_balancing`` exporter finds the gateways through a real DNS
server (dnsmasq) and sends every span of a trace to one of them; the gateways tail-sample and
derive span metrics."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from pathlib import Path

import pytest
from multihost.netlab import Host, NetLab
from multihost.traffic import read_spans, send_traces, traces_by_host

GATEWAYS = "gateways.lab.test"

AGENT = f"""
receivers: {{otlp: {{protocols: {{grpc: {{endpoint: 0.0.0.0:4317}}}}}}}}
exporters:
  load_balancing:
    routing_key: traceID
    protocol: {{otlp: {{tls: {{insecure: true}}, timeout: 5s}}}}
    resolver: {{dns: {{hostname: {GATEWAYS}, port: 4317, interval: 500ms, timeout: 1s}}}}
service:
  telemetry: {{metrics: {{level: none}}}}
  pipelines: {{traces: {{receivers: [otlp], exporters: [load_balancing]}}}}
"""


def gateway_config(traces_out: Path, metrics_out: Path, *, tail_sampling: bool) -> str:
    processors = (
        """
processors:
  tail_sampling:
    decision_wait: 1s
    policies: [{name: errors, type: status_code, status_code: {status_codes: [ERROR]}}]
"""
        if tail_sampling
        else ""
    )
    chain = "[tail_sampling]" if tail_sampling else "[]"
    return f"""
receivers: {{otlp: {{protocols: {{grpc: {{endpoint: 0.0.0.0:4317}}}}}}}}
{processors}
connectors: {{span_metrics: {{metrics_flush_interval: 500ms}}}}
exporters:
  file/traces: {{path: {traces_out}}}
  file/metrics: {{path: {metrics_out}}}
service:
  telemetry: {{metrics: {{level: none}}}}
  pipelines:
    traces: {{receivers: [otlp], exporters: [span_metrics]}}
    traces/kept: {{receivers: [otlp], processors: {chain}, exporters: [file/traces]}}
    metrics: {{receivers: [span_metrics], exporters: [file/metrics]}}
"""


class Tiers:
    """One agent and ``n`` gateways, each its own host."""

    def __init__(self, lab: NetLab, n: int, *, tail_sampling: bool = False) -> None:
        self.lab = lab
        self.gateways: list[Host] = [lab.add_host(f"gw{i}") for i in range(1, n + 1)]
        self.agent = lab.add_host("agent")
        lab.start_dns({GATEWAYS: [g.address for g in self.gateways]})
        self.traces = {g.name: lab.workdir / f"{g.name}-traces.jsonl" for g in self.gateways}
        self.metrics = {g.name: lab.workdir / f"{g.name}-metrics.jsonl" for g in self.gateways}
        self.procs = {
            g.name: lab.collector(
                g, gateway_config(self.traces[g.name], self.metrics[g.name], tail_sampling=tail_sampling)
            )
            for g in self.gateways
        }
        for g in self.gateways:
            lab.wait_ready(g, self.procs[g.name])
        self.agent_proc = lab.collector(self.agent, AGENT)
        lab.wait_ready(self.agent, self.agent_proc)

    @property
    def endpoint(self) -> str:
        return f"{self.agent.address}:4317"

    def wait_spans(self, expected: int, timeout: float = 30) -> dict[str, dict[str, int]]:
        deadline = time.monotonic() + timeout
        while True:
            found = traces_by_host(self.traces)
            total = sum(sum(hosts.values()) for hosts in found.values())
            if total >= expected or time.monotonic() > deadline:
                return found
            time.sleep(0.2)


@pytest.fixture
def three_gateways(netlab: NetLab) -> Tiers:
    return Tiers(netlab, 3)


def test_every_span_of_a_trace_reaches_one_gateway(three_gateways: Tiers) -> None:
    sent = send_traces(three_gateways.endpoint, 150)
    found = three_gateways.wait_spans(3 * len(sent))
    assert set(found) == sent, three_gateways.lab.log(three_gateways.agent)
    split = {t: hosts for t, hosts in found.items() if len(hosts) != 1}
    assert not split, f"traces split across gateways: {split}"
    assert all(sum(hosts.values()) == 3 for hosts in found.values())
    per_gateway: dict[str, int] = defaultdict(int)
    for hosts in found.values():
        for host in hosts:
            per_gateway[host] += 1
    # the ring spreads 150 random trace ids over all three
    assert set(per_gateway) == {"gw1", "gw2", "gw3"}, per_gateway


def test_tail_sampling_on_the_gateways_keeps_whole_traces(netlab: NetLab) -> None:
    tiers = Tiers(netlab, 3, tail_sampling=True)
    with_errors: set[str] = set()
    send_traces(tiers.endpoint, 100, error_every=4, errored=with_errors)
    assert len(with_errors) == 25
    tiers.wait_spans(3 * 25, timeout=30)
    time.sleep(1.5)  # a decision_wait more: nothing else may arrive
    kept = traces_by_host(tiers.traces)
    # whole traces: the error span's two siblings (OK status) are kept with it, on one gateway
    assert set(kept) == with_errors
    assert all(len(hosts) == 1 and sum(hosts.values()) == 3 for hosts in kept.values()), kept
    errors = {
        span["traceId"]
        for path in tiers.traces.values()
        for span in read_spans(path)
        if span.get("status", {}).get("code") in (2, "STATUS_CODE_ERROR")
    }
    assert errors == with_errors


def _calls(files: dict[str, Path]) -> dict[tuple[str, str, str], int]:
    """The latest cumulative ``traces.span.metrics.calls`` per (host, span name, status)."""
    latest: dict[tuple[str, str, str], int] = {}
    for host, path in files.items():
        if not path.exists():
            continue
        for line in path.read_text().splitlines():
            for rm in json.loads(line).get("resourceMetrics", []):
                for sm in rm.get("scopeMetrics", []):
                    for metric in sm.get("metrics", []):
                        if metric["name"] != "traces.span.metrics.calls":
                            continue
                        for point in metric["sum"]["dataPoints"]:
                            attrs = {a["key"]: a["value"].get("stringValue", "") for a in point["attributes"]}
                            key = (host, attrs["span.name"], attrs["status.code"])
                            latest[key] = int(point["asInt"])
    return latest


def test_span_metrics_on_the_gateways_add_up_to_a_single_collectors(netlab: NetLab) -> None:
    tiers = Tiers(netlab, 3)
    single_host = netlab.add_host("single")
    single_files = (netlab.workdir / "single-traces.jsonl", netlab.workdir / "single-metrics.jsonl")
    single = netlab.collector(single_host, gateway_config(*single_files, tail_sampling=False))
    netlab.wait_ready(single_host, single)
    sent = send_traces(tiers.endpoint, 120, error_every=6)
    # the single collector gets traffic of the same shape (names, counts, error pattern; the SDK
    # makes new ids), which is all span metrics aggregate on
    send_traces(f"{single_host.address}:4317", 120, error_every=6)
    tiers.wait_spans(3 * len(sent))
    deadline = time.monotonic() + 20  # flushes every 500 ms; a busy machine may take longer
    while True:
        totals: dict[tuple[str, str], int] = defaultdict(int)
        for (_, name, status), value in _calls(tiers.metrics).items():
            totals[(name, status)] += value
        alone = {(n, st): v for (_, n, st), v in _calls({"single": single_files[1]}).items()}
        if (sum(alone.values()) == 360 and dict(totals) == alone) or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    assert alone and dict(totals) == alone
    assert sum(alone.values()) == 360


def test_removing_a_gateway_reroutes_without_loss(three_gateways: Tiers) -> None:
    tiers = three_gateways
    sent: set[str] = set()
    stop = threading.Event()

    def keep_sending() -> None:
        batch = 0
        while not stop.is_set():
            sent.update(send_traces(tiers.endpoint, 20, start=batch * 20))
            batch += 1

    sender = threading.Thread(target=keep_sending)
    sender.start()
    try:
        time.sleep(2)
        remaining = [g.address for g in tiers.gateways if g.name != "gw3"]
        tiers.lab.set_dns({GATEWAYS: remaining})
        time.sleep(2)  # several re-resolutions: gw3 leaves the ring
        tiers.procs["gw3"].terminate()
        tiers.procs["gw3"].wait(timeout=30)
        time.sleep(2)
    finally:
        stop.set()
        sender.join(timeout=60)
    before = len(sent)
    found = tiers.wait_spans(3 * before, timeout=40)
    missing = sent - set(found)
    assert not missing, f"{len(missing)} of {before} traces lost:\n{tiers.lab.log(tiers.agent)[-3000:]}"
    assert all(sum(hosts.values()) >= 3 for hosts in found.values())
    late = traces_by_host({k: v for k, v in tiers.traces.items() if k != "gw3"})
    assert late, "the remaining gateways got nothing"
