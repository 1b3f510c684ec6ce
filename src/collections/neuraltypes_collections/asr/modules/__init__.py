"""ASR building blocks: audio front-ends, SpecAugment, the Jasper/QuartzNet encoder and the CTC decoder."""

from ._jasper import (
    ConvASREncoder as ConvASREncoder,
)
from ._jasper import (
    ConvASREncoderConfig as ConvASREncoderConfig,
)
from ._jasper import (
    CTCDecoder as CTCDecoder,
)
from ._jasper import (
    JasperBlockConfig as JasperBlockConfig,
)
from ._preprocessor import (
    MelSpectrogramConfig as MelSpectrogramConfig,
)
from ._preprocessor import (
    MelSpectrogramPreprocessor as MelSpectrogramPreprocessor,
)
from ._preprocessor import (
    MFCCConfig as MFCCConfig,
)
from ._preprocessor import (
    MFCCPreprocessor as MFCCPreprocessor,
)
from ._preprocessor import (
    SpecAugment as SpecAugment,
)
from ._preprocessor import (
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
