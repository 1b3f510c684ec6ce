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
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Literal

__all__ = ["CheckState", "Mode", "checking", "current_checking"]

ModeName = Literal["off", "shapes", "full", "paranoid"]


class Mode(IntEnum):
    """How much a call checks; each mode checks everything the one below it does.

    An `IntEnum` so that "at least full" reads ``mode >= Mode.FULL``.
    """

    OFF = 0  #: nothing: the wrapped function is called directly
    SHAPES = 1  #: types, ranks, sizes, dims bound across arguments, dtypes
    FULL = 2  #: also tags and their parameters (and outputs are tagged)
    PARANOID = 3  #: also value invariants (log-probs <= 0, lengths >= 0), through the reference checker


@dataclass(frozen=True)
class CheckState:
    """`mode`: how much is checked (a `Mode`); `strict`: reject untagged tensors."""

    mode: Mode
    strict: bool
    #: ``int(mode)``, which the generated checks compare: an exact int compares faster than an IntEnum member
    level: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "level", int(self.mode))

    @property
    def mode_name(self) -> str:
        return self.mode.name.lower()


def _parse_mode(value: str, source: str) -> Mode:
    try:
        return Mode[value.strip().upper()]
    except KeyError:
        names = ", ".join(m.name.lower() for m in Mode)
        raise ValueError(f"{source}={value!r}: expected one of {names}") from None


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
