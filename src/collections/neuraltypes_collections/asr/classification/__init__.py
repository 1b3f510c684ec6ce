"""Speech classification: command recognition (MatchboxNet) and voice activity detection (MarbleNet).

    from neuraltypes_collections.asr.classification import ClassificationModel
    model = ClassificationModel.restore_from("matchboxnet.nemo")   # a NeMo checkpoint or a neuraltypes archive
    print(model.classify(["yes.wav", "no.wav"]))
"""

from ._augment import (
    CommandAugmentConfig as CommandAugmentConfig,
    augment_clip as augment_clip,
    crop_or_pad as crop_or_pad,
    time_shift as time_shift,
    white_noise as white_noise,
)
from ._classifier import (
    Classification as Classification,
    ClassificationModel as ClassificationModel,
    ClassificationModelConfig as ClassificationModelConfig,
    matchboxnet_encoder as matchboxnet_encoder,
)
from ._frame import (
    FrameClassificationModel as FrameClassificationModel,
    FrameClassificationModelConfig as FrameClassificationModelConfig,
    FrameOutput as FrameOutput,
)
from ._modules import FeatureEncoder as FeatureEncoder, FrameDecoder as FrameDecoder, PooledDecoder as PooledDecoder
from ._nemo_import import (
    classification_config_from_nemo as classification_config_from_nemo,
    frame_classification_config_from_nemo as frame_classification_config_from_nemo,
    import_nemo_classification as import_nemo_classification,
    import_nemo_frame_classification as import_nemo_frame_classification,
)

__all__ = [
    "Classification",
    "ClassificationModel",
    "ClassificationModelConfig",
    "CommandAugmentConfig",
    "FeatureEncoder",
    "FrameClassificationModel",
    "FrameClassificationModelConfig",
    "FrameDecoder",
    "FrameOutput",
    "PooledDecoder",
    "augment_clip",
    "classification_config_from_nemo",
    "crop_or_pad",
    "frame_classification_config_from_nemo",
    "import_nemo_classification",
    "import_nemo_frame_classification",
    "matchboxnet_encoder",
    "time_shift",
    "white_noise",
]
