"""TTS models: spectrogram generators and vocoders, with their NeMo importers; VITS voices (Piper importer)."""

from ._fastpitch import NEMO_FASTPITCH_TARGETS as NEMO_FASTPITCH_TARGETS
from ._fastpitch import FastPitchModel as FastPitchModel
from ._fastpitch import FastPitchModelConfig as FastPitchModelConfig
from ._generator import TextConfig as TextConfig
from ._generator import build_tokenizer as build_tokenizer
from ._piper import vits_en_joe as vits_en_joe
from ._tacotron2 import Tacotron2Model as Tacotron2Model
from ._tacotron2 import Tacotron2ModelConfig as Tacotron2ModelConfig
from ._tacotron2 import WaveGlowModel as WaveGlowModel
from ._tacotron2 import WaveGlowModelConfig as WaveGlowModelConfig
from ._vits import SpeakOptions as SpeakOptions
from ._vits import VitsModel as VitsModel
from ._vits import VitsModelConfig as VitsModelConfig
from ._vits import VitsOutput as VitsOutput
from ._vits import VitsSpeech as VitsSpeech
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
    "Tacotron2Model",
    "Tacotron2ModelConfig",
    "TextConfig",
    "SpeakOptions",
    "VitsModel",
    "VitsModelConfig",
    "VitsOutput",
    "VitsSpeech",
    "WaveGlowModel",
    "WaveGlowModelConfig",
    "build_tokenizer",
    "vits_en_joe",
]
