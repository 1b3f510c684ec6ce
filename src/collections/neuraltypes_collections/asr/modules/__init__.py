"""ASR building blocks: the MFCC front end, SpecAugment, the Jasper/QuartzNet encoder and the CTC decoder.

The log-mel front end is the one every collection shares: `common.MelFrontEnd` with `common.MelConfig`.
"""

from ._jasper import ConvASREncoder as ConvASREncoder
from ._jasper import ConvASREncoderConfig as ConvASREncoderConfig
from ._jasper import CTCDecoder as CTCDecoder
from ._jasper import JasperBlockConfig as JasperBlockConfig
from ._preprocessor import MFCCConfig as MFCCConfig
from ._preprocessor import MFCCPreprocessor as MFCCPreprocessor
from ._preprocessor import SpecAugment as SpecAugment
from ._preprocessor import SpecAugmentConfig as SpecAugmentConfig

__all__ = [
    "CTCDecoder",
    "ConvASREncoder",
    "ConvASREncoderConfig",
    "JasperBlockConfig",
    "MFCCConfig",
    "MFCCPreprocessor",
    "SpecAugment",
    "SpecAugmentConfig",
]
