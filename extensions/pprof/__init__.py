"""pprof extension: CPU profiles, thread and task stacks and heap profiles in pprof's format."""

from .factory import create_factory

__all__ = ["create_factory"]
