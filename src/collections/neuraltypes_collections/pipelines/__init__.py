"""Pipelines of the collections' models: the voice swap (speech -> text -> punctuated text -> another voice).

    from neuraltypes_collections.pipelines import voice_swap

    result = voice_swap("clip.wav")                 # whisper_tiny_en -> (punctuation) -> vits_en_joe
    print(result.transcript, result.text, result.times)
    result.save("swapped.wav")

The chain's stages are checked by `neuraltypes.check_wiring` (text stages as `neuraltypes.TextForm`s) before any
audio is read.
"""

from ._figure import Track as Track
from ._figure import save_voice_swap_png as save_voice_swap_png
from ._stages import PunctuateMode as PunctuateMode
from ._stages import plan_stages as plan_stages
from ._voice_swap import StageTimes as StageTimes
from ._voice_swap import SwappedSegment as SwappedSegment
from ._voice_swap import VoiceSwap as VoiceSwap
from ._voice_swap import VoiceSwapper as VoiceSwapper
from ._voice_swap import stream_voice_swap as stream_voice_swap
from ._voice_swap import voice_swap as voice_swap
from ._words import Word as Word
from ._words import spoken_form as spoken_form
from ._words import spoken_words as spoken_words
from ._words import unpunctuated as unpunctuated

__all__ = [
    "PunctuateMode",
    "StageTimes",
    "SwappedSegment",
    "Track",
    "VoiceSwap",
    "VoiceSwapper",
    "Word",
    "plan_stages",
    "save_voice_swap_png",
    "spoken_form",
    "spoken_words",
    "stream_voice_swap",
    "unpunctuated",
    "voice_swap",
]
