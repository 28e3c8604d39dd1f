"""Prometheus relabeling (``relabel_configs``, ``metric_relabel_configs``).

Semantics as Prometheus' ``model/relabel``: ``source_labels`` values joined by ``separator``;
``regex`` fully anchored; ``$1`` / ``${1}`` / ``${name}`` in ``replacement`` and ``target_label``
expand to groups (missing groups are empty); a ``replace`` whose target expands to an empty
name, or whose regex does not match, changes nothing; an empty label value deletes the label.

Python's ``re`` stands in for RE2: the patterns relabeling uses (classes, groups, alternation,
anchors) behave the same; RE2-only syntax is rejected when the config is read.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

ACTIONS = (
    "replace",
    "keep",
    "drop",
    "keepequal",
    "dropequal",
    "hashmod",
    "labelmap",
    "labeldrop",
    "labelkeep",
    "lowercase",
    "uppercase",
)
# $1, ${1}, $name, ${name}: Go's regexp.Expand syntax ($$ is a literal $).
_TEMPLATE = re.compile(r"\$(?:\$|\{(\w+)\}|(\w+))")


_PERL_ONLY = re.compile(r"\(\?<?[=!]|\\[1-9]")


def compile_regex(pattern: str) -> re.Pattern[str]:
    """``pattern`` anchored at both ends, as Prometheus' ``relabel.NewRegexp`` does. Lookarounds
    and backreferences, which RE2 lacks, are refused as Go refuses them."""
    perl = _PERL_ONLY.search(pattern)
    if perl is not None:
        raise re.error(f"invalid or unsupported Perl syntax: `{perl.group(0)}`")
    return re.compile(f"^(?s:{pattern})$")


@dataclass
class RelabelConfig:
    """One relabeling step; defaults as Prometheus' ``DefaultRelabelConfig``."""

    source_labels: list[str] = field(default_factory=list)
    separator: str = ";"
    regex: str = "(.*)"
    modulus: int = 0
    target_label: str = ""
    replacement: str = "$1"
    action: str = "replace"
    compiled: re.Pattern[str] = field(
        default_factory=lambda: compile_regex("(.*)"), repr=False, compare=False, metadata={"internal": True}
    )

    def validate(self) -> None:
        """Prometheus' ``relabel.Config.Validate`` (same messages), with Prometheus 3's default
        UTF-8 name validation: any non-empty name is a valid label name."""
        self.compiled = compile_regex(self.regex)
        act = self.action
        if not act:
            raise ValueError("relabel action cannot be empty")
        if act not in ACTIONS:
            raise ValueError(f'unknown relabel action "{act}"')
        if self.modulus == 0 and act == "hashmod":
            raise ValueError("relabel configuration for hashmod requires non-zero modulus")
        if act in _NEEDS_TARGET and not self.target_label:
            raise ValueError(f"relabel configuration for {act} action requires 'target_label' value")
        if act in ("lowercase", "uppercase", "keepequal", "dropequal") and self.replacement != "$1":
            raise ValueError(f"'replacement' can not be set for {act} action")
        if act == "labelmap" and not self.replacement:
            raise ValueError(f"\"{self.replacement}\" is invalid 'replacement' for {act} action")
        if act in ("keepequal", "dropequal") and (
            self.regex != "(.*)" or self.modulus or self.separator != ";" or self.replacement != "$1"
        ):
            raise ValueError(f"{act} action requires only 'source_labels' and `target_label`, and no other fields")
        if act in ("labeldrop", "labelkeep") and (
            self.source_labels or self.target_label or self.modulus or self.separator != ";" or self.replacement != "$1"
        ):
            raise ValueError(f"{act} action requires only 'regex', and no other fields")


_NEEDS_TARGET = ("replace", "hashmod", "lowercase", "uppercase", "keepequal", "dropequal")


def expand(template: str, match: re.Match[str]) -> str:
    """Go's ``Regexp.ExpandString``: groups by number or name; unknown ones expand to ""."""

    def sub(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        name = m.group(1) or m.group(2)
        try:
            key: int | str = int(name) if name.isdigit() else name
            return match.group(key) or ""
        except IndexError:
            return ""

    return _TEMPLATE.sub(sub, template)


def relabel(labels: dict[str, str], configs: list[RelabelConfig]) -> dict[str, str] | None:
    """``labels`` after every step, or None when a step dropped the series."""
    out = dict(labels)
    for cfg in configs:
        if not _apply(out, cfg):
            return None
    return {k: v for k, v in out.items() if v != ""}


def _apply(lbls: dict[str, str], cfg: RelabelConfig) -> bool:
    value = cfg.separator.join(lbls.get(name, "") for name in cfg.source_labels)
    act = cfg.action
    if act == "drop":
        return cfg.compiled.match(value) is None
    if act == "keep":
        return cfg.compiled.match(value) is not None
    if act == "dropequal":
        return lbls.get(cfg.target_label, "") != value
    if act == "keepequal":
        return lbls.get(cfg.target_label, "") == value
    if act == "replace":
        if value == "" and cfg.regex == "(.*)" and "$" not in cfg.target_label + cfg.replacement:
            # Prometheus' fast path: set (or, with an empty replacement, delete) the label.
            lbls[cfg.target_label] = cfg.replacement
            return True
        m = cfg.compiled.match(value)
        if m is None:
            return True
        target = expand(cfg.target_label, m)
        if not target:
            return True
        res = expand(cfg.replacement, m)
        if res:
            lbls[target] = res
        else:
            lbls.pop(target, None)
        return True
    if act == "lowercase":
        lbls[cfg.target_label] = value.lower()
    elif act == "uppercase":
        lbls[cfg.target_label] = value.upper()
    elif act == "hashmod":
        digest = hashlib.md5(value.encode(), usedforsecurity=False).digest()
        lbls[cfg.target_label] = str(int.from_bytes(digest[8:], "big") % cfg.modulus)
    elif act == "labelmap":
        for name, val in list(lbls.items()):
            m = cfg.compiled.match(name)
            if m is not None:
                lbls[expand(cfg.replacement, m)] = val
    elif act == "labeldrop":
        for name in [n for n in lbls if cfg.compiled.match(n)]:
            del lbls[name]
    elif act == "labelkeep":
        for name in [n for n in lbls if not cfg.compiled.match(n)]:
            del lbls[name]
    return True
