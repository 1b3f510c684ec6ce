"""Import NeMo `EncDecSpeakerLabelModel` checkpoints (TitaNet, SpeakerNet, ECAPA-TDNN) into `SpeakerLabelModel`.

Only the archive's YAML and tensors are read (by the model layer's `read_nemo`); nothing named in the config is
imported. The preprocessor and a Jasper-style encoder (`ConvASREncoder`: TitaNet, SpeakerNet) are read by the CTC
importer's rules (the same NeMo modules); an `ECAPAEncoder` by `_ecapa_config`. Options this implementation does
not reproduce raise `NemoImportError` naming the key.
"""

from __future__ import annotations

from typing import Any

from torch import Tensor

from ...common import NemoCheckpoint, register_nemo_importer
from ..models._nemo_import import _KEY_MAP as _CTC_KEY_MAP
from ..models._nemo_import import (
    NemoImportError,
    _encoder_config,
    _imported_model,
    _modern,
    _preprocessor_config,
    _renamed_state_dict,
    _spec_augment_config,
)
from ._angular import AngularMarginConfig
from ._ecapa import EcapaEncoderConfig
from ._label_model import POOL_MODES, SpeakerDecoderConfig, SpeakerLabelModel, SpeakerLabelModelConfig

__all__ = ["import_nemo_speaker_label", "nemo_speaker_label_state_dict", "speaker_label_config_from_nemo"]

NEMO_SPEAKER_LABEL_TARGETS = (
    "nemo.collections.asr.models.label_models.EncDecSpeakerLabelModel",
    "nemo.collections.asr.models.EncDecSpeakerLabelModel",
)

# The CTC importer's keys (mel front end, Jasper encoder), then the speaker decoder's (first match wins).
_KEY_MAP: tuple[tuple[str, str], ...] = (
    *(pair for pair in _CTC_KEY_MAP if not pair[0].startswith(r"^decoder")),
    (r"^encoder\.(layers|feature_agg)\.(.+)$", r"encoder.\1.\2"),  # ECAPAEncoder: the same names
    (r"^decoder\._pooling\.(.+)$", r"decoder.pooling.\1"),
    (r"^decoder\.(emb_layers|final)\.(.+)$", r"decoder.\1.\2"),
)
_TRAINING_ONLY = ("loss.", "eval_loss.", "spec_augmentation.", "_accuracy.", "_macro_accuracy.", "_auroc.")


def _decoder_config(cfg: dict[str, Any], source: str) -> SpeakerDecoderConfig:
    where = f"{source}: decoder"
    target = str(cfg.get("_target_", "SpeakerDecoder"))
    if not target.endswith("SpeakerDecoder"):
        raise NemoImportError(f"{where}: _target_={target!r} is not supported (only NeMo's SpeakerDecoder is)")
    pool_mode = str(cfg.get("pool_mode", "xvector")).lower()
    if pool_mode not in POOL_MODES:
        raise NemoImportError(f"{where}: pool_mode={pool_mode!r} is not supported (one of {POOL_MODES})")
    sizes = cfg.get("emb_sizes", 256)
    sizes = [sizes] if isinstance(sizes, int) else list(sizes)
    return SpeakerDecoderConfig(
        num_classes=int(cfg["num_classes"]),
        emb_sizes=tuple(int(size) for size in sizes),
        pool_mode=pool_mode,
        angular=bool(cfg.get("angular", False)),
        attention_channels=int(cfg.get("attention_channels", 128)),
    )


def _integers(cfg: dict[str, Any], key: str, where: str) -> tuple[int, ...]:
    value = cfg.get(key)
    if not isinstance(value, list) or not all(isinstance(item, int) for item in value):
        raise NemoImportError(f"{where}: {key}={value!r} is not a list of integers")
    return tuple(value)


def _ecapa_config(cfg: dict[str, Any], source: str) -> EcapaEncoderConfig:
    """NeMo's `ECAPAEncoder` arguments (`init_mode` only initialises, so it is ignored)."""
    where = f"{source}: encoder"
    unknown = sorted(set(cfg) - {"_target_", "feat_in", "filters", "kernel_sizes", "dilations", "scale", "init_mode"})
    if unknown:
        raise NemoImportError(f"{where}: option(s) {', '.join(unknown)} of ECAPAEncoder are not supported")
    if "feat_in" not in cfg:
        raise NemoImportError(f"{where}: no 'feat_in' key")
    return EcapaEncoderConfig(
        feat_in=int(cfg["feat_in"]),
        filters=_integers(cfg, "filters", where),
        kernel_sizes=_integers(cfg, "kernel_sizes", where),
        dilations=_integers(cfg, "dilations", where),
        scale=int(cfg.get("scale", 8)),
    )


def speaker_label_config_from_nemo(config: dict[str, Any], source: str = "<nemo>") -> SpeakerLabelModelConfig:
    """Translate a NeMo `EncDecSpeakerLabelModel` `model_config.yaml` (parsed) into a `SpeakerLabelModelConfig`.

    NeMo's model sets `decoder.angular` itself from the loss (`AngularSoftmaxLoss` -> angular); the config's
    `decoder.angular`, when NeMo wrote it back, is the same flag. The loss's `scale` and `margin` (when absent,
    the defaults of NeMo's `AngularSoftmaxLoss`: 20 and 1.35) become `loss`.
    """
    config = _modern(config)
    encoder = config.get("encoder") or {}
    target = str(encoder.get("_target_", "ConvASREncoder"))
    if not target.endswith(("ConvASREncoder", "ECAPAEncoder")):
        raise NemoImportError(
            f"{source}: encoder._target_={target!r} is not supported (only the Jasper-style ConvASREncoder of "
            "TitaNet and SpeakerNet and the ECAPAEncoder of ECAPA-TDNN are)"
        )
    decoder = dict(config.get("decoder") or {})
    loss = config.get("loss") or {}
    if "angular" not in decoder:
        decoder["angular"] = "angular" in str(loss.get("_target_", "")).lower()
    return SpeakerLabelModelConfig(
        preprocessor=_preprocessor_config(config["preprocessor"], source),
        encoder=_ecapa_config(encoder, source) if target.endswith("ECAPAEncoder") else _encoder_config(encoder, source),
        decoder=_decoder_config(decoder, source),
        spec_augment=_spec_augment_config(config.get("spec_augment")),
        loss=AngularMarginConfig(float(loss.get("scale", 20.0)), float(loss.get("margin", 1.35))),
    )


def nemo_speaker_label_state_dict(state_dict: dict[str, Tensor], source: str = "<nemo>") -> dict[str, Tensor]:
    """Rename NeMo `EncDecSpeakerLabelModel` state-dict keys to `SpeakerLabelModel` keys."""
    return _renamed_state_dict(state_dict, _KEY_MAP, _TRAINING_ONLY, source, "an EncDecSpeakerLabelModel")


@register_nemo_importer(*NEMO_SPEAKER_LABEL_TARGETS)
def import_nemo_speaker_label(checkpoint: NemoCheckpoint) -> SpeakerLabelModel:
    """Build a `SpeakerLabelModel` from a NeMo `EncDecSpeakerLabelModel` checkpoint and load its weights
    (strictly)."""
    return _imported_model(checkpoint, SpeakerLabelModel, speaker_label_config_from_nemo, nemo_speaker_label_state_dict)
