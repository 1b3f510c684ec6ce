"""Example typed modules: a three-stage audio pipeline (features -> encoder -> decoder) and its composition.

Used by the demo, the tests, the contract battery and the static-typing check; small enough to read in one go.

```python
import torch
import neuraltypes as nt
from neuraltypes.examples import Pipeline

model = Pipeline()
audio = nt.tag(torch.randn(2, 800), nt.tags.AudioSignal(16000))
log_probs, lengths = model(audio, torch.tensor([800, 640]))
assert nt.tag_of(log_probs) == nt.tags.LogProbs()
```
"""

from __future__ import annotations

import torch
from torch import Tensor

from neuraltypes import (
    AcousticEncoded,
    AudioSignal,
    Lengths,
    LogProbs,
    MelSpectrogram,
    NeuralModule,
    attr,
    params,
)


class Features(NeuralModule):
    """Frames audio into a fake 8-band 'spectrogram' (a reshape; samples past `lengths` are zeroed), 16 kHz by default."""

    def __init__(self, sample_rate: int = 16000, n_mels: int = 8) -> None:
        super().__init__()
        self.sample_rate = sample_rate
        self.n_mels = n_mels

    def forward(
        self, audio: AudioSignal[Tensor, "batch time", attr("sample_rate")], lengths: Lengths[Tensor, "batch"]
    ) -> tuple[
        MelSpectrogram[Tensor, "batch mel frame", params(sample_rate=attr("sample_rate"), n_mels=attr("n_mels"))],
        Lengths[Tensor, "batch"],
    ]:
        batch, time = audio.shape
        frames = -(-time // self.n_mels)  # a partial last frame is zero-padded
        valid = torch.arange(time, device=audio.device) < lengths[:, None]
        padded = torch.nn.functional.pad(audio * valid, (0, frames * self.n_mels - time))
        mel = padded.reshape(batch, frames, self.n_mels).transpose(1, 2)
        return mel, (lengths + self.n_mels - 1) // self.n_mels


class Encoder(NeuralModule):
    """A convolution over the frames of a `MelSpectrogram` with `feat_in` mels; padding frames never leak into valid ones."""

    def __init__(self, feat_in: int = 8, channels: int = 16) -> None:
        super().__init__()
        self.feat_in = feat_in
        self.conv = torch.nn.Conv1d(feat_in, channels, 3, padding=1)

    def forward(
        self, features: MelSpectrogram[Tensor, "batch mel frame", params(n_mels=attr("feat_in"))],
        lengths: Lengths[Tensor, "batch"],
    ) -> tuple[AcousticEncoded[Tensor, "batch channel frame"], Lengths[Tensor, "batch"]]:
        valid = torch.arange(features.shape[-1], device=features.device) < lengths[:, None]
        return self.conv(features * valid[:, None, :]), lengths  # padding never leaks into valid frames


class Decoder(NeuralModule):
    """Per-frame log-probabilities over `vocab` symbols from an `AcousticEncoded` sequence."""

    def __init__(self, channels: int = 16, vocab: int = 5) -> None:
        super().__init__()
        self.proj = torch.nn.Conv1d(channels, vocab, 1)

    def forward(self, encoded: AcousticEncoded[Tensor, "batch channel frame"]) -> LogProbs[Tensor, "batch frame vocab"]:
        scores: Tensor = self.proj(encoded)
        return scores.transpose(1, 2).log_softmax(-1)


class Pipeline(NeuralModule):
    """`Features` -> `Encoder` -> `Decoder`: 16 kHz audio to per-frame log-probabilities, each call checked."""

    def __init__(self) -> None:
        super().__init__()
        self.sample_rate = 16000
        self.features, self.encoder, self.decoder = Features(), Encoder(), Decoder()

    def forward(
        self, audio: AudioSignal[Tensor, "batch time", attr("sample_rate")], lengths: Lengths[Tensor, "batch"]
    ) -> tuple[LogProbs[Tensor, "batch frame vocab"], Lengths[Tensor, "batch"]]:
        mel, mel_lengths = self.features(audio, lengths)
        encoded, encoded_lengths = self.encoder(mel, mel_lengths)
        return self.decoder(encoded), encoded_lengths


__all__ = ["Decoder", "Encoder", "Features", "Pipeline"]
