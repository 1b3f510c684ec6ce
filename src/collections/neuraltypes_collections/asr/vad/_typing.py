"""The neuraltypes names the VAD package annotates with, imported in one place."""

from __future__ import annotations

from neuraltypes import (
    AudioSignal as AudioSignal,
)
from neuraltypes import (
    Encoded as Encoded,
)
from neuraltypes import (
    Lengths as Lengths,
)
from neuraltypes import (
    NeuralModule as NeuralModule,
)
from neuraltypes import (
    Probs as Probs,
)
from neuraltypes import (
    Spectrogram as Spectrogram,
)
from neuraltypes import (
    attr as attr,
)
from neuraltypes import (
    checked as checked,
)
from neuraltypes import (
    params as params,
)
from neuraltypes import (
    tag_of as tag_of,
)

__all__ = [
    "AudioSignal",
    "Encoded",
    "Lengths",
    "NeuralModule",
    "Probs",
    "Spectrogram",
    "attr",
    "checked",
    "params",
    "tag_of",
]
