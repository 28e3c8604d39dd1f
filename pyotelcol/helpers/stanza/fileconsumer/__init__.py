"""Go's pkg/stanza/fileconsumer: find files by glob, identify them by the fingerprint of their
first bytes, read new lines from remembered offsets, and checkpoint the offsets."""

from .manager import EmitFunc, Manager, Settings
from .splitter import Splitter

__all__ = ["EmitFunc", "Manager", "Settings", "Splitter"]
