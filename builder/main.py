"""Placeholder until the builder issue lands."""

import sys


def main() -> int:
    print("builder: not implemented yet (tracked in its own issue)", file=sys.stderr)
    return 2
