"""TTS models: spectrogram generators and vocoders, with their NeMo importers."""

from ._vocoders import NEMO_HIFIGAN_TARGETS as NEMO_HIFIGAN_TARGETS
from ._vocoders import GriffinLim as GriffinLim
from ._vocoders import GriffinLimConfig as GriffinLimConfig
from ._vocoders import HifiGan as HifiGan
from ._vocoders import HifiGanModelConfig as HifiGanModelConfig

__all__ = ["GriffinLim", "GriffinLimConfig", "HifiGan", "HifiGanModelConfig", "NEMO_HIFIGAN_TARGETS"]
