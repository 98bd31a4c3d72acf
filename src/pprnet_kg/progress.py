"""Progress bars for long runs (tqdm): on stderr, only on a terminal, and only once a stage has run
for a couple of seconds, so short runs and pipes stay as quiet as before.

The library takes a `progress` factory, `progress(description, total, unit)` -> a context manager
with `update(n)`; QUIET draws nothing. The CLI passes `bars(enabled=not quiet)`.
"""

from __future__ import annotations

import sys
from typing import Callable, Protocol


class Bar(Protocol):
    def update(self, n: int = 1) -> object: ...
    def __enter__(self) -> "Bar": ...
    def __exit__(self, *exc) -> object: ...


Progress = Callable[..., Bar]


class _Silent:
    def update(self, n: int = 1) -> None:
        pass

    def __enter__(self) -> "_Silent":
        return self

    def __exit__(self, *exc) -> None:
        pass


def QUIET(description: str, total: int | None = None, unit: str = "post") -> Bar:  # noqa: N802 - a constant-like factory
    return _Silent()


def bars(enabled: bool = True, *, delay: float = 2.0, file=None) -> Progress:
    """A progress factory drawing tqdm bars on `file` (stderr) when it is a terminal, `delay`
    seconds after a stage starts; QUIET when not `enabled`."""
    if not enabled:
        return QUIET

    def make(description: str, total: int | None = None, unit: str = "post") -> Bar:
        from tqdm import tqdm

        out = file or sys.stderr
        return tqdm(total=total, desc=description, unit=unit, delay=delay, leave=False, file=out,
                    disable=not _is_terminal(out), dynamic_ncols=True)

    return make


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
