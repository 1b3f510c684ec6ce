"""Pure feature functions: filterbanks, windows, mel spectrograms, MFCC and SpecAugment masks.

Everything here is a plain function of tensors and numbers; the modules in `modules/` hold configuration
and buffers and call these. The mel front-end reproduces NeMo's `FilterbankFeatures` (the
`AudioToMelSpectrogramPreprocessor` of QuartzNet/Jasper) bit for bit; the MFCC front-end reproduces
torchaudio's `MFCC` as NeMo's `AudioToMFCCPreprocessor` configures it.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

__all__ = [
    "dct_matrix",
    "hann_window",
    "log_mel_spectrogram",
    "mask_beyond",
    "mel_filterbank",
    "mfcc",
    "normalize_per_feature",
    "pad_time_to_multiple",
    "preemphasis",
    "spec_augment",
    "stft_magnitude",
]

# Added to the per-feature standard deviation (not the variance), as NeMo does.
NORMALIZE_STD_EPSILON = 1e-5


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
    f_min: float = 0.0,
    f_max: float | None = None,
    *,
    scale: str = "slaney",
    norm: str | None = "slaney",
) -> Tensor:
    """Triangular mel filterbank, as librosa (`scale="slaney"`) or HTK (`scale="htk"`) computes it.

    **Arguments:**

    - `sample_rate`: in Hz.
    - `n_fft`: FFT size in samples; the bank has `n_fft // 2 + 1` frequency bins.
    - `n_mels`: number of filters.
    - `f_min`, `f_max`: band edges in Hz (`f_max` defaults to `sample_rate / 2`).
    - `scale`: `"slaney"` (linear below 1 kHz, logarithmic above; librosa's default) or `"htk"`.
    - `norm`: `"slaney"` divides each filter by its width (equal area) or `None`.

    **Returns:** a float32 tensor of shape `(n_mels, n_fft // 2 + 1)`. Computed in float64 and rounded once, as
    librosa 0.11 does, so it equals the `fb` buffer NeMo stores in its checkpoints.

    >>> mel_filterbank(16000, 512, 64).shape
    torch.Size([64, 257])
    """
    if scale not in ("slaney", "htk"):
        raise ValueError(f"mel_filterbank: scale must be 'slaney' or 'htk', got {scale!r}")
    if norm not in (None, "slaney"):
        raise ValueError(f"mel_filterbank: norm must be 'slaney' or None, got {norm!r}")
    htk = scale == "htk"
    f_max = sample_rate / 2.0 if f_max is None else float(f_max)
    if htk:
        return _htk_filterbank(sample_rate, n_fft, n_mels, float(f_min), f_max, norm)
    fft_freqs = torch.arange(n_fft // 2 + 1, dtype=torch.float64) * (sample_rate / n_fft)
    mel_edges = torch.linspace(
        float(_hz_to_mel(torch.tensor(float(f_min), dtype=torch.float64), htk)),
        float(_hz_to_mel(torch.tensor(f_max, dtype=torch.float64), htk)),
        n_mels + 2,
        dtype=torch.float64,
    )
    hz_edges = _mel_to_hz(mel_edges, htk)
    widths = hz_edges[1:] - hz_edges[:-1]
    ramps = hz_edges[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = torch.clamp(torch.minimum(lower, upper), min=0.0).to(torch.float32)
    if norm == "slaney":
        enorm = 2.0 / (hz_edges[2:] - hz_edges[:-2])
        weights = (weights.to(torch.float64) * enorm[:, None]).to(torch.float32)
    return weights


def _htk_filterbank(sample_rate: int, n_fft: int, n_mels: int, f_min: float, f_max: float, norm: str | None) -> Tensor:
    # torchaudio's `melscale_fbanks(mel_scale="htk")`, computed in float32 in the same order, so that it equals
    # the `mel_scale.fb` buffer NeMo's MFCC front-end stores.
    all_freqs = torch.linspace(0, sample_rate // 2, n_fft // 2 + 1)
    m_min = 2595.0 * math.log10(1.0 + f_min / 700.0)
    m_max = 2595.0 * math.log10(1.0 + f_max / 700.0)
    f_pts = 700.0 * (10.0 ** (torch.linspace(m_min, m_max, n_mels + 2) / 2595.0) - 1.0)
    f_diff = f_pts[1:] - f_pts[:-1]
    slopes = f_pts.unsqueeze(0) - all_freqs.unsqueeze(1)
    down = (-1.0 * slopes[:, :-2]) / f_diff[:-1]
    up = slopes[:, 2:] / f_diff[1:]
    fb = torch.clamp(torch.minimum(down, up), min=0.0)
    if norm == "slaney":
        fb *= (2.0 / (f_pts[2 : n_mels + 2] - f_pts[:n_mels])).unsqueeze(0)
    return fb.t().contiguous()


def hann_window(length: int, *, periodic: bool) -> Tensor:
    """Hann window of `length` taps; `periodic=False` is the symmetric window NeMo's mel front-end uses."""
    return torch.hann_window(length, periodic=periodic, dtype=torch.float32)


def mask_beyond(x: Tensor, lengths: Tensor, value: float = 0.0) -> Tensor:
    """Fill every position of the last axis at or beyond `lengths[b]` with `value`.

    **Arguments:**

    - `x`: a tensor whose first axis is the batch and whose last axis is time.
    - `lengths`: integer tensor of shape `(batch,)`.
    - `value`: the fill value.
    """
    positions = torch.arange(x.shape[-1], device=x.device)
    invalid = positions[None, :] >= lengths[:, None]
    shape = (x.shape[0],) + (1,) * (x.dim() - 2) + (x.shape[-1],)
    return x.masked_fill(invalid.reshape(shape), value)


def preemphasis(audio: Tensor, lengths: Tensor, coefficient: float) -> Tensor:
    """`y[t] = x[t] - coefficient * x[t-1]` (first sample kept), then zeros beyond each clip's length."""
    emphasized = audio.clone()
    emphasized[:, 1:] -= coefficient * audio[:, :-1]
    return mask_beyond(emphasized, lengths)


def _centered_stft(audio: Tensor, window: Tensor, n_fft: int, hop_length: int, pad_mode: str) -> Tensor:
    """Complex STFT of float32 `audio`, the window centred in each `n_fft` frame, `n_fft // 2` padding each side."""
    return torch.stft(
        audio.float(),
        n_fft=n_fft,
        hop_length=hop_length,
        win_length=window.shape[0],
        window=window.to(device=audio.device, dtype=torch.float32),
        center=True,
        pad_mode=pad_mode,
        return_complex=True,
    )


def stft_magnitude(
    audio: Tensor,
    window: Tensor,
    n_fft: int,
    hop_length: int,
    *,
    power: float = 2.0,
    pad_mode: str = "constant",
) -> Tensor:
    """Centred STFT magnitude raised to `power`: shape `(batch, n_fft // 2 + 1, 1 + time // hop_length)`.

    The window (shorter than `n_fft` or not) is centred in the FFT frame, and the signal is padded by
    `n_fft // 2` on each side with `pad_mode` (`"constant"` = zeros for NeMo's mel front-end, `"reflect"`
    for torchaudio's MFCC).
    """
    spec = _centered_stft(audio, window, n_fft, hop_length, pad_mode)
    # |z| as sqrt(re^2 + im^2), summed in that order: bit-identical to NeMo's `view_as_real(z).pow(2).sum(-1)`
    # but three times faster (a reduction over a size-2 axis is slow on CPU).
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
    valid = (torch.arange(features.shape[-1], device=features.device)[None, :] < lengths[:, None])[:, None, :]
    count = valid.sum(dim=2).to(features.dtype)
    mean = torch.where(valid, features, 0.0).sum(dim=2) / count
    centred = torch.where(valid, features - mean[:, :, None], 0.0)
    std = torch.sqrt(centred.pow(2).sum(dim=2) / (count - 1.0))
    std = std.masked_fill(std.isnan(), 0.0) + NORMALIZE_STD_EPSILON
    return (features - mean[:, :, None]) / std[:, :, None]


def pad_time_to_multiple(features: Tensor, multiple: int, value: float = 0.0) -> Tensor:
    """Right-pad the last (time) axis so that its size is a multiple of `multiple` (no-op for `multiple <= 1`)."""
    if multiple <= 1:
        return features
    remainder = features.shape[-1] % multiple
    if remainder == 0:
        return features
    return torch.nn.functional.pad(features, (0, multiple - remainder), value=value)


def log_mel_spectrogram(
    audio: Tensor,
    lengths: Tensor,
    *,
    window: Tensor,
    filterbank: Tensor,
    n_fft: int,
    hop_length: int,
    preemph: float | None = 0.97,
    mag_power: float = 2.0,
    log_guard: float = 2.0**-24,
    log_guard_type: str = "add",
    normalize: str | None = "per_feature",
    pad_to: int = 16,
    pad_value: float = 0.0,
    dither: float = 0.0,
    generator: torch.Generator | None = None,
    exact: bool = True,
) -> tuple[Tensor, Tensor]:
    """NeMo-compatible log-mel features of a padded batch of audio.

    **Arguments:**

    - `audio`: float `(batch, time)` at the filterbank's sample rate; samples beyond a clip's length are ignored.
    - `lengths`: `(batch,)` valid samples per clip.
    - `window`, `filterbank`: the analysis window `(win_length,)` and mel bank `(n_mels, n_fft // 2 + 1)`.
    - `n_fft`, `hop_length`: in samples.
    - `preemph`: pre-emphasis coefficient, or `None`.
    - `mag_power`: exponent applied to the STFT magnitude (2 = power spectrum).
    - `log_guard`, `log_guard_type`: `log(x + guard)` (`"add"`) or `log(max(x, guard))` (`"clamp"`).
    - `normalize`: `"per_feature"` or `None`.
    - `pad_to`, `pad_value`: frames beyond each length get `pad_value`; time is padded to a multiple of `pad_to`.
    - `dither`: standard deviation of Gaussian noise added to the audio (use only while training). The input
      tensor is never modified.
    - `exact`: `True` reproduces NeMo's arithmetic bit for bit; `False` takes the power spectrum without the
      square root and square, on time-major frames (about 2x faster; features differ by float rounding).

    **Returns:** `(features, frame_lengths)`: features `(batch, n_mels, frames)` and lengths
    `lengths // hop_length` (the frame count NeMo reports: one less than the frames a lone clip produces).
    """
    frame_lengths = torch.div(lengths + 2 * (n_fft // 2) - n_fft, hop_length, rounding_mode="floor").long()
    frame_lengths = torch.where(lengths == 0, torch.zeros_like(frame_lengths), frame_lengths)
    x = audio.float()
    if dither > 0.0:
        noise = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
        x = x + dither * noise
    if preemph is not None:
        x = preemphasis(x, lengths, preemph)
    if exact or mag_power != 2.0:
        spec = stft_magnitude(x, window, n_fft, hop_length, power=mag_power, pad_mode="constant")
        mel = torch.matmul(filterbank.to(device=spec.device, dtype=spec.dtype), spec)
    else:
        mel = _power_mel_fast(x, window, filterbank, n_fft, hop_length)
    if log_guard_type == "add":
        mel = torch.log(mel + log_guard)
    elif log_guard_type == "clamp":
        mel = torch.log(torch.clamp(mel, min=log_guard))
    else:
        raise ValueError(f"log_mel_spectrogram: log_guard_type must be 'add' or 'clamp', got {log_guard_type!r}")
    if normalize == "per_feature":
        mel = normalize_per_feature(mel, frame_lengths)
    elif normalize is not None:
        raise ValueError(f"log_mel_spectrogram: normalize must be 'per_feature' or None, got {normalize!r}")
    mel = mask_beyond(mel, frame_lengths, pad_value)
    return pad_time_to_multiple(mel, pad_to, pad_value), frame_lengths


#: Frames per chunk of the fast power-mel path: small enough that its temporaries (~2 MB) are reused from the heap
#: instead of being mapped and faulted in afresh on every call, which costs more than the FFT for long batches.
_FAST_CHUNK_FRAMES = 1024


def _power_mel_fast(x: Tensor, window: Tensor, filterbank: Tensor, n_fft: int, hop_length: int) -> Tensor:
    # The centred STFT power through the mel bank, as `torch.stft` frames it (zero padding, the window centred in
    # the FFT frame), but with the power taken as re^2 + im^2 (no square root and square), frames laid out
    # time-major so that the FFT and the mel product run on contiguous memory, and one clip and at most
    # _FAST_CHUNK_FRAMES frames at a time: about 2x faster than the exact path and equal to it up to float
    # rounding (relative ~3e-7).
    offset = (n_fft - window.shape[0]) // 2
    full_window = torch.nn.functional.pad(window.to(device=x.device, dtype=x.dtype), (offset, n_fft - window.shape[0] - offset))
    frames = torch.nn.functional.pad(x, (n_fft // 2, n_fft // 2)).unfold(-1, n_fft, hop_length)
    fb = filterbank.to(device=x.device, dtype=x.dtype).t()
    out = torch.empty(frames.shape[0], frames.shape[1], fb.shape[1], device=x.device, dtype=x.dtype)
    for row in range(frames.shape[0]):
        for start in range(0, frames.shape[1], _FAST_CHUNK_FRAMES):
            chunk = frames[row, start : start + _FAST_CHUNK_FRAMES] * full_window
            squares = torch.view_as_real(torch.fft.rfft(chunk)).square_()
            torch.matmul(squares[..., 0] + squares[..., 1], fb, out=out[row, start : start + _FAST_CHUNK_FRAMES])
    return out.transpose(1, 2)


def dct_matrix(n_mfcc: int, n_mels: int) -> Tensor:
    """Orthonormal DCT-II matrix of shape `(n_mels, n_mfcc)` (torchaudio's `create_dct(..., norm="ortho")`)."""
    n = torch.arange(float(n_mels))
    k = torch.arange(float(n_mfcc)).unsqueeze(1)
    dct = torch.cos(math.pi / float(n_mels) * (n + 0.5) * k)
    dct[0] *= 1.0 / math.sqrt(2.0)
    dct *= math.sqrt(2.0 / float(n_mels))
    return dct.t().contiguous()


def mfcc(
    audio: Tensor,
    lengths: Tensor,
    *,
    window: Tensor,
    filterbank: Tensor,
    dct: Tensor,
    n_fft: int,
    hop_length: int,
    log_offset: float = 1e-6,
) -> tuple[Tensor, Tensor]:
    """MFCC features as NeMo's `AudioToMFCCPreprocessor` (torchaudio `MFCC`) computes them.

    Reflect-padded centred STFT power spectrum, HTK mel bank (`filterbank`, `(n_mels, n_fft // 2 + 1)`),
    `log(mel + log_offset)`, then the DCT (`dct`, `(n_mels, n_mfcc)`). Padded audio is not masked, exactly as
    NeMo does.

    **Returns:** `(features, frame_lengths)` with features `(batch, n_mfcc, 1 + time // hop_length)` and
    lengths `ceil(lengths / hop_length)`.
    """
    spec = _centered_stft(audio, window, n_fft, hop_length, "reflect")
    power = spec.abs().pow(2.0)
    fb = filterbank.to(device=power.device, dtype=power.dtype)
    mel = torch.matmul(power.transpose(1, 2), fb.t()).transpose(1, 2)
    mel = torch.log(mel + log_offset)
    features = torch.matmul(mel.transpose(1, 2), dct.to(device=mel.device, dtype=mel.dtype)).transpose(1, 2)
    frame_lengths = torch.div(lengths + hop_length - 1, hop_length, rounding_mode="floor").long()
    return features, frame_lengths


def spec_augment(
    features: Tensor,
    lengths: Tensor,
    *,
    freq_masks: int = 0,
    freq_width: int = 10,
    time_masks: int = 0,
    time_width: float = 0.1,
    rect_masks: int = 0,
    rect_time: int = 5,
    rect_freq: int = 20,
    mask_value: float = 0.0,
    generator: torch.Generator | None = None,
) -> Tensor:
    """SpecAugment: frequency masks, time masks and rectangular cutouts, drawn independently per clip.

    **Arguments:**

    - `features`: `(batch, feature, frame)`; returned as a new tensor (the input is not modified).
    - `lengths`: `(batch,)` valid frames; time masks fall inside them.
    - `freq_masks`, `freq_width`: number of frequency masks and their maximum width in bins.
    - `time_masks`, `time_width`: number of time masks and their maximum width: frames if `>= 1`, else a
      fraction of the clip's length.
    - `rect_masks`, `rect_time`, `rect_freq`: number of rectangles and their maximum size in frames and bins.
    - `mask_value`: value written into masked cells.
    - `generator`: optional `torch.Generator` for reproducible masks.
    """
    out = features.clone()
    batch, n_features, _ = out.shape
    cpu_lengths = lengths.detach().cpu().tolist()

    def randint(high: int) -> int:
        return int(torch.randint(0, max(high, 1), (1,), generator=generator).item())

    for b in range(batch):
        length = int(cpu_lengths[b])
        for _ in range(freq_masks):
            width = randint(freq_width + 1)
            start = randint(max(n_features - width, 0) + 1)
            out[b, start : start + width, :] = mask_value
        max_time = int(time_width) if time_width >= 1 else max(1, int(length * time_width))
        for _ in range(time_masks):
            width = randint(max_time + 1)
            start = randint(max(length - width, 0) + 1)
            out[b, :, start : start + width] = mask_value
        for _ in range(rect_masks):
            t0 = randint(max(length - rect_time, 0) + 1)
            f0 = randint(max(n_features - rect_freq, 0) + 1)
            out[b, f0 : f0 + randint(rect_freq + 1), t0 : t0 + randint(rect_time + 1)] = mask_value
    return out
