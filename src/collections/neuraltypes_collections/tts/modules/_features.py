"""The spectrogram and vocabulary a TTS network states, checked against the mel features and tokens it is built with.

The mel front end itself is the one every collection shares: `common.MelFrontEnd` with `common.MelConfig`
(presets `MelConfig.hifigan()`, `MelConfig.nemo_hifigan()`, `MelConfig.nemo_fastpitch()`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from torch import Tensor

from neuraltypes import MelSpectrogram, attr, params

from ...common._config import FieldRule
from ...common._mel import SpectrogramGeometry

#: A network config that states the spectrogram it produces or consumes (the TTS generators' protocol builds on it).
_SpectrogramContract = SpectrogramGeometry

#: The annotation of the spectrograms a TTS network or model produces or consumes: log-mel frames at the
#: `sample_rate`, `n_mels` and `hop_length` of the module itself.
ModelMel = MelSpectrogram[
    Tensor, "batch mel frame", params(sample_rate=attr("sample_rate"), n_mels=attr("n_mels"), hop_length=attr("hop_length"))
]


def _geometry(config: SpectrogramGeometry) -> tuple[int, int, int]:
    return config.sample_rate, config.n_mels, config.hop_length


@dataclass(frozen=True)
class SameSpectrogramAs(FieldRule):
    """The rule of a model config's `features`: the sample rate, mel channels and hop that its `network` field
    (the TTS network's config, named) states: `features: Annotated[MelConfig, SameSpectrogramAs("generator")]`."""

    network: str

    def broken_by(self, value: Any, config: Any) -> str | None:
        ours = _geometry(getattr(config, self.network))
        if _geometry(value) == ours:
            return None
        return f"the (sample_rate, n_mels, hop_length) {ours} of {self.network} (build both from the same values)"

    def shown(self, value: Any) -> str:
        return str(_geometry(value))


__all__ = ["ModelMel", "SameSpectrogramAs"]
