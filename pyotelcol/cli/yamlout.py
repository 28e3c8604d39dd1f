"""YAML output laid out like Go's yaml.v3 (4-space indent, ``- key: v`` for maps in lists)."""

from __future__ import annotations

from typing import Any

import yaml


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    text = yaml.safe_dump(value, default_flow_style=True, width=10**9, allow_unicode=True)
    return text.removesuffix("\n").removesuffix("\n...").removesuffix("...").rstrip("\n")


def _lines(value: Any, indent: int) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            head = f"{pad}{_scalar(str(key))}:"
            if isinstance(item, (dict, list)) and item:
                out.append(head)
                out.extend(_lines(item, indent + 4))
            else:
                out.append(f"{head} {_empty_or_scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and item:
                # yaml.v3 aligns the item's own keys after "- " but nests their values from the dash.
                for n, line in enumerate(_lines(item, indent)):
                    own_key = line[indent : indent + 1] != " "
                    if n == 0 or own_key:
                        out.append(f"{pad}{'- ' if n == 0 else '  '}{line[indent:]}")
                    else:
                        out.append(line)
            elif isinstance(item, list) and item:
                out.append(f"{pad}-")
                out.extend(_lines(item, indent + 4))
            else:
                out.append(f"{pad}- {_empty_or_scalar(item)}")
    return out


def _empty_or_scalar(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _scalar(value)


def dump(value: Any) -> str:
    return "\n".join(_lines(value, 0)) + "\n"
