"""The ASR-only front ends: MFCC (NeMo's `AudioToMFCCPreprocessor`) and SpecAugment.

Each as in `common._mel` (the log-mel front end every collection shares): a frozen config, a pure function of
tensors and that config, and a thin module holding the config and buffers. The MFCC front end reproduces
torchaudio's `MFCC` as NeMo's `AudioToMFCCPreprocessor` configures it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

import torch
from torch import Tensor

from neuraltypes import MFCC, AudioSignal, Lengths, MelSpectrogram, NeuralModule, attr, params

from ...common._config import CheckedConfig, Interval, register_config_upgrade
from ...common._errors import ConfigError
from ...common._mel import FilterbankFrontEnd, hann_window, mel_filterbank, stft

__all__ = ["MFCCConfig", "MFCCPreprocessor", "SpecAugment", "SpecAugmentConfig", "dct_matrix", "mfcc", "spec_augment"]


@dataclass(frozen=True)
class MFCCConfig(CheckedConfig):
    """Options of the MFCC front end (NeMo `AudioToMFCCPreprocessor`; MatchboxNet/MarbleNet defaults).

    Periodic Hann window, reflect padding, HTK mel bank without normalisation, `log(mel + log_offset)`,
    orthonormal DCT-II. Mappings that name the window `win_length` (written before the mel front ends were
    merged) are read too.

    **Arguments:**

    - `sample_rate`: input sample rate in Hz.
    - `n_fft`, `window_length`, `hop_length`: FFT size, window length and hop, in samples.
    - `n_mels`, `n_mfcc`: mel filters, and coefficients kept (`n_mfcc <= n_mels`).
    - `f_min_hz`, `f_max_hz`: band edges of the filterbank in Hz (`f_max_hz=None`: Nyquist).
    - `log_offset`: added to the mel energies before the log.
    """

    sample_rate: int = 16000
    n_fft: int = 512
    window_length: Annotated[int, Interval(gt=0, le="n_fft")] = 400
    hop_length: int = 160
    n_mels: int = 64
    n_mfcc: Annotated[int, Interval(gt=0, le="n_mels")] = 64
    f_min_hz: float = 0.0
    f_max_hz: float | None = None
    log_offset: float = 1e-6


def _read_old_names(data: Mapping[str, Any]) -> Mapping[str, Any]:
    if "win_length" not in data:
        return data
    if "window_length" in data:
        raise ConfigError("MFCCConfig: both 'win_length' (the old name) and 'window_length' are given; keep 'window_length'")
    return {("window_length" if key == "win_length" else key): value for key, value in data.items()}


register_config_upgrade(MFCCConfig, _read_old_names)


def dct_matrix(n_mfcc: int, n_mels: int) -> Tensor:
    """Orthonormal DCT-II matrix of shape `(n_mels, n_mfcc)` (torchaudio's `create_dct(..., norm="ortho")`).

    >>> dct = dct_matrix(13, 40)
    >>> dct.shape, torch.allclose(dct.t() @ dct, torch.eye(13), atol=1e-6)
    (torch.Size([40, 13]), True)
    """
    n = torch.arange(float(n_mels))
    k = torch.arange(float(n_mfcc)).unsqueeze(1)
    dct = torch.cos(math.pi / float(n_mels) * (n + 0.5) * k)
    dct[0] *= 1.0 / math.sqrt(2.0)
    dct *= math.sqrt(2.0 / float(n_mels))
    return dct.t().contiguous()


def mfcc(
    audio: Tensor,
    lengths: Tensor,
    config: MFCCConfig,
    *,
    window: Tensor,
    filterbank: Tensor,
    dct: Tensor,
) -> tuple[Tensor, Tensor]:
    """MFCC features as NeMo's `AudioToMFCCPreprocessor` (torchaudio `MFCC`) computes them.

    Reflect-padded centred STFT power spectrum, HTK mel bank (`filterbank`, `(n_mels, n_fft // 2 + 1)`),
    `log(mel + config.log_offset)`, then the DCT (`dct`, `(n_mels, n_mfcc)`). Padded audio is not masked, exactly
    as NeMo does.

    **Returns:** `(features, frame_lengths)` with features `(batch, n_mfcc, 1 + time // hop_length)` and
    lengths `ceil(lengths / hop_length)`.
    """
    n_fft, hop_length, log_offset = config.n_fft, config.hop_length, config.log_offset
    spec = stft(audio, window, n_fft, hop_length, pad=n_fft // 2, pad_mode="reflect")
    power = spec.abs().pow(2.0)
    fb = filterbank.to(device=power.device, dtype=power.dtype)
    mel = torch.matmul(power.transpose(1, 2), fb.t()).transpose(1, 2)
    mel = torch.log(mel + log_offset)
    features = torch.matmul(mel.transpose(1, 2), dct.to(device=mel.device, dtype=mel.dtype)).transpose(1, 2)
    frame_lengths = torch.div(lengths + hop_length - 1, hop_length, rounding_mode="floor").long()
    return features, frame_lengths


class MFCCPreprocessor(FilterbankFrontEnd):
    """MFCC features matching NeMo's `AudioToMFCCPreprocessor` (which wraps torchaudio's `MFCC`).

    >>> pre = MFCCPreprocessor()
    >>> pre(torch.zeros(1, 16000), torch.tensor([16000]))[0].shape
    torch.Size([1, 64, 101])
    """

    config: MFCCConfig
    dct: Tensor

    def __init__(self, config: MFCCConfig = MFCCConfig()) -> None:
        filterbank = mel_filterbank(
            config.sample_rate, config.n_fft, config.n_mels, config.f_min_hz, config.f_max_hz, scale="htk", norm=None
        )
        super().__init__(config, hann_window(config.window_length, periodic=True), filterbank, persistent=True)
        self.register_buffer("dct", dct_matrix(config.n_mfcc, config.n_mels))

    @property
    def n_mfcc(self) -> int:
        return self.config.n_mfcc

    def forward(
        self,
        audio: AudioSignal[Tensor, "batch time", attr("sample_rate")],
        lengths: Lengths[Tensor, "batch"],
    ) -> tuple[
        MFCC[
            Tensor,
            "batch mfcc frame",
            params(sample_rate=attr("sample_rate"), hop_length=attr("hop_length"), n_mfcc=attr("n_mfcc")),
        ],
        Lengths[Tensor, "batch"],
    ]:
        """MFCC features `(batch, n_mfcc, 1 + time // hop)` and lengths `ceil(lengths / hop)`."""
        return mfcc(audio, lengths, self.config, window=self.window, filterbank=self.filterbank, dct=self.dct)


@dataclass(frozen=True)
class SpecAugmentConfig(CheckedConfig):
    """SpecAugment masks (NeMo `SpectrogramAugmentation`); QuartzNet uses 5 rectangles of 120 frames x 50 bins.

    `time_width` is a number of frames if `>= 1`, else a fraction of each clip's length.
    """

    freq_masks: Annotated[int, Interval(ge=0)] = 0
    freq_width: Annotated[int, Interval(ge=0)] = 10
    time_masks: Annotated[int, Interval(ge=0)] = 0
    time_width: float = 0.1
    rect_masks: Annotated[int, Interval(ge=0)] = 5
    rect_time: Annotated[int, Interval(ge=0)] = 120
    rect_freq: Annotated[int, Interval(ge=0)] = 50
    mask_value: float = 0.0


def spec_augment(
    features: Tensor, lengths: Tensor, config: SpecAugmentConfig, *, generator: torch.Generator | None = None
) -> Tensor:
    """SpecAugment: frequency masks, time masks and rectangular cutouts, drawn independently per clip.

    **Arguments:**

    - `features`: `(batch, feature, frame)`; returned as a new tensor (the input is not modified).
    - `lengths`: `(batch,)` valid frames; time masks fall inside them.
    - `config`: how many masks of which sizes (a `SpecAugmentConfig`).
    - `generator`: optional `torch.Generator` for reproducible masks.
    """
    out = features.clone()
    batch, n_features, _ = out.shape
    cpu_lengths = lengths.detach().cpu().tolist()

    def randint(high: int) -> int:
        return int(torch.randint(0, max(high, 1), (1,), generator=generator).item())

    for b in range(batch):
        length = int(cpu_lengths[b])
        for _ in range(config.freq_masks):
            width = randint(config.freq_width + 1)
            start = randint(max(n_features - width, 0) + 1)
            out[b, start : start + width, :] = config.mask_value
        max_time = int(config.time_width) if config.time_width >= 1 else max(1, int(length * config.time_width))
        for _ in range(config.time_masks):
            width = randint(max_time + 1)
            start = randint(max(length - width, 0) + 1)
            out[b, :, start : start + width] = config.mask_value
        for _ in range(config.rect_masks):
            t0 = randint(max(length - config.rect_time, 0) + 1)
            f0 = randint(max(n_features - config.rect_freq, 0) + 1)
            out[b, f0 : f0 + randint(config.rect_freq + 1), t0 : t0 + randint(config.rect_time + 1)] = config.mask_value
    return out


class SpecAugment(NeuralModule):
    """Random frequency/time masks and rectangles over features, in training mode only (identity in eval)."""

    def __init__(self, config: SpecAugmentConfig = SpecAugmentConfig()) -> None:
        super().__init__()
        self.config = config
        self.generator: torch.Generator | None = None

    def forward(
        self,
        features: MelSpectrogram[Tensor, "batch mel frame"],
        lengths: Lengths[Tensor, "batch"],
    ) -> MelSpectrogram[Tensor, "batch mel frame"]:
        """Masked copy of `features` in training mode; `features` itself in eval mode."""
        return self._augment(features, lengths)

    def _augment(self, features: Tensor, lengths: Tensor) -> Tensor:
        """The masking itself, shared by subclasses that restate the contract for other spectrograms."""
        if not self.training:
            return features
        return spec_augment(features, lengths, self.config, generator=self.generator)
