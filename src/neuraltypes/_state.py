"""Checking switches: off, shapes only, full, paranoid; scoped, thread-safe and restored on exit.

The state lives in a `contextvars.ContextVar`: each thread (and asyncio task) has its own, and a nested block
restores exactly the state it found. The process default comes from the environment variables
``NEURALTYPES_CHECKING`` (off | shapes | full | paranoid, default full) and ``NEURALTYPES_STRICT`` (1 to reject untagged
tensors). New threads start from that default, not from the block that started them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal

__all__ = ["MODES", "CheckState", "checking", "current_checking"]

ModeName = Literal["off", "shapes", "full", "paranoid"]
MODES: dict[str, int] = {"off": 0, "shapes": 1, "full": 2, "paranoid": 3}
_NAMES = {v: k for k, v in MODES.items()}


@dataclass(frozen=True)
class CheckState:
    """`mode`: 0 off, 1 shapes and dtypes, 2 also tags, 3 also value invariants; `strict`: reject untagged tensors."""

    mode: int
    strict: bool

    @property
    def mode_name(self) -> str:
        return _NAMES[self.mode]


def _parse_mode(value: str, source: str) -> int:
    try:
        return MODES[value.strip().lower()]
    except KeyError:
        raise ValueError(f"{source}={value!r}: expected one of {', '.join(MODES)}") from None


def _from_environment() -> CheckState:
    mode = _parse_mode(os.environ.get("NEURALTYPES_CHECKING", "full"), "NEURALTYPES_CHECKING")
    strict = os.environ.get("NEURALTYPES_STRICT", "0").strip().lower() in {"1", "true", "yes", "on"}
    return CheckState(mode, strict)


STATE: ContextVar[CheckState] = ContextVar("neuraltypes_checking", default=_from_environment())  # noqa: B039


def current_checking() -> CheckState:
    """The checking state in force here."""
    return STATE.get()


@contextmanager
def checking(mode: ModeName | None = None, *, strict: bool | None = None) -> Iterator[CheckState]:
    """Set how much is checked inside a ``with`` block (also usable as a decorator via ``contextlib``).

    **Arguments:**

    - `mode`: ``"off"`` (no checks, near-zero cost), ``"shapes"`` (dtypes and shapes, no meaning), ``"full"`` (also
      tags and their parameters) or ``"paranoid"`` (also value invariants such as log-probs <= 0). None keeps it.
    - `strict`: reject tensors that carry no tag where a tag is expected. None keeps it.

    ``with checking("off"):`` inside ``with checking("full"):`` restores full checking on exit.
    """
    outer = STATE.get()
    new = CheckState(
        outer.mode if mode is None else _parse_mode(mode, "checking(mode)"),
        outer.strict if strict is None else bool(strict),
    )
    token = STATE.set(new)
    try:
        yield new
    finally:
        STATE.reset(token)
