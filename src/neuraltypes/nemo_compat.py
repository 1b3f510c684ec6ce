"""NeMo's names, for people porting NeMo code: element types, `NeuralType`, `AxisType`, `AxisKind`.

``NeuralType(("B", "T"), AudioSignal(16000))`` builds a `TensorSpec`; ``a.compare(b)`` follows
`neuraltypes.compare` (NeMo's semantics without its bugs) and ``==`` is a real boolean. In new code write the
contract in the signature instead: ``AudioSignal[Tensor, "batch time", 16000]``.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from ._compare import compare
from ._dims import AnyDim, Dim, NamedDim, VariadicDim
from ._errors import AnnotationError
from ._spec import TensorSpec
from ._tags import ANY_DTYPE, Compatibility, Tag, Void
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
    "VideoSignal",
    "VoidType",
]

ElementType = Tag
VoidType = Void
BoolType = BoolValue
FloatType = FloatValue
IntType = IntValue
LengthsType = Lengths
LogitsType = Logits
LogprobsType = LogProbs
ProbsType = Probs
LossType = Loss
LogDeterminantType = LogDeterminant
NormalDistributionMeanType = NormalMean
NormalDistributionLogVarianceType = NormalLogVariance
SequenceToSequenceAlignmentType = Alignment
TokenDurationType = TokenDuration
TokenLogDurationType = TokenLogDuration
ChannelType = Channel
EmbeddedTextType = EmbeddedText
EncodedRepresentation = Encoded
AcousticEncodedRepresentation = AcousticEncoded
SpectrogramType = Spectrogram
MelSpectrogramType = MelSpectrogram
MFCCSpectrogramType = MFCC
LabelsType = Labels
HypothesisType = Hypothesis
PredictionsType = Predictions
RegressionValuesType = RegressionValues
CategoricalValuesType = CategoricalValues
MaskType = Mask
StringType = StringValue
ProbabilityDistributionSamplesType = DistributionSamples
NormalDistributionSamplesType = NormalSamples
NeuralTypeComparisonResult = Compatibility


class AxisKind(Enum):
    """NeMo's axis kinds; ``Dimension`` and ``Channel`` are one kind, as in NeMo."""

    Batch = "batch"
    Time = "time"
    Dimension = "channel"
    Channel = "channel"
    Width = "width"
    Height = "height"
    Any = "any"
    Sequence = "sequence"
    FlowGroup = "flowgroup"
    Singleton = "singleton"

    @classmethod
    def from_str(cls, label: str) -> AxisKind:
        key = label.strip().lower()
        table = {"b": cls.Batch, "batch": cls.Batch, "t": cls.Time, "time": cls.Time, "d": cls.Dimension,
                 "c": cls.Channel, "dimension": cls.Dimension, "channel": cls.Channel, "w": cls.Width,
                 "width": cls.Width, "h": cls.Height, "height": cls.Height, "any": cls.Any, "s": cls.Sequence,
                 "sequence": cls.Sequence, "flowgroup": cls.FlowGroup, "singleton": cls.Singleton}
        if key not in table:
            raise AnnotationError(f"unknown NeMo axis label {label!r}; known: {sorted(table)}", code="NT102")
        return table[key]


class AxisType:
    """One axis: a kind (or its label) and an optional size."""

    def __init__(self, kind: AxisKind | str, size: int | None = None) -> None:
        self.kind = AxisKind.from_str(kind) if isinstance(kind, str) else kind
        self.size = size

    def to_dim(self) -> Dim:
        if self.kind is AxisKind.Any:
            return AnyDim()
        return NamedDim(self.kind.value, False, self.size)


def _axis(value: Any) -> AxisType:
    if isinstance(value, AxisType):
        return value
    if isinstance(value, AxisKind | str):
        return AxisType(value)
    if isinstance(value, tuple) and len(value) == 2:
        return AxisType(value[0], value[1])
    raise AnnotationError(f"not a NeMo axis: {value!r}", code="NT102")


class NeuralType:
    """NeMo's ``NeuralType(axes, elements_type)``; `axes` None means any shape, `elements_type` None is Void."""

    def __init__(self, axes: Any = None, elements_type: Tag | None = None, optional: bool = False) -> None:
        meaning = Void() if elements_type is None else elements_type
        if axes is None:
            dims: tuple[Dim, ...] = (VariadicDim(None),)
        else:
            dims = tuple(_axis(a).to_dim() for a in axes)
        shape = " ".join(str(d) for d in dims)
        self.spec = TensorSpec(meaning, dims, shape, ANY_DTYPE)
        self.optional = optional

    def compare(self, second: NeuralType) -> Compatibility:
        """How `second` (what is offered) relates to this (expected) type."""
        return compare(self, second)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NeuralType) and self.compare(other) is Compatibility.SAME

    def __hash__(self) -> int:
        return hash(self.spec)

    def __repr__(self) -> str:
        return f"NeuralType({self.spec.shape!r}, {self.spec.tag!r})"
