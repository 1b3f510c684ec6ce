"""TTS models: spectrogram generators and vocoders, with their NeMo importers."""

from ._fastpitch import NEMO_FASTPITCH_TARGETS as NEMO_FASTPITCH_TARGETS
from ._fastpitch import FastPitchModel as FastPitchModel
from ._fastpitch import FastPitchModelConfig as FastPitchModelConfig
from ._fastpitch import TextConfig as TextConfig
from ._fastpitch import build_tokenizer as build_tokenizer
from ._vocoders import NEMO_HIFIGAN_TARGETS as NEMO_HIFIGAN_TARGETS
from ._vocoders import GriffinLim as GriffinLim
from ._vocoders import GriffinLimConfig as GriffinLimConfig
from ._vocoders import HifiGan as HifiGan
from ._vocoders import HifiGanModelConfig as HifiGanModelConfig

__all__ = [
    "FastPitchModel",
    "FastPitchModelConfig",
    "GriffinLim",
    "GriffinLimConfig",
    "HifiGan",
    "HifiGanModelConfig",
    "NEMO_FASTPITCH_TARGETS",
    "NEMO_HIFIGAN_TARGETS",
    "TextConfig",
    "build_tokenizer",
]
