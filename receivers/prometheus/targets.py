"""Static targets: ``static_configs`` entries → target label sets, then ``relabel_configs``,
as Prometheus' ``PopulateLabels`` does."""

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


def targets_of(sc: ScrapeConfig) -> list[Target]:
    out: list[Target] = []
    seen: set[Target] = set()
    for group in sc.static_configs:
        for address in group.targets:
            base = {
                "__address__": address,
                "__scheme__": sc.scheme,
                "__metrics_path__": sc.metrics_path,
                "__scrape_interval__": _interval_text(sc.interval_s),
                "__scrape_timeout__": _interval_text(sc.timeout_s),
                "job": sc.job_name,
            }
            for name, values in sc.params.items():
                if values:
                    base[f"__param_{name}"] = values[0]
            base.update(group.labels)
            final = relabel(base, sc.relabel_configs)
            if final is None or not final.get("__address__"):
                continue
            final.setdefault("instance", final["__address__"])
            params = {k[len("__param_") :]: v for k, v in final.items() if k.startswith("__param_")}
            query = {**{k: v[0] for k, v in sc.params.items() if v}, **params}
            url = f"{final['__scheme__']}://{final['__address__']}{final['__metrics_path__']}"
            if query:
                url += "?" + urlencode(query)
            public = tuple(sorted((k, v) for k, v in final.items() if not k.startswith("__")))
            target = Target(url, public, final["__scheme__"])
            if target not in seen:  # Prometheus deduplicates identical targets
                seen.add(target)
                out.append(target)
    return out
