"""What each model of the voice swap takes and gives, as `neuraltypes.Stage`s, and the checked chain.

The forms are read from the models, never from their names: a Whisper model's vocabulary says whether it is
English-only, a CTC model's vocabulary whether its transcript is English, lowercase and unpunctuated; a VITS
voice's espeak-ng voice says its language.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from torch import Tensor

import neuraltypes as nt
from neuraltypes import Stage, TextForm

from ..common._model import NeuralModel

if TYPE_CHECKING:
    from ..tts.models._vits import VitsModel

__all__ = ["PunctuateMode", "recognizer_stage", "plan_stages", "strip_stage", "punctuation_stage", "voice_stage"]

#: When the punctuation model runs: "auto" (only if the recogniser writes unpunctuated text), "always", "never".
PunctuateMode = Literal["auto", "always", "never"]


def _audio(sample_rate: int) -> nt.TensorSpec:
    spec = nt.spec_of(nt.AudioSignal[Tensor, "time", sample_rate])
    assert spec is not None
    return spec


def recognizer_stage(model: NeuralModel) -> Stage:
    """A recogniser's stage: audio at its rate in, its transcript's form out.

    Whisper writes cased, punctuated text (English for an ``.en`` model; a multilingual model declares no
    language); a CTC model writes lowercase text without punctuation, English when its vocabulary is ASCII.
    """
    from ..asr.models._ctc import CTCModel
    from ..asr.whisper import WhisperModel
    from ..asr.whisper._model import MULTILINGUAL_VOCAB

    name = type(model).__name__
    if isinstance(model, WhisperModel):
        english = model.config.dimensions.n_vocab < MULTILINGUAL_VOCAB
        gives = TextForm("en" if english else None, cased=True, punctuated=True)
    elif isinstance(model, CTCModel):
        ascii_only = all(piece.isascii() for piece in model.vocabulary)
        gives = TextForm("en" if ascii_only else None, cased=False, punctuated=False)
    else:
        gives = TextForm()
    return Stage(name, _audio(int(getattr(model, "sample_rate", 16000))), gives)


def strip_stage(language: str | None) -> Stage:
    """Lowercase the text and drop its punctuation (``punctuate="always"`` over a punctuating recogniser)."""
    return Stage("strip", TextForm(language), TextForm(language, cased=False, punctuated=False))


def punctuation_stage(model: NeuralModel) -> Stage:
    """The punctuation and capitalization model: lowercase English without marks in, cased and punctuated out."""
    return Stage(type(model).__name__, TextForm("en", cased=False, punctuated=False),
                 TextForm("en", cased=True, punctuated=True))  # fmt: skip


def voice_stage(model: VitsModel, *, punctuated: bool) -> Stage:
    """A voice: text in its espeak-ng voice's language (punctuated, unless the swap was asked not to punctuate)
    in, audio at its rate out."""
    takes = TextForm(model.config.espeak_voice, punctuated=True if punctuated else None)
    return Stage(type(model).__name__, takes, _audio(model.sample_rate))


def plan_stages(
    recognizer: NeuralModel, punctuator: NeuralModel | None, voice: VitsModel, punctuate: PunctuateMode
) -> list[Stage]:
    """The chain for a `punctuate` mode: ``auto`` adds the punctuation model only after a recogniser whose
    transcript is unpunctuated; ``always`` strips the transcript first when it is punctuated; ``never`` speaks
    the transcript as it is."""
    first = recognizer_stage(recognizer)
    stages = [first]
    gives = first.gives
    punctuated_already = isinstance(gives, TextForm) and gives.punctuated is True
    if punctuate == "always" or (punctuate == "auto" and not punctuated_already):
        assert punctuator is not None
        if isinstance(gives, TextForm) and (gives.punctuated is not False or gives.cased is not False):
            stages.append(strip_stage(gives.language))
        stages.append(punctuation_stage(punctuator))
    stages.append(voice_stage(voice, punctuated=punctuate != "never"))
    return stages
