"""The tag classes, for instantiating (``AudioSignal(16000)``) and subclassing under static type checkers.

At run time these are the same objects as the top-level ``neuraltypes.AudioSignal`` etc.; static checkers see the
top-level names as ``typing.Annotated`` (so that ``AudioSignal[Tensor, "batch time"]`` reads as a Tensor) and these
as classes. The ``X as X`` imports below are the list of public tags; ``neuraltypes`` repeats it only where static
checkers need it written out, and a test keeps those places equal to this one.
"""

from ._tags import Tag as Tag
from ._tags import Void as Void
from ._vocabulary import MFCC as MFCC
from ._vocabulary import AcousticEncoded as AcousticEncoded
from ._vocabulary import Alignment as Alignment
from ._vocabulary import AudioSignal as AudioSignal
from ._vocabulary import BoolValue as BoolValue
from ._vocabulary import CategoricalValues as CategoricalValues
from ._vocabulary import Channel as Channel
from ._vocabulary import ClassificationTarget as ClassificationTarget
from ._vocabulary import DistributionSamples as DistributionSamples
from ._vocabulary import EmbeddedText as EmbeddedText
from ._vocabulary import Encoded as Encoded
from ._vocabulary import FloatValue as FloatValue
from ._vocabulary import Hypothesis as Hypothesis
from ._vocabulary import ImageFeatureValue as ImageFeatureValue
from ._vocabulary import ImageValue as ImageValue
from ._vocabulary import Index as Index
from ._vocabulary import IntValue as IntValue
from ._vocabulary import Labels as Labels
from ._vocabulary import Length as Length
from ._vocabulary import Lengths as Lengths
from ._vocabulary import LogDeterminant as LogDeterminant
from ._vocabulary import Logits as Logits
from ._vocabulary import LogProbs as LogProbs
from ._vocabulary import Loss as Loss
from ._vocabulary import Mask as Mask
from ._vocabulary import MelSpectrogram as MelSpectrogram
from ._vocabulary import NormalizedImageValue as NormalizedImageValue
from ._vocabulary import NormalLogVariance as NormalLogVariance
from ._vocabulary import NormalMean as NormalMean
from ._vocabulary import NormalSamples as NormalSamples
from ._vocabulary import Predictions as Predictions
from ._vocabulary import Probs as Probs
from ._vocabulary import RegressionValues as RegressionValues
from ._vocabulary import Spectrogram as Spectrogram
from ._vocabulary import StringLabel as StringLabel
from ._vocabulary import StringValue as StringValue
from ._vocabulary import Target as Target
from ._vocabulary import TokenDuration as TokenDuration
from ._vocabulary import TokenIndex as TokenIndex
from ._vocabulary import TokenLogDuration as TokenLogDuration
from ._vocabulary import VideoSignal as VideoSignal

#: Every tag class above, by name: the one list the top-level package takes its tag names from at run time.
#: (Computed: static checkers read the ``X as X`` imports above as the exports.)
__all__ = sorted(  # pyright: ignore[reportUnsupportedDunderAll]
    name for name, value in globals().items() if isinstance(value, type) and issubclass(value, Tag)
)
