"""What the speaker models share (`GE2EModel`, `SpeakerLabelModel`): the speaker verbs as methods.

`model.verify(a, b)` is `verify(model, a, b)`: each method is the module function itself, with its overloads and its
docstring. The functions' modules import the models' modules, so at run time each method looks its function up on
first use; type checkers see the functions.
"""

from __future__ import annotations

import importlib
import types
from typing import TYPE_CHECKING, Any

from ...common._model import ConfigT, NeuralModel

if TYPE_CHECKING:
    from . import _embed

__all__ = ["SpeakerModel", "Verb"]


class Verb:
    """A module function of this package as a method: `model.name(...)` calls `name(model, ...)`."""

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name

    def __get__(self, instance: object, owner: type) -> Any:
        function = getattr(importlib.import_module(self.module, __package__), self.name)
        return function if instance is None else types.MethodType(function, instance)


class SpeakerModel(NeuralModel[ConfigT]):
    """A model that embeds voices: `embed_speakers`, `verify` and `identify` as methods. Not registered, not built
    on its own; `GE2EModel` adds `diarize` the same way."""

    if TYPE_CHECKING:
        embed_speakers = _embed.embed_speakers
        verify = _embed.verify
        identify = _embed.identify
    else:
        embed_speakers = Verb("._embed", "embed_speakers")
        verify = Verb("._embed", "verify")
        identify = Verb("._embed", "identify")

