"""A drop-in for NeMo's type system: NeMo code runs with ``nemo.core`` imports replaced by this module.

Element types under NeMo's names, `NeuralType`, `AxisType`, `AxisKind`, `AxisKindAbstract`,
`NeuralTypeComparisonResult`, and the call-time side: `Typing`, `NeuralModule`, `typecheck` (with its overrides,
``ignore_collections``, ``disable_checks()``, ``set_typecheck_enabled``...). The checks run on our engine
(`neuraltypes.compare`, NeMo's semantics without its bugs); violations raise `neuraltypes.ContractViolation`, a
`TypeError` as in NeMo. What differs on purpose: docs/porting-from-nemo.md. In new code write the contract in the
signature instead (``neuraltypes port`` rewrites a NeMo module so): ``AudioSignal[Tensor, "batch time", 16000]``.
"""

from __future__ import annotations

from ._nemo_typecheck import NeuralModule as NeuralModule
from ._nemo_typecheck import Typing as Typing
from ._nemo_typecheck import TypingRequired as TypingRequired
from ._nemo_typecheck import is_semantic_typecheck_enabled as is_semantic_typecheck_enabled
from ._nemo_typecheck import is_typecheck_enabled as is_typecheck_enabled
from ._nemo_typecheck import typecheck as typecheck
from ._nemo_types import AxisKind as AxisKind
from ._nemo_types import AxisKindAbstract as AxisKindAbstract
from ._nemo_types import AxisType as AxisType
from ._nemo_types import NeuralType as NeuralType
from ._nemo_types import kind_of_word as kind_of_word
from ._nemo_types import neural_type_of as neural_type_of
from ._tags import Compatibility, Tag, Void
from ._vocabulary import (
    MFCC,
    AcousticEncoded,
    Alignment,
    AudioSignal,
    BoolValue,
    CategoricalValues,
    Channel,
    ClassificationTarget,
    DistributionSamples,
    EmbeddedText,
    Encoded,
    FloatValue,
    Hypothesis,
    ImageFeatureValue,
    ImageValue,
    Index,
    IntValue,
    Labels,
    Length,
    Lengths,
    LogDeterminant,
    Logits,
    LogProbs,
    Loss,
    Mask,
    MelSpectrogram,
    NormalizedImageValue,
    NormalLogVariance,
    NormalMean,
    NormalSamples,
    Predictions,
    Probs,
    RegressionValues,
    Spectrogram,
    StringLabel,
    StringValue,
    Target,
    TokenDuration,
    TokenIndex,
    TokenLogDuration,
    VideoSignal,
)

__all__ = [
    "AcousticEncodedRepresentation",
    "AudioSignal",
    "AxisKind",
    "AxisKindAbstract",
    "AxisType",
    "BoolType",
    "CategoricalValuesType",
    "ChannelType",
    "ClassificationTarget",
    "ElementType",
    "EmbeddedTextType",
    "EncodedRepresentation",
    "FloatType",
    "HypothesisType",
    "ImageFeatureValue",
    "ImageValue",
    "Index",
    "IntType",
    "LabelsType",
    "Length",
    "LengthsType",
    "LogDeterminantType",
    "LogitsType",
    "LogprobsType",
    "LossType",
    "MFCCSpectrogramType",
    "MaskType",
    "MelSpectrogramType",
    "NeuralModule",
    "NeuralType",
    "NeuralTypeComparisonResult",
    "NormalDistributionLogVarianceType",
    "NormalDistributionMeanType",
    "NormalDistributionSamplesType",
    "NormalizedImageValue",
    "PredictionsType",
    "ProbabilityDistributionSamplesType",
    "ProbsType",
    "RegressionValuesType",
    "SequenceToSequenceAlignmentType",
    "SpectrogramType",
    "StringLabel",
    "StringType",
    "Target",
    "TokenDurationType",
    "TokenIndex",
    "TokenLogDurationType",
    "Typing",
    "TypingRequired",
    "VideoSignal",
    "VoidType",
    "is_semantic_typecheck_enabled",
    "is_typecheck_enabled",
    "kind_of_word",
    "neural_type_of",
    "typecheck",
]

ElementType = Tag  #: NeMo's name for `Tag`.
VoidType = Void  #: NeMo's name for `Void`.
BoolType = BoolValue  #: NeMo's name for `BoolValue`.
FloatType = FloatValue  #: NeMo's name for `FloatValue`.
IntType = IntValue  #: NeMo's name for `IntValue`.
LengthsType = Lengths  #: NeMo's name for `Lengths`.
LogitsType = Logits  #: NeMo's name for `Logits`.
LogprobsType = LogProbs  #: NeMo's name for `LogProbs`.
ProbsType = Probs  #: NeMo's name for `Probs`.
LossType = Loss  #: NeMo's name for `Loss`.
LogDeterminantType = LogDeterminant  #: NeMo's name for `LogDeterminant`.
NormalDistributionMeanType = NormalMean  #: NeMo's name for `NormalMean`.
NormalDistributionLogVarianceType = NormalLogVariance  #: NeMo's name for `NormalLogVariance`.
SequenceToSequenceAlignmentType = Alignment  #: NeMo's name for `Alignment`.
TokenDurationType = TokenDuration  #: NeMo's name for `TokenDuration`.
TokenLogDurationType = TokenLogDuration  #: NeMo's name for `TokenLogDuration`.
ChannelType = Channel  #: NeMo's name for `Channel`.
EmbeddedTextType = EmbeddedText  #: NeMo's name for `EmbeddedText`.
EncodedRepresentation = Encoded  #: NeMo's name for `Encoded`.
AcousticEncodedRepresentation = AcousticEncoded  #: NeMo's name for `AcousticEncoded`.
SpectrogramType = Spectrogram  #: NeMo's name for `Spectrogram`.
MelSpectrogramType = MelSpectrogram  #: NeMo's name for `MelSpectrogram`.
MFCCSpectrogramType = MFCC  #: NeMo's name for `MFCC`.
LabelsType = Labels  #: NeMo's name for `Labels`.
HypothesisType = Hypothesis  #: NeMo's name for `Hypothesis`.
PredictionsType = Predictions  #: NeMo's name for `Predictions`.
RegressionValuesType = RegressionValues  #: NeMo's name for `RegressionValues`.
CategoricalValuesType = CategoricalValues  #: NeMo's name for `CategoricalValues`.
MaskType = Mask  #: NeMo's name for `Mask`.
StringType = StringValue  #: NeMo's name for `StringValue`.
ProbabilityDistributionSamplesType = DistributionSamples  #: NeMo's name for `DistributionSamples`.
NormalDistributionSamplesType = NormalSamples  #: NeMo's name for `NormalSamples`.
NeuralTypeComparisonResult = Compatibility  #: NeMo's name for `Compatibility`.
