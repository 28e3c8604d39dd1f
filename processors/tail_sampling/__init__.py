"""The ``tail_sampling`` processor: buffers spans per trace and decides, once ``decision_wait`` has
passed, whether to keep each whole trace according to a list of policies."""

from .config import Config
from .factory import create_factory

__all__ = ["Config", "create_factory"]
