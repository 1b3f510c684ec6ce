"""Audio front-ends: log-mel spectrogram (NeMo `AudioToMelSpectrogramPreprocessor`), MFCC, SpecAugment.

Thin modules: a frozen config, the window/filterbank buffers, and a typed forward that calls `_functional`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from .. import _functional as F
from .._typing import (
    MFCC,
    AudioSignal,
    Lengths,
    MelSpectrogram,
    NeuralModule,
    attr,
    params,
)

__all__ = [
    "MFCCConfig",
    "MFCCPreprocessor",
    "MelSpectrogramConfig",
    "MelSpectrogramPreprocessor",
    "SpecAugment",
    "SpecAugmentConfig",
]


def _require(condition: bool, owner: str, message: str) -> None:
    if not condition:
        raise ValueError(f"{owner}: {message}")


@dataclass(frozen=True)
class MelSpectrogramConfig:
    """Options of the log-mel front-end; the defaults are QuartzNet's/Jasper's (NeMo 16 kHz, 64 mels).

    **Arguments:**

    - `sample_rate`: input sample rate in Hz.
    - `n_fft`, `win_length`, `hop_length`: FFT size, window length and hop, in samples (512 / 320 = 20 ms /
      160 = 10 ms at 16 kHz).
    - `n_mels`, `f_min_hz`, `f_max_hz`: mel bank size and band edges (`f_max_hz=None` means Nyquist).
    - `mel_scale`: `"slaney"` (librosa default, slaney-normalised; NeMo) or `"htk"`.
    - `periodic_window`: Hann window periodicity (NeMo's mel front-end uses the symmetric window).
    - `preemph`: pre-emphasis coefficient or `None`.
    - `mag_power`: exponent of the STFT magnitude (2: power).
    - `log_guard`, `log_guard_type`: `log(x + guard)` (`"add"`) or `log(max(x, guard))` (`"clamp"`).
    - `normalize`: `"per_feature"` or `None`.
    - `pad_to`, `pad_value`: frames beyond each length get `pad_value`; time is padded to a multiple of `pad_to`.
    - `dither`: Gaussian noise std added to the audio in training mode only.
    """

    sample_rate: int = 16000
    n_fft: int = 512
    win_length: int = 320
    hop_length: int = 160
    n_mels: int = 64
    f_min_hz: float = 0.0
    f_max_hz: float | None = None
    mel_scale: str = "slaney"
    periodic_window: bool = False
    preemph: float | None = 0.97
    mag_power: float = 2.0
    log_guard: float = 2.0**-24
    log_guard_type: str = "add"
    normalize: str | None = "per_feature"
    pad_to: int = 16
    pad_value: float = 0.0
    dither: float = 1e-5

    def __post_init__(self) -> None:
        owner = "MelSpectrogramConfig"
        _require(self.sample_rate > 0, owner, f"sample_rate must be positive, got {self.sample_rate}")
        _require(
            0 < self.win_length <= self.n_fft,
            owner,
            f"need 0 < win_length <= n_fft, got win_length={self.win_length}, n_fft={self.n_fft}",
        )
        _require(self.hop_length > 0, owner, f"hop_length must be positive, got {self.hop_length}")
        _require(self.n_mels > 0, owner, f"n_mels must be positive, got {self.n_mels}")
        _require(self.mel_scale in ("slaney", "htk"), owner, f"mel_scale must be 'slaney' or 'htk', got {self.mel_scale!r}")
        _require(
            self.log_guard_type in ("add", "clamp"),
            owner,
            f"log_guard_type must be 'add' or 'clamp', got {self.log_guard_type!r}",
        )
        _require(
            self.normalize in ("per_feature", None),
            owner,
            f"normalize must be 'per_feature' or None, got {self.normalize!r}",
        )
        _require(self.dither >= 0, owner, f"dither must be >= 0, got {self.dither}")
        _require(self.pad_to >= 0, owner, f"pad_to must be >= 0, got {self.pad_to}")


class MelSpectrogramPreprocessor(NeuralModule):
    """Log-mel features that match NeMo's `AudioToMelSpectrogramPreprocessor` bit for bit.

    The `window` and `filterbank` buffers are part of the state dict, so a NeMo checkpoint's stored
    `featurizer.window` / `featurizer.fb` load straight into them.

    >>> pre = MelSpectrogramPreprocessor().eval()
    >>> features, frames = pre(torch.zeros(2, 16000), torch.tensor([16000, 8000]))
    >>> features.shape, frames.tolist()
    (torch.Size([2, 64, 112]), [100, 50])
    """

    window: Tensor
    filterbank: Tensor

    def __init__(self, config: MelSpectrogramConfig = MelSpectrogramConfig()) -> None:
        super().__init__()
        self.config = config
        self.register_buffer("window", F.hann_window(config.win_length, periodic=config.periodic_window))
        self.register_buffer(
            "filterbank",
            F.mel_filterbank(
                config.sample_rate,
                config.n_fft,
                config.n_mels,
                config.f_min_hz,
                config.f_max_hz,
                scale=config.mel_scale,
                norm="slaney" if config.mel_scale == "slaney" else None,
            ),
        )
        self.generator: torch.Generator | None = None
        #: Eval-mode calls without autograd take the fast path (features equal up to float rounding, ~1e-6);
        #: set to False for NeMo's arithmetic bit for bit.
        self.fast_inference = True

    @property
    def sample_rate(self) -> int:
        return self.config.sample_rate

    @property
    def hop_length(self) -> int:
        return self.config.hop_length

    @property
    def n_mels(self) -> int:
        return self.config.n_mels

    def forward(
        self,
        audio: AudioSignal[Tensor, "batch time", attr("sample_rate")],
        lengths: Lengths[Tensor, "batch"],
    ) -> tuple[
        MelSpectrogram[
            Tensor,
            "batch mel frame",
            params(sample_rate=attr("sample_rate"), hop_length=attr("hop_length"), n_mels=attr("n_mels")),
        ],
        Lengths[Tensor, "batch"],
    ]:
        """Log-mel features of a padded batch; dither is added only in training mode.

        **Arguments:**

        - `audio`: samples at `config.sample_rate`, zero or anything beyond each clip's length.
        - `lengths`: valid samples per clip.

        **Returns:** `(features, frame_lengths)`; frames beyond a clip's length are `pad_value`, and the frame
        axis is padded to a multiple of `pad_to`.
        """
        c = self.config
        return F.log_mel_spectrogram(
            audio,
            lengths,
            window=self.window,
            filterbank=self.filterbank,
            n_fft=c.n_fft,
            hop_length=c.hop_length,
            preemph=c.preemph,
            mag_power=c.mag_power,
            log_guard=c.log_guard,
            log_guard_type=c.log_guard_type,
            normalize=c.normalize,
            pad_to=c.pad_to,
            pad_value=c.pad_value,
            dither=c.dither if self.training else 0.0,
            generator=self.generator,
            exact=not (self.fast_inference and not self.training and not torch.is_grad_enabled()),
        )


@dataclass(frozen=True)
class MFCCConfig:
    """Options of the MFCC front-end (NeMo `AudioToMFCCPreprocessor`; MatchboxNet/MarbleNet defaults).

    Periodic Hann window, reflect padding, HTK mel bank without normalisation, `log(mel + 1e-6)`, orthonormal
    DCT-II.
    """

    sample_rate: int = 16000
    n_fft: int = 512
    win_length: int = 400
    hop_length: int = 160
    n_mels: int = 64
    n_mfcc: int = 64
    f_min_hz: float = 0.0
    f_max_hz: float | None = None
    log_offset: float = 1e-6

    def __post_init__(self) -> None:
        owner = "MFCCConfig"
        _require(
            0 < self.win_length <= self.n_fft,
            owner,
            f"need 0 < win_length <= n_fft, got win_length={self.win_length}, n_fft={self.n_fft}",
        )
        _require(
            0 < self.n_mfcc <= self.n_mels,
            owner,
            f"need 0 < n_mfcc <= n_mels, got n_mfcc={self.n_mfcc}, n_mels={self.n_mels}",
        )


class MFCCPreprocessor(NeuralModule):
    """MFCC features matching NeMo's `AudioToMFCCPreprocessor` (which wraps torchaudio's `MFCC`).

    >>> pre = MFCCPreprocessor()
    >>> pre(torch.zeros(1, 16000), torch.tensor([16000]))[0].shape
    torch.Size([1, 64, 101])
    """

    window: Tensor
    filterbank: Tensor
    dct: Tensor

    def __init__(self, config: MFCCConfig = MFCCConfig()) -> None:
        super().__init__()
        self.config = config
        self.register_buffer("window", F.hann_window(config.win_length, periodic=True))
        self.register_buffer(
            "filterbank",
            F.mel_filterbank(
                config.sample_rate, config.n_fft, config.n_mels, config.f_min_hz, config.f_max_hz, scale="htk", norm=None
            ),
        )
        self.register_buffer("dct", F.dct_matrix(config.n_mfcc, config.n_mels))

    @property
    def sample_rate(self) -> int:
        return self.config.sample_rate

    @property
    def hop_length(self) -> int:
        return self.config.hop_length

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
        c = self.config
        return F.mfcc(
            audio,
            lengths,
            window=self.window,
            filterbank=self.filterbank,
            dct=self.dct,
            n_fft=c.n_fft,
            hop_length=c.hop_length,
            log_offset=c.log_offset,
        )


@dataclass(frozen=True)
class SpecAugmentConfig:
    """SpecAugment masks (NeMo `SpectrogramAugmentation`); QuartzNet uses 5 rectangles of 120 frames x 50 bins.

    `time_width` is a number of frames if `>= 1`, else a fraction of each clip's length.
    """

    freq_masks: int = 0
    freq_width: int = 10
    time_masks: int = 0
    time_width: float = 0.1
    rect_masks: int = 5
    rect_time: int = 120
    rect_freq: int = 50
    mask_value: float = 0.0

    def __post_init__(self) -> None:
        for name in ("freq_masks", "freq_width", "time_masks", "rect_masks", "rect_time", "rect_freq"):
            _require(getattr(self, name) >= 0, "SpecAugmentConfig", f"{name} must be >= 0, got {getattr(self, name)}")


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
        c = self.config
        return F.spec_augment(
            features,
            lengths,
            freq_masks=c.freq_masks,
            freq_width=c.freq_width,
            time_masks=c.time_masks,
            time_width=c.time_width,
            rect_masks=c.rect_masks,
            rect_time=c.rect_time,
            rect_freq=c.rect_freq,
            mask_value=c.mask_value,
            generator=self.generator,
        )
