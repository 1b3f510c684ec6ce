"""ASR building blocks: audio front-ends, SpecAugment, the Jasper/QuartzNet encoder and the CTC decoder."""

from ._jasper import (
    ConvASREncoder as ConvASREncoder,
    ConvASREncoderConfig as ConvASREncoderConfig,
    CTCDecoder as CTCDecoder,
    JasperBlockConfig as JasperBlockConfig,
)
from ._preprocessor import (
    MelSpectrogramConfig as MelSpectrogramConfig,
    MelSpectrogramPreprocessor as MelSpectrogramPreprocessor,
    MFCCConfig as MFCCConfig,
    MFCCPreprocessor as MFCCPreprocessor,
    SpecAugment as SpecAugment,
    SpecAugmentConfig as SpecAugmentConfig,
)

__all__ = [
    "CTCDecoder",
    "ConvASREncoder",
    "ConvASREncoderConfig",
    "JasperBlockConfig",
    "MFCCConfig",
    "MFCCPreprocessor",
    "MelSpectrogramConfig",
    "MelSpectrogramPreprocessor",
    "SpecAugment",
    "SpecAugmentConfig",
]
