"""Prometheus relabeling: expected outputs from Prometheus' own relabel semantics."""

from __future__ import annotations

import re
from typing import Any

import pytest

from pyotelcol.translator.prometheus import RelabelConfig, relabel

BASE = {"a": "foo", "b": "bar", "c": "baz"}


def rc(**kw: Any) -> RelabelConfig:
    cfg = RelabelConfig(**kw)
    cfg.validate()
    return cfg


def test_replace_with_groups_and_braces() -> None:
    out = relabel(BASE, [rc(source_labels=["a"], regex="f(o+)", target_label="d", replacement="${1}x$1")])
    assert out == {**BASE, "d": "ooxoo"}


def test_regex_is_fully_anchored() -> None:
    # "o+" would match inside "foo" unanchored; Prometheus anchors it, so nothing happens.
    assert relabel(BASE, [rc(source_labels=["a"], regex="o+", target_label="d")]) == BASE


def test_source_labels_join_with_separator_and_missing_is_empty() -> None:
    cfg = rc(source_labels=["a", "missing", "b"], separator="|", regex="(.*)", target_label="d")
    assert relabel(BASE, [cfg]) == {**BASE, "d": "foo||bar"}


def test_replace_to_empty_deletes_the_label_and_unknown_group_is_empty() -> None:
    assert relabel(BASE, [rc(source_labels=["a"], target_label="b", replacement="$9")]) == {"a": "foo", "c": "baz"}


def test_replace_target_from_groups() -> None:
    cfg = rc(source_labels=["a"], regex="(f)(.*)", target_label="lbl_$2", replacement="$1")
    assert relabel(BASE, [cfg]) == {**BASE, "lbl_oo": "f"}


def test_keep_and_drop() -> None:
    assert relabel(BASE, [rc(source_labels=["a"], regex="foo|x", action="keep")]) == BASE
    assert relabel(BASE, [rc(source_labels=["a"], regex="fo", action="keep")]) is None
    assert relabel(BASE, [rc(source_labels=["b"], regex="ba.", action="drop")]) is None
    assert relabel(BASE, [rc(source_labels=["b"], regex="ba", action="drop")]) == BASE


def test_hashmod_matches_prometheus() -> None:
    # Prometheus' relabel_test: md5("baz") low 8 bytes mod 1000 = 976.
    assert relabel(BASE, [rc(source_labels=["c"], target_label="d", action="hashmod", modulus=1000)]) == {
        **BASE,
        "d": "976",
    }


def test_labelmap_labeldrop_labelkeep() -> None:
    lbls = {"__meta_x_team": "a", "__meta_x_zone": "b", "keep_me": "1"}
    out = relabel(lbls, [rc(action="labelmap", regex="__meta_x_(.+)", replacement="$1")])
    assert out == {**lbls, "team": "a", "zone": "b"}
    assert relabel(lbls, [rc(action="labeldrop", regex="__meta_.*")]) == {"keep_me": "1"}
    assert relabel(lbls, [rc(action="labelkeep", regex="keep_me")]) == {"keep_me": "1"}


def test_lowercase_uppercase_keepequal_dropequal() -> None:
    lbls = {"x": "MiXed", "y": "MiXed"}
    assert relabel(lbls, [rc(source_labels=["x"], target_label="l", action="lowercase")]) == {**lbls, "l": "mixed"}
    assert relabel(lbls, [rc(source_labels=["x"], target_label="y", action="keepequal")]) == lbls
    assert relabel(lbls, [rc(source_labels=["x"], target_label="y", action="dropequal")]) is None


def test_fast_path_sets_a_constant() -> None:
    assert relabel({}, [rc(target_label="env", replacement="prod")]) == {"env": "prod"}


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"action": "explode"}, 'unknown relabel action "explode"'),
        ({"action": ""}, "relabel action cannot be empty"),
        ({"action": "hashmod", "target_label": "x"}, "relabel configuration for hashmod requires non-zero modulus"),
        ({"action": "replace"}, "relabel configuration for replace action requires 'target_label' value"),
        (
            {"action": "labeldrop", "source_labels": ["a"]},
            "labeldrop action requires only 'regex', and no other fields",
        ),
        (
            {"action": "lowercase", "target_label": "x", "replacement": "y"},
            "'replacement' can not be set for lowercase",
        ),
    ],
)
def test_invalid_configs(kw: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        rc(**kw)


def test_re2_refuses_lookarounds() -> None:
    with pytest.raises(re.error, match="invalid or unsupported Perl syntax"):
        rc(source_labels=["a"], regex="f(?=o)", target_label="d")
