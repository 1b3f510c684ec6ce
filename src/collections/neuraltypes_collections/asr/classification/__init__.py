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
from ._data import LabeledAudioDataset as LabeledAudioDataset, collate_audio_labels as collate_audio_labels
from ._frame import (
    FrameClassificationModel as FrameClassificationModel,
    FrameClassificationModelConfig as FrameClassificationModelConfig,
    FrameOutput as FrameOutput,
)
from ._modules import (
    FeatureEncoder as FeatureEncoder,
    FeatureSpecAugment as FeatureSpecAugment,
    FrameDecoder as FrameDecoder,
    PooledDecoder as PooledDecoder,
)
from ._nemo_import import (
    classification_config_from_nemo as classification_config_from_nemo,
    frame_classification_config_from_nemo as frame_classification_config_from_nemo,
    import_nemo_classification as import_nemo_classification,
    import_nemo_frame_classification as import_nemo_frame_classification,
)
from ._vad import (
    detect_speech_with as detect_speech_with,
    speech_label_index as speech_label_index,
    window_speech_probs as window_speech_probs,
)

__all__ = [
    "Classification",
    "ClassificationModel",
    "ClassificationModelConfig",
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
    "collate_audio_labels",
    "crop_or_pad",
    "detect_speech_with",
    "frame_classification_config_from_nemo",
    "import_nemo_classification",
    "import_nemo_frame_classification",
    "matchboxnet_encoder",
    "speech_label_index",
    "time_shift",
    "white_noise",
    "window_speech_probs",
]
