"""Import NeMo `EncDecCTCModel` checkpoints (QuartzNet, Jasper, char vocabulary) into `CTCModel`.

Only the archive's YAML and tensors are read (by the model layer's `read_nemo`); nothing named in the config
is imported or instantiated. Options this implementation does not reproduce raise an error naming the key,
instead of loading a model that would silently compute something else.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

import torch
from torch import Tensor

from ...common import MelConfig, NemoCheckpoint, load_state_dict_checked, register_nemo_importer
from ...common._errors import NemoImportError
from ..modules._jasper import ConvASREncoderConfig, JasperBlockConfig
from ..modules._preprocessor import SpecAugmentConfig
from ._ctc import CTCModel, CTCModelConfig

__all__ = ["NemoImportError", "ctc_config_from_nemo", "import_nemo_ctc", "nemo_ctc_state_dict"]

NEMO_CTC_TARGETS = (
    "nemo.collections.asr.models.ctc_models.EncDecCTCModel",
    "nemo.collections.asr.models.EncDecCTCModel",
)

# NeMo key pattern -> our key (applied in order, first match wins).
_KEY_MAP: tuple[tuple[str, str], ...] = (
    (r"^preprocessor\.featurizer\.window$", "preprocessor.window"),
    (r"^preprocessor\.featurizer\.fb$", "preprocessor.filterbank"),
    (r"^encoder\.encoder\.(\d+)\.mconv\.(\d+)\.conv\.weight$", r"encoder.blocks.\1.layers.\2.weight"),
    (r"^encoder\.encoder\.(\d+)\.mconv\.(\d+)\.(.+)$", r"encoder.blocks.\1.layers.\2.\3"),
    (r"^encoder\.encoder\.(\d+)\.res\.(\d+)\.0\.conv\.weight$", r"encoder.blocks.\1.residuals.\2.0.weight"),
    (r"^encoder\.encoder\.(\d+)\.res\.(\d+)\.1\.(.+)$", r"encoder.blocks.\1.residuals.\2.1.\3"),
    (r"^decoder\.decoder_layers\.0\.(weight|bias)$", r"decoder.projection.\1"),
)
_TRAINING_ONLY = ("loss.", "spec_augmentation.", "wer.")


def _unsupported(where: str, key: str, value: Any, hint: str) -> NemoImportError:
    return NemoImportError(
        f"{where}: {key}={value!r} is not supported by neuraltypes' Jasper/QuartzNet importer ({hint})"
    )


def _single(value: Any, where: str, key: str) -> int:
    if isinstance(value, (list, tuple)):
        if len(value) != 1:
            raise _unsupported(where, key, value, "only 1-D convolutions with one value are supported")
        value = value[0]
    return int(value)


def _preprocessor_config(cfg: dict[str, Any], source: str) -> MelConfig:
    where = f"{source}: preprocessor"
    target = str(cfg.get("_target_", ""))
    if not target.endswith("AudioToMelSpectrogramPreprocessor"):
        raise _unsupported(where, "_target_", target, "CTC models need AudioToMelSpectrogramPreprocessor")
    checks = {
        "window": ("hann", "only the Hann window is implemented"),
        "frame_splicing": (1, "frame splicing is not implemented"),
        "exact_pad": (False, "exact_pad is not implemented"),
        "mel_norm": ("slaney", "only slaney-normalised mel banks are implemented"),
        "log": (True, "linear (non-log) features are not implemented"),
        "nb_augmentation_prob": (0.0, "narrow-band augmentation is not implemented"),
        "stft_exact_pad": (False, "exact_pad is not implemented"),
        "stft_conv": (False, "the convolutional STFT is not implemented"),
        "use_torchaudio": (False, "the torchaudio featurizer variant is not implemented"),
    }
    for key, (expected, hint) in checks.items():
        if key in cfg and cfg[key] is not None and cfg[key] != expected:
            raise _unsupported(where, key, cfg[key], hint)
    normalize = cfg.get("normalize", "per_feature")
    if normalize in ("None", "none", None, False):
        normalize = None
    if normalize not in ("per_feature", None):
        raise _unsupported(where, "normalize", normalize, "use 'per_feature' or None")
    guard = cfg.get("log_zero_guard_value", 2**-24)
    if isinstance(guard, str):
        if guard != "tiny":
            raise _unsupported(where, "log_zero_guard_value", guard, "use a number or 'tiny'")
        guard = float(torch.finfo(torch.float32).tiny)
    pad_to = cfg.get("pad_to", 16)
    if not isinstance(pad_to, int):
        raise _unsupported(where, "pad_to", pad_to, "use an integer")
    return MelConfig.from_nemo(cfg, MelConfig.nemo_asr()).with_(
        preemph=None if cfg.get("preemph", 0.97) is None else float(cfg.get("preemph", 0.97)),
        mag_power=float(cfg.get("mag_power", 2.0)),
        log_guard_value=float(guard),
        log_guard_type=str(cfg.get("log_zero_guard_type", "add")),
        normalize=normalize,
        pad_to=pad_to,
        pad_value=float(cfg.get("pad_value", 0.0)),
        dither=float(cfg.get("dither", 1e-5)),
    )


def _spec_augment_config(cfg: dict[str, Any] | None) -> SpecAugmentConfig | None:
    if not cfg:
        return None
    return SpecAugmentConfig(
        freq_masks=int(cfg.get("freq_masks", 0)),
        freq_width=int(cfg.get("freq_width", 10)),
        time_masks=int(cfg.get("time_masks", 0)),
        time_width=cfg.get("time_width", 10),
        rect_masks=int(cfg.get("rect_masks", 0)),
        rect_time=int(cfg.get("rect_time", 5)),
        rect_freq=int(cfg.get("rect_freq", 20)),
        mask_value=float(cfg.get("mask_value", 0.0)),
    )


_BLOCK_DEFAULTS: dict[str, Any] = {
    "groups": 1,
    "heads": -1,
    "residual_mode": "add",
    "stride_last": False,
    "kernel_size_factor": 1.0,
    "se_context_size": -1,
    "future_context": -1,
    "normalization": "batch",
    "quantize": False,
}


def _encoder_config(cfg: dict[str, Any], source: str) -> ConvASREncoderConfig:
    where = f"{source}: encoder"
    target = str(cfg.get("_target_", "ConvASREncoder"))
    if not target.endswith("ConvASREncoder"):
        raise _unsupported(where, "_target_", target, "only ConvASREncoder (Jasper/QuartzNet) is implemented")
    for key, default in (("residual_mode", "add"), ("normalization_mode", "batch"), ("frame_splicing", 1), ("quantize", False)):
        if cfg.get(key) is not None and cfg[key] != default:
            raise _unsupported(where, key, cfg[key], f"only {key}={default!r} is implemented")
    blocks = []
    for index, block in enumerate(cfg["jasper"]):
        block_where = f"{where}.jasper[{index}]"
        for key, default in _BLOCK_DEFAULTS.items():
            if key in block and block[key] is not None and block[key] != default:
                raise _unsupported(block_where, key, block[key], f"only {key}={default!r} is implemented")
        blocks.append(
            JasperBlockConfig(
                filters=int(block["filters"]),
                repeat=int(block.get("repeat", 1)),
                kernel=_single(block["kernel"], block_where, "kernel"),
                stride=_single(block.get("stride", 1), block_where, "stride"),
                dilation=_single(block.get("dilation", 1), block_where, "dilation"),
                dropout=float(block.get("dropout", 0.0)),
                residual=bool(block.get("residual", False)),
                residual_dense=bool(block.get("residual_dense", False)),
                separable=bool(block.get("separable", False)),
                se=bool(block.get("se", False)),
                se_reduction_ratio=int(block.get("se_reduction_ratio", 8)),
            )
        )
    return ConvASREncoderConfig(
        feat_in=int(cfg["feat_in"]),
        blocks=tuple(blocks),
        activation=str(cfg.get("activation", "relu")),
        conv_mask=bool(cfg.get("conv_mask", True)),
    )


def _modern(node: Any) -> Any:
    """NeMo 1.0rc-era configs write `{cls: X, params: {...}}` where later ones write `{_target_: X, ...}`."""
    if isinstance(node, dict):
        if set(node) <= {"cls", "params"} and "cls" in node:
            return {"_target_": node["cls"], **_modern(node.get("params") or {})}
        return {key: _modern(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_modern(item) for item in node]
    return node


def ctc_config_from_nemo(config: dict[str, Any], source: str = "<nemo>") -> CTCModelConfig:
    """Translate a NeMo `EncDecCTCModel` `model_config.yaml` (already parsed) into a `CTCModelConfig`.

    Configs of every NeMo generation are read: `_target_` nodes, and the NeMo 1.0rc `cls`/`params` form.
    """
    config = _modern(config)
    decoder = config.get("decoder") or {}
    labels = config.get("labels") or decoder.get("vocabulary")
    if "tokenizer" in config and config["tokenizer"]:
        raise _unsupported(f"{source}", "tokenizer", config["tokenizer"], "only char-vocabulary CTC models import")
    if not labels:
        raise NemoImportError(f"{source}: the config has no 'labels' or 'decoder.vocabulary'", source=source)
    labels = tuple(str(label) for label in labels)
    num_classes = decoder.get("num_classes", len(labels))
    if num_classes not in (len(labels), -1):
        raise NemoImportError(
            f"{source}: decoder.num_classes={num_classes} but the vocabulary has {len(labels)} labels", source=source
        )
    return CTCModelConfig(
        labels=labels,
        encoder=_encoder_config(config["encoder"], source),
        preprocessor=_preprocessor_config(config["preprocessor"], source),
        spec_augment=_spec_augment_config(config.get("spec_augment")),
        tokenizer="char",
    )


def _renamed_state_dict(
    state_dict: dict[str, Tensor],
    key_map: tuple[tuple[str, str], ...],
    training_only: tuple[str, ...],
    source: str,
    what: str,
) -> dict[str, Tensor]:
    """Rename NeMo state-dict keys with `key_map` (patterns applied in order, first match wins), drop keys that
    start with a `training_only` prefix, and squeeze the leading 1 of a 3-D `preprocessor.filterbank`; any
    other key raises `NemoImportError` naming `what` the checkpoint should be."""
    renamed: dict[str, Tensor] = {}
    for key, value in state_dict.items():
        for pattern, replacement in key_map:
            new_key, count = re.subn(pattern, replacement, key)
            if count:
                break
        else:
            if key.startswith(training_only):
                continue
            raise NemoImportError(f"{source}: unexpected state-dict key {key!r} for {what}", source=source)
        if new_key == "preprocessor.filterbank" and value.dim() == 3:
            value = value[0]
        renamed[new_key] = value
    return renamed


def nemo_ctc_state_dict(state_dict: dict[str, Tensor], source: str = "<nemo>") -> dict[str, Tensor]:
    """Rename NeMo `EncDecCTCModel` state-dict keys to `CTCModel` keys (the `fb` buffer loses its leading 1)."""
    return _renamed_state_dict(state_dict, _KEY_MAP, _TRAINING_ONLY, source, "an EncDecCTCModel")


C = TypeVar("C")
M = TypeVar("M", bound=torch.nn.Module)


def _imported_model(
    checkpoint: NemoCheckpoint,
    model: Callable[[C], M],
    config_from_nemo: Callable[[dict[str, Any], str], C],
    state_dict_from_nemo: Callable[[dict[str, Tensor], str], dict[str, Tensor]],
) -> M:
    """What every ASR importer does: `model(config_from_nemo(config))`, the renamed weights loaded strictly, in
    eval mode; `source` (the archive, or ``"<nemo>"``) names the checkpoint in errors."""
    source = checkpoint.source or "<nemo>"
    built = model(config_from_nemo(checkpoint.config, source))
    load_state_dict_checked(built, state_dict_from_nemo(checkpoint.state_dict, source), source=source)
    return built.eval()


@register_nemo_importer(*NEMO_CTC_TARGETS)
def import_nemo_ctc(checkpoint: NemoCheckpoint) -> CTCModel:
    """Build a `CTCModel` from a NeMo `EncDecCTCModel` checkpoint and load its weights (strictly)."""
    return _imported_model(checkpoint, CTCModel, ctc_config_from_nemo, nemo_ctc_state_dict)
