"""The lab itself: a collector on one host reaches another by a name dnsmasq resolves."""

from __future__ import annotations

import time

from multihost.netlab import NetLab
from multihost.traffic import read_spans, send_traces


def test_an_agent_reaches_a_gateway_by_name_across_hosts(netlab: NetLab) -> None:
    agent, gateway = netlab.add_host("agent"), netlab.add_host("gw")
    netlab.start_dns({"gateway.lab.test": [gateway.address]})
    out = netlab.workdir / "gw-traces.jsonl"
    gw = netlab.collector(
        gateway,
        f"""
receivers: {{otlp: {{protocols: {{grpc: {{endpoint: 0.0.0.0:4317}}}}}}}}
exporters: {{file: {{path: {out}}}}}
service:
  telemetry: {{metrics: {{level: none}}}}
  pipelines: {{traces: {{receivers: [otlp], exporters: [file]}}}}
""",
    )
    ag = netlab.collector(
        agent,
        """
receivers: {otlp: {protocols: {grpc: {endpoint: 0.0.0.0:4317}}}}
exporters: {otlp_grpc: {endpoint: "gateway.lab.test:4317", tls: {insecure: true}}}
service:
  telemetry: {metrics: {level: none}}
  pipelines: {traces: {receivers: [otlp], exporters: [otlp_grpc]}}
""",
    )
    netlab.wait_ready(gateway, gw)
    netlab.wait_ready(agent, ag)
    sent = send_traces(f"{agent.address}:4317", 20)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len({s["traceId"] for s in read_spans(out)}) < len(sent):
        time.sleep(0.2)
    assert {s["traceId"] for s in read_spans(out)} == sent, netlab.log(agent)
