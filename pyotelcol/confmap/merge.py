"""Config maps as koanf keeps them: ``::`` key paths, deep merge, flatten/unflatten."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .errors import go_key

DELIMITER = "::"
# confmap.enableMergeAppendOption: lists at these flattened paths are unioned instead of replaced.
_APPEND_PATHS = re.compile(r"service::extensions|service::.*::receivers|service::.*::exporters", re.DOTALL)

Path = tuple[str, ...]


def copy_tree(value: Any) -> Any:
    """A fresh copy with every map key a string (Go's ``%v``), so YAML aliases share nothing."""
    if isinstance(value, dict):
        return {str(go_key(k)): copy_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_tree(v) for v in value]
    return value


def as_conf_map(raw: dict[Any, Any]) -> dict[str, Any]:
    """A retrieved map as a Conf: keys stringified, and every key containing ``::`` split into nesting.

    Splitting applies to maps nested in maps at any depth, not to maps inside lists (koanf flattens
    through maps only).
    """
    out: dict[str, Any] = {}
    for key, value in raw.items():
        value = as_conf_map(value) if isinstance(value, dict) else copy_tree(value)
        *parents, last = str(go_key(key)).split(DELIMITER)
        node = out
        for part in parents:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        if isinstance(value, dict) and isinstance(node.get(last), dict):
            merge(node[last], value)
        else:
            node[last] = value
    return out


def merge(dest: dict[str, Any], src: dict[str, Any]) -> None:
    """koanf's merge of ``src`` into ``dest``: maps merge key by key, anything else (lists, null) replaces."""
    for key, value in src.items():
        current = dest.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            merge(current, value)
        else:
            dest[key] = value


def merge_append(dest: dict[str, Any], src: dict[str, Any]) -> None:
    """The ``confmap.enableMergeAppendOption`` merge: component lists are unioned, earlier entries first."""
    dest_leaves = dict(flatten(dest))

    def union(value: Any, path: Path) -> Any:
        if isinstance(value, dict):
            return {k: union(v, (*path, k)) for k, v in value.items()}
        old = dest_leaves.get(path)
        if isinstance(value, list) and isinstance(old, list) and _APPEND_PATHS.fullmatch(DELIMITER.join(path)):
            out = list(old)
            for item in value:
                if item not in out:
                    out.append(item)
            return out
        return value

    merge(dest, union(src, ()))


def flatten(conf: dict[str, Any], prefix: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Leaf paths and values; an empty map is a leaf, lists are leaves."""
    for key, value in conf.items():
        path = (*prefix, key)
        if isinstance(value, dict) and value:
            yield from flatten(value, path)
        else:
            yield path, value


def unflatten(leaves: list[tuple[Path, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path, value in leaves:
        node = out
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return out
