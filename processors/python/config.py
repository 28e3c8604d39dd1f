"""Configuration of the ``python`` processor, and loading the function it runs."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

ERROR_MODES = ("propagate", "ignore", "silent")


class LoadError(ValueError):
    """The module or function cannot be loaded; the message names the file and line."""


@dataclass
class Config:
    # A file (``./scrub.py``, relative to the working directory) or a dotted module path.
    module: str = ""
    # The function to call: ``function(data, config)`` -> data, or None to drop the data.
    function: str = "process"
    # Passed to the function as its second argument.
    config: dict[str, Any] = field(default_factory=dict)
    # What happens when the function raises: propagate (the caller gets a permanent error), ignore
    # (logged, the data goes on unchanged), silent (the same, not logged).
    error_mode: str = "propagate"
    # Longest a call may take (0: no limit); a call that takes longer is an error like any other.
    timeout: timedelta = timedelta(seconds=1)
    # Run a synchronous function in a worker thread instead of on the event loop.
    run_in_thread: bool = False
    loaded: Callable[..., Any] | None = field(default=None, metadata={"internal": True}, repr=False, compare=False)

    def validate(self) -> None:
        if not self.module:
            raise ValueError("'module' must name a Python file or module")
        if self.error_mode not in ERROR_MODES:
            raise ValueError(f"'error_mode' must be one of {', '.join(ERROR_MODES)}, got {self.error_mode!r}")
        if self.timeout < timedelta(0):
            raise ValueError("'timeout' must not be negative")
        self.loaded = load_function(self.module, self.function)


def _is_path(module: str) -> bool:
    return module.endswith(".py") or "/" in module or "\\" in module


def _load_module(module: str) -> Any:
    if not _is_path(module):
        try:
            return importlib.import_module(module)
        except SyntaxError as exc:
            raise LoadError(f"{exc.filename}:{exc.lineno}: syntax error: {exc.msg}") from None
        except ImportError as exc:
            raise LoadError(f"cannot import module {module!r}: {exc}") from None
    path = Path(module).resolve()
    if not path.is_file():
        raise LoadError(f"module file {module!r} not found ({path})")
    name = "pyotelcol_user_" + re.sub(r"\W", "_", str(path))
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise LoadError(f"cannot load {module!r} as Python")
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[name] = loaded
    try:
        spec.loader.exec_module(loaded)
    except SyntaxError as exc:
        del sys.modules[name]
        raise LoadError(f"{exc.filename}:{exc.lineno}: syntax error: {exc.msg}") from None
    except Exception as exc:
        del sys.modules[name]
        line = _line_in(exc, str(path))
        raise LoadError(f"{module}{line}: {type(exc).__name__}: {exc}") from None
    return loaded


def _line_in(exc: BaseException, filename: str) -> str:
    """``:N`` for the deepest frame of ``exc`` in ``filename``, so the error points at the line."""
    line = ""
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = f":{tb.tb_lineno}"
        tb = tb.tb_next
    return line


def load_function(module: str, function: str) -> Callable[..., Any]:
    """The callable ``function`` of ``module``, checked to take (data, config)."""
    loaded = _load_module(module)
    fn = getattr(loaded, function, None)
    if fn is None:
        raise LoadError(f"{module} has no function {function!r}")
    if not callable(fn):
        raise LoadError(f"{module}: {function!r} is not callable")
    try:
        inspect.signature(fn).bind(object(), {})
    except TypeError:
        raise LoadError(f"{module}: {function}() must take two arguments, (data, config)") from None
    except ValueError:  # builtins without a signature: let the call decide
        pass
    return fn  # type: ignore[no-any-return]
