"""Stages that are not typed modules, for `check_wiring`: what a text stage takes and gives, named once.

A speech pipeline passes text between some of its stages (a recogniser's transcript, a punctuation model's output,
a voice's input). A tensor annotation cannot say what such text is like, so a `Stage` declares it with a
`TextForm`: its language, whether it is cased, whether it is punctuated. `check_wiring` compares a stage's
`gives` with the next stage's `takes` before any data flows, text with text, tensors with tensors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._annotations import spec_of
from ._errors import AnnotationError
from ._spec import TensorSpec

__all__ = ["Stage", "TextForm", "text_mismatch"]


@dataclass(frozen=True)
class TextForm:
    """What a text handed from one stage to the next is like. ``None`` for a field: either (it is not known, or
    the stage takes both).

    **Attributes:**

    - `language`: a language tag (``"en"``, ``"en-us"``); tags compare by their first subtag.
    - `cased`: written with capitals where they belong (``True``) or lowercase throughout (``False``).
    - `punctuated`: with sentence punctuation (``True``) or none (``False``).
    """

    language: str | None = None
    cased: bool | None = None
    punctuated: bool | None = None

    def __str__(self) -> str:
        parts = [] if self.language is None else [self.language]
        for name, value, negated in (("cased", self.cased, "lowercase"), ("punctuated", self.punctuated,
                                                                            "unpunctuated")):
            if value is not None:
                parts.append(name if value else negated)
        return f"Text[{', '.join(parts) or 'any'}]"


def _form(value: Any, stage: str, side: str) -> TextForm | TensorSpec:
    if isinstance(value, TextForm | TensorSpec):
        return value
    found = spec_of(value)
    if found is None:
        raise AnnotationError(
            f"Stage({stage!r}): {side} must be a TextForm, a neural-type annotation or a TensorSpec, got {value!r}",
            code="NT101",
        )
    return found


@dataclass(frozen=True)
class Stage:
    """One step of a pipeline that is not a typed module (a text stage, or a verb around a model), for
    `check_wiring`: its name, and what it takes and gives.

    **Attributes:**

    - `name`: how the wiring report names the stage.
    - `takes`, `gives`: a `TextForm`, or a neural-type annotation (``AudioSignal[Tensor, "time", 16000]``) or
      `TensorSpec`; annotations are read into `TensorSpec`s when the stage is made.

    **Example:**

    ```python
    import neuraltypes as nt
    from torch import Tensor

    asr = nt.Stage("asr", nt.AudioSignal[Tensor, "time", 16000], nt.TextForm("en", cased=False, punctuated=False))
    tts = nt.Stage("tts", nt.TextForm("en", punctuated=True), nt.AudioSignal[Tensor, "time", 22050])
    report = nt.check_wiring([asr, tts])
    assert not report.ok   # unpunctuated text into a stage that takes punctuated text
    ```
    """

    name: str
    takes: Any
    gives: Any

    def __post_init__(self) -> None:
        object.__setattr__(self, "takes", _form(self.takes, self.name, "takes"))
        object.__setattr__(self, "gives", _form(self.gives, self.name, "gives"))

    def __str__(self) -> str:
        return f"{self.name}: {self.takes} -> {self.gives}"


def _language(tag: str) -> str:
    return tag.lower().replace("_", "-").split("-")[0]


_FIX = {
    ("punctuated", True): "put a punctuation stage between them",
    ("punctuated", False): "strip the punctuation first",
    ("cased", True): "put a capitalization stage between them",
    ("cased", False): "lowercase it first",
}
_WORD = {("punctuated", True): "punctuated", ("punctuated", False): "unpunctuated",
         ("cased", True): "cased", ("cased", False): "lowercase"}  # fmt: skip


def text_mismatch(expected: TextForm, actual: TextForm) -> str | None:
    """Why text of form `actual` does not fit a stage that takes `expected`, or ``None`` when it fits.

    A field the stage takes as either (``None``) fits anything; a field the source does not declare (``None``)
    does not fit a stage that needs one value, as a more general tensor tag does not fit a specific one.
    """
    if expected.language is not None:
        if actual.language is None:
            return f"the text's language is not declared; the stage takes {expected.language!r}"
        if _language(expected.language) != _language(actual.language):
            return f"{actual.language!r} text into a stage that takes {expected.language!r} text"
    for field in ("punctuated", "cased"):
        want, got = getattr(expected, field), getattr(actual, field)
        if want is None or want == got:
            continue
        if got is None:
            return f"the text may or may not be {_WORD[field, want]}; the stage takes {_WORD[field, want]} text"
        return f"{_WORD[field, got]} text into a stage that takes {_WORD[field, want]} text: {_FIX[field, want]}"
    return None
