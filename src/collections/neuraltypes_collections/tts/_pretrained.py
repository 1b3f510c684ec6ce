"""The speech-synthesis models shipped with the package: archives listed in `pretrained/index.json`.

Importing the collection registers them with the pretrained registry, so `from_pretrained("fastpitch_en_joe")`
(FastPitch distilled from the `vits_en_joe` voice; it reads espeak-ng phonemes, from the ``vits`` extra) works
offline.
"""

from pathlib import Path

from ..common._pretrained import register_index

__all__ = ["PRETRAINED_INDEX", "register_shipped_models"]

PRETRAINED_INDEX = Path(__file__).parent / "pretrained" / "index.json"
"""The registry index of the speech-synthesis models shipped in this package."""


def register_shipped_models() -> None:
    """Register the archives listed in `PRETRAINED_INDEX` with the pretrained registry (no-op if absent)."""
    register_index(PRETRAINED_INDEX)
