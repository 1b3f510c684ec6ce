"""Voice activity detection: where the speech is in a recording."""

from ._silero import (
    SileroVad as SileroVad,
    SileroVadDimensions as SileroVadDimensions,
    SileroVadStep as SileroVadStep,
    hann_dft_basis as hann_dft_basis,
)
from ._weights import (
    default_silero_vad as default_silero_vad,
    load_silero_vad as load_silero_vad,
    silero_weights_file as silero_weights_file,
)

__all__ = [
    "SileroVad",
    "SileroVadDimensions",
    "SileroVadStep",
    "default_silero_vad",
    "hann_dft_basis",
    "load_silero_vad",
    "silero_weights_file",
]
