"""Import NeMo `EncDecClassificationModel` (MatchboxNet, MarbleNet) and `EncDecFrameClassificationModel`
(frame VAD) checkpoints.

Only the archive's YAML and tensors are read (by the model layer's `read_nemo`); nothing named in the config is
imported. Options this implementation does not reproduce raise `NemoImportError` naming the key.
"""

from __future__ import annotations

import math
import re
from typing import Any

from torch import Tensor

from ...common import NemoCheckpoint, register_nemo_importer
from ..models._nemo_import import _KEY_MAP as _CTC_KEY_MAP
from ..models._nemo_import import (
    NemoImportError,
    _encoder_config,
    _imported_model,
    _preprocessor_config,
    _renamed_state_dict,
    _spec_augment_config,
)
from ..modules._preprocessor import MFCCConfig
from ._classifier import ClassificationModel, ClassificationModelConfig
from ._frame import FrameClassificationModel, FrameClassificationModelConfig

__all__ = [
    "classification_config_from_nemo",
    "frame_classification_config_from_nemo",
    "import_nemo_classification",
    "import_nemo_frame_classification",
]

NEMO_CLASSIFICATION_TARGETS = (
    "nemo.collections.asr.models.classification_models.EncDecClassificationModel",
    "nemo.collections.asr.models.EncDecClassificationModel",
)
NEMO_FRAME_CLASSIFICATION_TARGETS = (
    "nemo.collections.asr.models.classification_models.EncDecFrameClassificationModel",
    "nemo.collections.asr.models.EncDecFrameClassificationModel",
)

#: NeMo >= 2.3 no longer crops or pads in `forward` (EncDecClassificationModel became a speaker-label model).
_CROP_OR_PAD_DROPPED_IN = (2, 3)

# The MFCC featurizer's buffers, then the CTC importer's keys (mel front end, Jasper encoder, first decoder
# layer), then the frame decoder's layer (first match wins).
_KEY_MAP: tuple[tuple[str, str], ...] = (
    (r"^preprocessor\.featurizer\.dct_mat$", "preprocessor.dct"),
    (r"^preprocessor\.featurizer\.MelSpectrogram\.spectrogram\.window$", "preprocessor.window"),
    (r"^preprocessor\.featurizer\.MelSpectrogram\.mel_scale\.fb$", "preprocessor.filterbank"),
    *_CTC_KEY_MAP,
    (r"^decoder\.layer0\.(weight|bias)$", r"decoder.projection.\1"),
)
_TRAINING_ONLY = ("loss.", "spec_augmentation.", "crop_or_pad.", "_accuracy.", "eval_loss.")


def _version(config: dict[str, Any]) -> tuple[int, int]:
    match = re.match(r"(\d+)\.(\d+)", str(config.get("nemo_version", "")))
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)


def _mfcc_config(cfg: dict[str, Any], sample_rate: int, where: str) -> MFCCConfig:
    checks = {
        "window": ("hann", "only the Hann window is implemented"),
        "dct_type": (2, "only DCT-II is implemented"),
        "norm": ("ortho", "only the orthonormal DCT is implemented"),
        "log": (True, "only log-mel MFCCs are implemented"),
    }
    for key, (expected, hint) in checks.items():
        if key in cfg and cfg[key] is not None and cfg[key] != expected:
            raise NemoImportError(f"{where}: {key}={cfg[key]!r} is not supported ({hint})")
    sample_rate = int(cfg.get("sample_rate", sample_rate))
    win_length = cfg.get("n_window_size") or round(float(cfg.get("window_size", 0.02)) * sample_rate)
    hop_length = cfg.get("n_window_stride") or round(float(cfg.get("window_stride", 0.01)) * sample_rate)
    n_fft = cfg.get("n_fft") or 2 ** math.ceil(math.log2(win_length))
    return MFCCConfig(
        sample_rate=sample_rate,
        n_fft=int(n_fft),
        window_length=int(win_length),
        hop_length=int(hop_length),
        n_mels=int(cfg.get("n_mels", 64)),
        n_mfcc=int(cfg.get("n_mfcc", 64)),
        f_min_hz=float(cfg.get("lowfreq", 0.0) or 0.0),
        f_max_hz=None if cfg.get("highfreq") is None else float(cfg["highfreq"]),
    )


def _labels(config: dict[str, Any], source: str) -> tuple[str, ...]:
    labels = config.get("labels")
    if not labels:
        raise NemoImportError(f"{source}: the config has no 'labels'")
    labels = tuple(str(label) for label in labels)
    num_classes = (config.get("decoder") or {}).get("num_classes", len(labels))
    if num_classes != len(labels):
        raise NemoImportError(f"{source}: decoder.num_classes={num_classes} but the config has {len(labels)} labels")
    return labels


def classification_config_from_nemo(config: dict[str, Any], source: str = "<nemo>") -> ClassificationModelConfig:
    """Translate a NeMo `EncDecClassificationModel` `model_config.yaml` (parsed) into our config.

    NeMo >= 2.3 does not apply `crop_or_pad_augment` in `forward`; older versions do (always, at 128 frames for
    MatchboxNet). The imported config follows the checkpoint's `nemo_version`.
    """
    preprocessor = config["preprocessor"]
    target = str(preprocessor.get("_target_", ""))
    sample_rate = int(config.get("sample_rate", 16000))
    if target.endswith("AudioToMFCCPreprocessor"):
        front: Any = _mfcc_config(preprocessor, sample_rate, f"{source}: preprocessor")
    else:
        front = _preprocessor_config(preprocessor, source)
    decoder = config.get("decoder") or {}
    if not str(decoder.get("_target_", "ConvASRDecoderClassification")).endswith("ConvASRDecoderClassification"):
        raise NemoImportError(f"{source}: decoder._target_={decoder.get('_target_')!r} is not supported")
    if decoder.get("pooling_type", "avg") != "avg":
        raise NemoImportError(f"{source}: decoder.pooling_type={decoder['pooling_type']!r} (only 'avg' is implemented)")
    if decoder.get("return_logits", True) is not True:
        raise NemoImportError(f"{source}: decoder.return_logits=False (softmax outputs) is not supported")
    crop = config.get("crop_or_pad_augment")
    frames = int(crop["audio_length"]) if crop and _version(config) < _CROP_OR_PAD_DROPPED_IN else None
    return ClassificationModelConfig(
        labels=_labels(config, source),
        preprocessor=front,
        encoder=_encoder_config(config["encoder"], source),
        spec_augment=_spec_augment_config(config.get("spec_augment")),
        crop_or_pad_frames=frames,
        pooling="avg",
    )


def frame_classification_config_from_nemo(
    config: dict[str, Any], source: str = "<nemo>"
) -> FrameClassificationModelConfig:
    """Translate a NeMo `EncDecFrameClassificationModel` `model_config.yaml` (parsed) into our config."""
    decoder = config.get("decoder") or {}
    if not str(decoder.get("_target_", "")).endswith("MultiLayerPerceptron"):
        raise NemoImportError(f"{source}: decoder._target_={decoder.get('_target_')!r} is not supported")
    if int(decoder.get("num_layers", 1)) != 1 or decoder.get("log_softmax", False):
        raise NemoImportError(
            f"{source}: decoder num_layers={decoder.get('num_layers')}, log_softmax={decoder.get('log_softmax')} "
            "(only one linear layer returning logits is implemented)"
        )
    labels = _labels(config, source)
    return FrameClassificationModelConfig(
        labels=labels,
        speech_label=labels[-1],
        preprocessor=_preprocessor_config(config["preprocessor"], source),
        encoder=_encoder_config(config["encoder"], source),
        spec_augment=_spec_augment_config(config.get("spec_augment")),
    )


def nemo_classification_state_dict(state_dict: dict[str, Tensor], source: str = "<nemo>") -> dict[str, Tensor]:
    """Rename NeMo classifier keys to ours (mel banks become `(n_mels, n_fft // 2 + 1)`)."""
    # torchaudio's MelScale (NeMo's MFCC featurizer) stores its bank as (n_fft // 2 + 1, n_mels).
    state_dict = {key: value.t() if key.endswith("mel_scale.fb") else value for key, value in state_dict.items()}
    return _renamed_state_dict(state_dict, _KEY_MAP, _TRAINING_ONLY, source, "a NeMo classifier")


@register_nemo_importer(*NEMO_CLASSIFICATION_TARGETS)
def import_nemo_classification(checkpoint: NemoCheckpoint) -> ClassificationModel:
    """Build a `ClassificationModel` from a NeMo `EncDecClassificationModel` checkpoint (strict weights)."""
    return _imported_model(
        checkpoint, ClassificationModel, classification_config_from_nemo, nemo_classification_state_dict
    )


@register_nemo_importer(*NEMO_FRAME_CLASSIFICATION_TARGETS)
def import_nemo_frame_classification(checkpoint: NemoCheckpoint) -> FrameClassificationModel:
    """Build a `FrameClassificationModel` from a NeMo `EncDecFrameClassificationModel` checkpoint."""
    return _imported_model(
        checkpoint, FrameClassificationModel, frame_classification_config_from_nemo, nemo_classification_state_dict
    )
