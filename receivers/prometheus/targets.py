"""Targets: target groups (static, from files, from HTTP) → target label sets, then
``relabel_configs``, as Prometheus' ``TargetsFromGroup`` and ``PopulateLabels`` do."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from pyotelcol.translator.prometheus import relabel

from .promconfig import ScrapeConfig


@dataclass(frozen=True)
class Target:
    """One scrape target: its URL, its public labels (job, instance, static and relabeled ones)
    and the scheme for the resource."""

    url: str
    labels: tuple[tuple[str, str], ...]
    scheme: str

    @property
    def job(self) -> str:
        return dict(self.labels).get("job", "")

    @property
    def instance(self) -> str:
        return dict(self.labels).get("instance", "")


def _interval_text(seconds: float) -> str:
    return f"{int(seconds)}s" if seconds == int(seconds) else f"{int(seconds * 1000)}ms"


@dataclass(frozen=True)
class TargetGroup:
    """Prometheus' ``targetgroup.Group``: addresses sharing labels, named by where they came
    from (``source``: the static config's index, ``<file>:<i>``, ``<url>:<i>``)."""

    source: str
    targets: tuple[str, ...]
    labels: tuple[tuple[str, str], ...] = ()


def static_groups(sc: ScrapeConfig) -> list[TargetGroup]:
    return [TargetGroup(str(i), tuple(st.targets), tuple(st.labels.items())) for i, st in enumerate(sc.static_configs)]


def targets_from_group(sc: ScrapeConfig, group: TargetGroup) -> tuple[list[Target], list[str]]:
    """Prometheus' ``TargetsFromGroup``: the group's targets after ``relabel_configs``, and one
    error per target that could not be made (``instance <i> in group <source>: <why>``)."""
    out: list[Target] = []
    failures: list[str] = []
    for i, address in enumerate(group.targets):
        # the target's own label (__address__) wins over the group's labels
        base = {k: v for k, v in group.labels if k != "__address__"}
        base["__address__"] = address
        defaults = {
            "job": sc.job_name,
            "__scrape_interval__": _interval_text(sc.interval_s),
            "__scrape_timeout__": _interval_text(sc.timeout_s),
            "__metrics_path__": sc.metrics_path,
            "__scheme__": sc.scheme,
        }
        for name, value in defaults.items():
            if not base.get(name):
                base[name] = value
        for name, values in sc.params.items():
            if values and not base.get(f"__param_{name}"):
                base[f"__param_{name}"] = values[0]
        final = relabel(base, sc.relabel_configs)
        if final is None:
            continue
        if not final.get("__address__"):
            failures.append(f"instance {i} in group {group.source}: no address")
            continue
        if "/" in final["__address__"]:
            failures.append(f'instance {i} in group {group.source}: "{final["__address__"]}" is not a valid hostname')
            continue
        if not final.get("instance"):
            final["instance"] = final["__address__"]
        params = {k[len("__param_") :]: v for k, v in final.items() if k.startswith("__param_")}
        query = {**{k: v[0] for k, v in sc.params.items() if v}, **params}
        url = f"{final['__scheme__']}://{final['__address__']}{final['__metrics_path__']}"
        if query:
            url += "?" + urlencode(query)
        # __meta_* and every other "__" label end with relabeling
        public = tuple(sorted((k, v) for k, v in final.items() if not k.startswith("__")))
        out.append(Target(url, public, final["__scheme__"]))
    return out, failures
