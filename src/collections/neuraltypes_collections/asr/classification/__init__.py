"""Speech classification: command recognition (MatchboxNet) and voice activity detection (MarbleNet).

    from neuraltypes_collections.asr.classification import ClassificationModel
    model = ClassificationModel.restore_from("matchboxnet.nemo")   # a NeMo checkpoint or a neuraltypes archive
    print(model.classify(["yes.wav", "no.wav"]))           # or classify(model, [...]); one clip in, one result out

A MarbleNet segment or frame model is a speech detector: `model.detect_speech(audio)`, or
`neuraltypes_collections.asr.vad.detect_speech(model, audio)`.
"""

from ._augment import (
    CommandAugmentConfig as CommandAugmentConfig,
)
from ._augment import (
    augment_clip as augment_clip,
)
from ._augment import (
    crop_or_pad as crop_or_pad,
)
from ._augment import (
    time_shift as time_shift,
)
from ._augment import (
    white_noise as white_noise,
)
from ._classifier import (
    Classification as Classification,
)
from ._classifier import (
    ClassificationModel as ClassificationModel,
)
from ._classifier import (
    ClassificationModelConfig as ClassificationModelConfig,
)
from ._classifier import (
    ClassifyOptions as ClassifyOptions,
)
from ._classifier import (
    matchboxnet_encoder as matchboxnet_encoder,
)
from ._classify import classify as classify
from ._data import LabeledAudioDataset as LabeledAudioDataset
from ._data import collate_audio_labels as collate_audio_labels
from ._frame import (
    FrameClassificationModel as FrameClassificationModel,
)
from ._frame import (
    FrameClassificationModelConfig as FrameClassificationModelConfig,
)
from ._frame import (
    FrameOutput as FrameOutput,
)
from ._modules import (
    FeatureEncoder as FeatureEncoder,
)
from ._modules import (
    FeatureSpecAugment as FeatureSpecAugment,
)
from ._modules import (
    FrameDecoder as FrameDecoder,
)
from ._modules import (
    PooledDecoder as PooledDecoder,
)
from ._nemo_import import (
    classification_config_from_nemo as classification_config_from_nemo,
)
from ._nemo_import import (
    frame_classification_config_from_nemo as frame_classification_config_from_nemo,
)
from ._nemo_import import (
    import_nemo_classification as import_nemo_classification,
)
from ._nemo_import import (
    import_nemo_frame_classification as import_nemo_frame_classification,
)
from ._vad import (
    speech_label_index as speech_label_index,
)
from ._vad import (
    window_speech_probs as window_speech_probs,
)

__all__ = [
    "Classification",
    "ClassificationModel",
    "ClassificationModelConfig",
    "ClassifyOptions",
    "CommandAugmentConfig",
    "FeatureEncoder",
    "FeatureSpecAugment",
    "FrameClassificationModel",
    "FrameClassificationModelConfig",
    "FrameDecoder",
    "FrameOutput",
    "LabeledAudioDataset",
    "PooledDecoder",
    "augment_clip",
    "classification_config_from_nemo",
    "classify",
    "collate_audio_labels",
    "crop_or_pad",
    "frame_classification_config_from_nemo",
    "import_nemo_classification",
    "import_nemo_frame_classification",
    "matchboxnet_encoder",
    "speech_label_index",
    "time_shift",
    "white_noise",
    "window_speech_probs",
]
