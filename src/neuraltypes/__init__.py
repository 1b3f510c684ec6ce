"""neuraltypes: neural types for PyTorch.

Write the contract once, in the signature: ``MelSpectrogram[Tensor, "batch mel frame"]`` carries dtype, shape and
meaning. `NeuralModule.forward` and `@checked` functions are checked at every call; outputs carry their tag to the
next typed module. Importing this package loads torch and nothing heavier (no lightning, hydra or torchaudio).
"""

from typing import TYPE_CHECKING

from . import tags as tags
from ._annotations import spec_of as spec_of
from ._check import describe_value as describe_value
from ._compare import WiringProblem as WiringProblem
from ._compare import WiringReport as WiringReport
from ._compare import check_wiring as check_wiring
from ._compare import compare as compare
from ._contract import Contract as Contract
from ._contract import NeuralModule as NeuralModule
from ._contract import checked as checked
from ._contract import contract_of as contract_of
from ._contract import get_contract as get_contract
from ._errors import AnnotationError as AnnotationError
from ._errors import ContractViolation as ContractViolation
from ._errors import NeuralTypesError as NeuralTypesError
from ._export import dynamic_shapes as dynamic_shapes
from ._spec import TensorSpec as TensorSpec
from ._spec import attr as attr
from ._spec import params as params
from ._stages import Stage as Stage
from ._stages import TextForm as TextForm
from ._state import CheckState as CheckState
from ._state import Mode as Mode
from ._state import checking as checking
from ._state import current_checking as current_checking
from ._tags import Compatibility as Compatibility
from ._tags import Tag as Tag
from ._tags import tag as tag
from ._tags import tag_of as tag_of
from ._tags import tag_relation as tag_relation

if TYPE_CHECKING:
    # Static checkers read `AudioSignal[Tensor, "batch time"]` as `Annotated[Tensor, ...]`, i.e. a Tensor.
    # Instantiate or subclass tags through `neuraltypes.tags`, which they see as classes.
    from typing import Annotated as AcousticEncoded
    from typing import Annotated as Alignment
    from typing import Annotated as AudioSignal
    from typing import Annotated as BoolValue
    from typing import Annotated as CategoricalValues
    from typing import Annotated as Channel
    from typing import Annotated as ClassificationTarget
    from typing import Annotated as DistributionSamples
    from typing import Annotated as EmbeddedText
    from typing import Annotated as Encoded
    from typing import Annotated as FloatValue
    from typing import Annotated as Hypothesis
    from typing import Annotated as ImageFeatureValue
    from typing import Annotated as ImageValue
    from typing import Annotated as Index
    from typing import Annotated as IntValue
    from typing import Annotated as Labels
    from typing import Annotated as Length
    from typing import Annotated as Lengths
    from typing import Annotated as LogDeterminant
    from typing import Annotated as LogProbs
    from typing import Annotated as Logits
    from typing import Annotated as Loss
    from typing import Annotated as MFCC
    from typing import Annotated as Mask
    from typing import Annotated as MelSpectrogram
    from typing import Annotated as NormalLogVariance
    from typing import Annotated as NormalMean
    from typing import Annotated as NormalSamples
    from typing import Annotated as NormalizedImageValue
    from typing import Annotated as Predictions
    from typing import Annotated as Probs
    from typing import Annotated as RegressionValues
    from typing import Annotated as Spectrogram
    from typing import Annotated as StringLabel
    from typing import Annotated as StringValue
    from typing import Annotated as Target
    from typing import Annotated as TokenDuration
    from typing import Annotated as TokenIndex
    from typing import Annotated as TokenLogDuration
    from typing import Annotated as VideoSignal
    from typing import Annotated as Void
else:  # at run time the same names are the tag classes, taken from their one list: neuraltypes.tags.__all__
    globals().update({name: getattr(tags, name) for name in tags.__all__})

__version__ = "0.1.0"

__all__ = [
    "AcousticEncoded",
    "Alignment",
    "AnnotationError",
    "AudioSignal",
    "BoolValue",
    "CategoricalValues",
    "Channel",
    "CheckState",
    "ClassificationTarget",
    "Compatibility",
    "Contract",
    "ContractViolation",
    "DistributionSamples",
    "EmbeddedText",
    "Encoded",
    "FloatValue",
    "Hypothesis",
    "ImageFeatureValue",
    "ImageValue",
    "Index",
    "IntValue",
    "Labels",
    "Length",
    "Lengths",
    "LogDeterminant",
    "LogProbs",
    "Logits",
    "Loss",
    "MFCC",
    "Mask",
    "MelSpectrogram",
    "Mode",
    "NeuralModule",
    "NeuralTypesError",
    "NormalLogVariance",
    "NormalMean",
    "NormalSamples",
    "NormalizedImageValue",
    "Predictions",
    "Probs",
    "RegressionValues",
    "Spectrogram",
    "Stage",
    "StringLabel",
    "StringValue",
    "Tag",
    "Target",
    "TensorSpec",
    "TextForm",
    "TokenDuration",
    "TokenIndex",
    "TokenLogDuration",
    "VideoSignal",
    "Void",
    "WiringProblem",
    "WiringReport",
    "attr",
    "check_wiring",
    "checked",
    "checking",
    "compare",
    "contract_of",
    "current_checking",
    "describe_value",
    "dynamic_shapes",
    "get_contract",
    "params",
    "spec_of",
    "tag",
    "tag_of",
    "tag_relation",
    "tags",
]
