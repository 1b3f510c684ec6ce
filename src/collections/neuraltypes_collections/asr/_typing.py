"""The neuraltypes names the ASR collection annotates with, imported in one place.

Modules of the collection read `from .._typing import AudioSignal, Lengths, ...`; every name is the core's own
object (`neuraltypes.AudioSignal` etc.).
"""

from neuraltypes import MFCC as MFCC
from neuraltypes import AcousticEncoded as AcousticEncoded
from neuraltypes import AudioSignal as AudioSignal
from neuraltypes import Labels as Labels
from neuraltypes import Lengths as Lengths
from neuraltypes import LogProbs as LogProbs
from neuraltypes import Loss as Loss
from neuraltypes import MelSpectrogram as MelSpectrogram
from neuraltypes import NeuralModule as NeuralModule
from neuraltypes import Predictions as Predictions
from neuraltypes import Spectrogram as Spectrogram
from neuraltypes import TokenIndex as TokenIndex
from neuraltypes import attr as attr
from neuraltypes import checked as checked
from neuraltypes import params as params

__all__ = [
    "MFCC",
    "AcousticEncoded",
    "AudioSignal",
    "Labels",
    "Lengths",
    "LogProbs",
    "Loss",
    "MelSpectrogram",
    "NeuralModule",
    "Predictions",
    "Spectrogram",
    "TokenIndex",
    "attr",
    "checked",
    "params",
]
