"""The spectrogram and vocabulary a TTS network states, checked against the mel features and tokens it is built with.

The mel front end itself is the one every collection shares: `common.MelFrontEnd` with `common.MelConfig`
(presets `MelConfig.hifigan()`, `MelConfig.nemo_hifigan()`, `MelConfig.nemo_fastpitch()`).
"""

from __future__ import annotations

from ...common._errors import ConfigError
from ...common._mel import MelConfig, SpectrogramGeometry

#: A network config that states the spectrogram it produces or consumes (the TTS generators' protocol builds on it).
_SpectrogramContract = SpectrogramGeometry


def require_same_contract(owner: str, part: str, network: SpectrogramGeometry, features: MelConfig) -> None:
    """Raise `ValueError` unless `network` states the sample rate, mel channels and hop of `features`.

    **Arguments:**

    - `owner`: the config being validated, named first in the message (e.g. "FastPitchModelConfig").
    - `part`: what `network` is to the owner ("network", "generator", "flow").
    - `network`: the network's config.
    - `features`: the mel features the network is trained on or fed with.
    """
    ours = (network.sample_rate, network.n_mels, network.hop_length)
    theirs = (features.sample_rate, features.n_mels, features.hop_length)
    if ours != theirs:
        raise ConfigError(
            f"{owner}: the {part}'s (sample_rate, n_mels, hop) {ours} differs from the features' {theirs}; "
            "build both from the same values"
        )


def require_pad_in_vocabulary(owner: str, pad_id: int, n_tokens: int) -> None:
    """Raise `ConfigError` naming `owner` unless the padding id `pad_id` is one of the `n_tokens` token ids."""
    if not 0 <= pad_id < n_tokens:
        raise ConfigError(f"{owner}: pad_id {pad_id} is outside the vocabulary [0, {n_tokens})")


__all__ = ["require_pad_in_vocabulary", "require_same_contract"]
