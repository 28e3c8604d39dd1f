"""What every ``python`` component shares: loading the user's function from a file or a module,
its settings, and calling it with a time limit, on the loop or in a worker thread.

A component declares ``module`` (``./scrub.py``, relative to the working directory, or a dotted
module path) and ``function``; ``validate`` loads it, so a missing file, a syntax error, an
exception at import or a wrong signature fails ``pyotelcol validate`` with the file and line.
Files are executed anew on every load: a config reload (SIGHUP) picks up an edited file.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import inspect
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

__all__ = [
    "ERROR_MODES",
    "ErrorModeConfig",
    "FunctionCall",
    "FunctionConfig",
    "FunctionTimeout",
    "LoadError",
    "load_function",
]

ERROR_MODES = ("propagate", "ignore", "silent")


class LoadError(ValueError):
    """The module or function cannot be loaded; the message names the file and line."""


class FunctionTimeout(TimeoutError):
    """The function took longer than its ``timeout``."""


@dataclass
class FunctionConfig:
    """The settings every ``python`` component has; subclasses set ``PARAMS`` (what the function
    is called with, for the signature check and the error messages) and their own defaults."""

    PARAMS: ClassVar[tuple[str, ...]] = ("data", "config")

    # A file (``./scrub.py``, relative to the working directory) or a dotted module path.
    module: str = ""
    # The function to call (see the component's README for its arguments).
    function: str = "process"
    # Passed to the function as its ``config`` argument.
    config: dict[str, Any] = field(default_factory=dict)
    # Longest a call may take (0: no limit); a call that takes longer is an error like any other.
    timeout: timedelta = timedelta(seconds=1)
    # Run a synchronous function in a worker thread instead of on the event loop.
    run_in_thread: bool = False
    loaded: Callable[..., Any] | None = field(default=None, metadata={"internal": True}, repr=False, compare=False)

    def validate(self) -> None:
        if not self.module:
            raise ValueError("'module' must name a Python file or module")
        if self.timeout < timedelta(0):
            raise ValueError("'timeout' must not be negative")
        self.loaded = load_function(self.module, self.function, self.PARAMS)

    def ensure_loaded(self) -> Callable[..., Any]:
        """The function; loads it when the config was built without ``validate`` (tests, embedding)."""
        if self.loaded is None:
            self.loaded = load_function(self.module, self.function, self.PARAMS)
        return self.loaded

    @property
    def name(self) -> str:
        return f"{self.module}:{self.function}"


@dataclass
class ErrorModeConfig(FunctionConfig):
    """Settings of a component that hands data on (processor, connector): what a raising
    function means. propagate: the caller gets a permanent error; ignore: logged, and the
    component goes on as its README says; silent: the same, not logged."""

    error_mode: str = "propagate"

    def validate(self) -> None:
        if self.error_mode not in ERROR_MODES:
            raise ValueError(f"'error_mode' must be one of {', '.join(ERROR_MODES)}, got {self.error_mode!r}")
        super().validate()


class FunctionCall:
    """Calls a function with the component's config as its last argument, a time limit and a
    threading choice: async functions are awaited, sync ones run on the loop or in a thread."""

    def __init__(self, fn: Callable[..., Any], config: Any, timeout: float | None, in_thread: bool, name: str) -> None:
        self._fn = fn
        self._config = config
        self._timeout = timeout or None
        self._in_thread = in_thread
        self._is_async = inspect.iscoroutinefunction(fn)
        self.name = name

    @classmethod
    def of(cls, cfg: FunctionConfig) -> FunctionCall:
        """The call a ``python`` component's settings describe."""
        return cls(cfg.ensure_loaded(), cfg.config, cfg.timeout.total_seconds(), cfg.run_in_thread, cfg.name)

    async def __call__(self, *args: Any) -> Any:
        """Raises FunctionTimeout after ``timeout``; whatever the function raises otherwise."""
        try:
            async with asyncio.timeout(self._timeout):
                if self._is_async:
                    return await self._fn(*args, self._config)
                if self._in_thread:
                    return await asyncio.to_thread(self._fn, *args, self._config)
                return self._fn(*args, self._config)
        except TimeoutError:
            raise FunctionTimeout(f"{self.name} took longer than {self._timeout}s") from None


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


def load_function(module: str, function: str, params: Sequence[str] = ("data", "config")) -> Callable[..., Any]:
    """The callable ``function`` of ``module``, checked to take ``params`` positionally."""
    loaded = _load_module(module)
    fn = getattr(loaded, function, None)
    if fn is None:
        raise LoadError(f"{module} has no function {function!r}")
    if not callable(fn):
        raise LoadError(f"{module}: {function!r} is not callable")
    try:
        inspect.signature(fn).bind(*(object() for _ in params))
    except TypeError:
        count = {1: "one argument", 2: "two arguments", 3: "three arguments"}.get(
            len(params), f"{len(params)} arguments"
        )
        raise LoadError(f"{module}: {function}() must take {count}, ({', '.join(params)})") from None
    except ValueError:  # builtins without a signature: let the call decide
        pass
    return fn  # type: ignore[no-any-return]
