"""Silero VAD (v6) as typed modules: a fixed STFT front end, four convolutions and an LSTM decoder.

The original model reads 32 ms chunks (512 samples at 16 kHz, 256 at 8 kHz). Each chunk is prefixed with the last
64 (32) samples of the previous one (the *context*), reflect-padded on the right, turned into 4 STFT frames, squeezed
to one 128-channel vector by the encoder, and fed to one step of an LSTM whose state carries over to the next chunk.
A 1x1 head and a sigmoid give the speech probability of the chunk.

`SileroVad.forward` is that streaming step, with the state passed in and out explicitly. `SileroVad.speech_probs`
computes the same probabilities for whole utterances at once: the encoder runs on every chunk of a batch in one
call (chunks only depend on their own samples and the context), then the LSTM runs over the chunk sequence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple, cast

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from neuraltypes import AudioSignal, Encoded, Lengths, NeuralModule, Probs, Spectrogram, attr, checked, params

from ...common._errors import ConfigError, InputError
from ._detect import detect_speech
from ._segments import refuse_windows, speech_probs_of


@dataclass(frozen=True)
class SileroVadDimensions:
    """Sizes of a Silero VAD model. The two released models are `for_sample_rate(16000)` and `(8000)`.

    **Arguments:**

    - `sample_rate`: audio sample rate in Hz.
    - `chunk_samples`: new samples per step (32 ms).
    - `context_samples`: samples of the previous chunk prefixed to each chunk.
    - `n_fft`: STFT window length in samples (a periodic Hann window).
    - `hop_length`: STFT hop in samples.
    - `right_pad_samples`: reflect padding added after each chunk before the STFT.
    - `encoder_channels`, `encoder_strides`: output channels and stride of the four kernel-3 convolutions.
    - `hidden_size`: LSTM width (equal to the last encoder width).
    """

    sample_rate: int = 16000
    chunk_samples: int = 512
    context_samples: int = 64
    n_fft: int = 256
    hop_length: int = 128
    right_pad_samples: int = 64
    encoder_channels: tuple[int, ...] = (128, 64, 64, 128)
    encoder_strides: tuple[int, ...] = (1, 2, 2, 1)
    hidden_size: int = 128

    def __post_init__(self) -> None:
        if len(self.encoder_channels) != len(self.encoder_strides):
            raise ConfigError(
                f"SileroVadDimensions: encoder_channels has {len(self.encoder_channels)} entries but encoder_strides "
                f"has {len(self.encoder_strides)}; hint: give one stride per convolution."
            )
        if self.encoder_channels[-1] != self.hidden_size:
            raise ConfigError(
                f"SileroVadDimensions: the last encoder width ({self.encoder_channels[-1]}) must equal hidden_size "
                f"({self.hidden_size}), the LSTM input size."
            )
        if self.right_pad_samples >= self.chunk_samples + self.context_samples:
            raise ConfigError(
                "SileroVadDimensions: right_pad_samples must be shorter than one chunk with its context."
            )
        if self.frames_per_chunk < 1:
            raise ConfigError(
                f"SileroVadDimensions: a chunk of {self.window_samples} samples (with context and padding "
                f"{self.right_pad_samples}) is shorter than n_fft={self.n_fft}; hint: increase chunk_samples."
            )

    @classmethod
    def for_sample_rate(cls, sample_rate: int) -> SileroVadDimensions:
        """The dimensions of the released model for `sample_rate` (16000 or 8000 Hz)."""
        if sample_rate == 16000:
            return cls()
        if sample_rate == 8000:
            return cls(
                sample_rate=8000,
                chunk_samples=256,
                context_samples=32,
                n_fft=128,
                hop_length=64,
                right_pad_samples=32,
            )
        raise InputError(
            f"sample_rate: Silero VAD has models for 16000 and 8000 Hz audio, not {sample_rate} Hz; "
            f"hint: resample first, e.g. torchaudio.functional.resample(audio, {sample_rate}, 16000).",
            source="sample_rate",
        )

    @property
    def n_bins(self) -> int:
        """Frequency bins of the one-sided STFT."""
        return self.n_fft // 2 + 1

    @property
    def window_samples(self) -> int:
        """Samples the model reads per step: the context and the new chunk."""
        return self.context_samples + self.chunk_samples

    @property
    def frames_per_chunk(self) -> int:
        """STFT frames per step."""
        return (self.window_samples + self.right_pad_samples - self.n_fft) // self.hop_length + 1

    @property
    def chunk_duration_s(self) -> float:
        """Duration of one step's new audio, in seconds (0.032)."""
        return self.chunk_samples / self.sample_rate


def hann_dft_basis(n_fft: int) -> Tensor:
    """The STFT as convolution weights: rows are `w[n] cos(2 pi k n / N)` then `-w[n] sin(...)`, `w` periodic Hann.

    **Returns:** a `(2 * (n_fft // 2 + 1), 1, n_fft)` float32 tensor.
    """
    n = torch.arange(n_fft, dtype=torch.float64)
    k = torch.arange(n_fft // 2 + 1, dtype=torch.float64)[:, None]
    window = torch.hann_window(n_fft, periodic=True, dtype=torch.float64)
    angle = 2 * math.pi * k * n / n_fft
    return torch.cat([torch.cos(angle) * window, -torch.sin(angle) * window]).unsqueeze(1).float()


def _conv_k3(x: Tensor, weight: Tensor, bias: Tensor, stride: int) -> Tensor:
    """`Conv1d(kernel_size=3, padding=1, stride)` over `(batch, frame, channel)` input, as one matrix product.

    For the handful of frames in a chunk this is several times faster on CPU than `F.conv1d`.
    """
    batch, _, channels = x.shape
    columns = F.pad(x, (0, 0, 1, 1)).unfold(1, 3, stride)  # batch, frame_out, channel, 3
    frames_out = columns.shape[1]
    out = torch.addmm(
        bias, columns.reshape(batch * frames_out, channels * 3), weight.reshape(weight.shape[0], -1).T
    )
    return out.reshape(batch, frames_out, -1)


class _StftMagnitude(NeuralModule):
    """Magnitude STFT of each window (context + chunk), reflect-padded on the right."""

    def __init__(self, dims: SileroVadDimensions) -> None:
        super().__init__()
        self.sample_rate = dims.sample_rate
        self.n_fft = dims.n_fft
        self.hop_length = dims.hop_length
        self.right_pad_samples = dims.right_pad_samples
        self.n_bins = dims.n_bins
        # Fixed, not learned: the checkpoints' basis is checked against it when weights are loaded.
        self.basis: Tensor
        self.register_buffer("basis", hann_dft_basis(dims.n_fft), persistent=False)

    def forward(
        self, windows: AudioSignal[Tensor, "batch time", attr("sample_rate")]
    ) -> Spectrogram[
        Tensor,
        "batch frame frequency",
        params(sample_rate=attr("sample_rate"), hop_length=attr("hop_length")),
    ]:
        padded = F.pad(windows.unsqueeze(1), (0, self.right_pad_samples), mode="reflect").squeeze(1)
        parts = padded.unfold(1, self.n_fft, self.hop_length) @ self.basis[:, 0].T  # batch, frame, 2 * bins
        real, imag = parts[..., : self.n_bins], parts[..., self.n_bins :]
        return (real * real + imag * imag).sqrt()


class _Encoder(NeuralModule):
    """Kernel-3 convolutions with ReLU that reduce a chunk's STFT frames to one vector."""

    def __init__(self, dims: SileroVadDimensions) -> None:
        super().__init__()
        widths = (dims.n_bins, *dims.encoder_channels)
        self.convs = nn.ModuleList(
            nn.Conv1d(c_in, c_out, kernel_size=3, stride=stride, padding=1)
            for c_in, c_out, stride in zip(widths[:-1], widths[1:], dims.encoder_strides, strict=True)
        )

    def forward(
        self, spectrogram: Spectrogram[Tensor, "batch frame frequency"]
    ) -> Encoded[Tensor, "batch channel"]:
        x = spectrogram
        for conv in cast(list[nn.Conv1d], list(self.convs)):
            x = torch.relu(_conv_k3(x, conv.weight, cast(Tensor, conv.bias), conv.stride[0]))
        if x.shape[1] != 1:
            raise ConfigError(
                f"Silero VAD encoder: expected the convolutions to reduce each chunk to 1 frame, got {x.shape[1]}; "
                "hint: the chunk length does not match the model's dimensions."
            )
        return x.squeeze(1)


class _Decoder(NeuralModule):
    """An LSTM over the chunk sequence, then dropout, ReLU, a linear head and a sigmoid."""

    def __init__(self, dims: SileroVadDimensions) -> None:
        super().__init__()
        self.lstm = nn.LSTM(dims.hidden_size, dims.hidden_size, batch_first=True)
        self.head = nn.Linear(dims.hidden_size, 1)

    def forward(
        self,
        encoded: Encoded[Tensor, "batch frame channel"],
        hidden: Encoded[Tensor, "batch channel"],
        cell: Encoded[Tensor, "batch channel"],
    ) -> tuple[
        Probs[Tensor, "batch frame"], Encoded[Tensor, "batch channel"], Encoded[Tensor, "batch channel"]
    ]:
        # One streaming step: the fused cell op (as in the original) skips nn.LSTM's per-call overhead.
        if encoded.shape[1] == 1:
            weight_ih, weight_hh, bias_ih, bias_hh = self.lstm.all_weights[0]
            hidden, cell = torch.lstm_cell(
                encoded[:, 0], (hidden, cell), weight_ih, weight_hh, bias_ih, bias_hh
            )
            outputs = hidden.unsqueeze(1)
        else:
            outputs, (hidden_n, cell_n) = self.lstm(encoded, (hidden.unsqueeze(0), cell.unsqueeze(0)))
            hidden, cell = hidden_n.squeeze(0), cell_n.squeeze(0)
        features = torch.relu(F.dropout(outputs, 0.1, self.training))
        return torch.sigmoid(self.head(features)).squeeze(-1), hidden, cell


class SileroVadStep(NamedTuple):
    """One streaming step: the chunk's speech probability and the state to pass to the next step."""

    probs: Probs[Tensor, "batch"]  # noqa: F821, UP037 (a one-word shape string, not a forward reference)
    context: AudioSignal[Tensor, "batch _", attr("sample_rate")]
    hidden: Encoded[Tensor, "batch channel"]
    cell: Encoded[Tensor, "batch channel"]


class SileroVad(NeuralModule):
    """Silero VAD: the speech probability of every 32 ms chunk of audio.

    Build it with pretrained weights with `load_silero_vad()`; `SileroVad(dims)` alone is randomly initialised.

    **Arguments:**

    - `dims`: the model's sizes; `SileroVadDimensions.for_sample_rate(8000)` for the 8 kHz model.

    Examples:

        >>> import torch
        >>> from neuraltypes_collections.asr.vad import SileroVad
        >>> model = SileroVad().eval()
        >>> step = model(torch.zeros(1, 512))                     # first chunk: no state yet
        >>> step = model(torch.zeros(1, 512), step.context, step.hidden, step.cell)
        >>> probs, frames = model.speech_probs(torch.zeros(2, 16000))
        >>> tuple(probs.shape), frames.tolist()
        ((2, 32), [32, 32])
    """

    def __init__(self, dims: SileroVadDimensions = SileroVadDimensions()) -> None:
        super().__init__()
        self.dims = dims
        self.sample_rate = dims.sample_rate
        self.front_end = _StftMagnitude(dims)
        self.encoder = _Encoder(dims)
        self.decoder = _Decoder(dims)

    def initial_state(self, batch_size: int) -> tuple[Tensor, Tensor, Tensor]:
        """Zero context, hidden and cell state for `batch_size` streams (what the first step uses)."""
        device, dtype = self.decoder.head.weight.device, self.decoder.head.weight.dtype
        zeros = torch.zeros(batch_size, self.dims.hidden_size, device=device, dtype=dtype)
        return torch.zeros(batch_size, self.dims.context_samples, device=device, dtype=dtype), zeros, zeros

    def forward(
        self,
        chunk: AudioSignal[Tensor, "batch time", attr("sample_rate")],
        context: AudioSignal[Tensor, "batch _", attr("sample_rate")] | None = None,
        hidden: Encoded[Tensor, "batch channel"] | None = None,
        cell: Encoded[Tensor, "batch channel"] | None = None,
    ) -> SileroVadStep:
        """One streaming step over a 32 ms chunk.

        **Arguments:**

        - `chunk`: `chunk_samples` new samples per stream (512 at 16 kHz).
        - `context`, `hidden`, `cell`: the state returned by the previous step; all `None` for the first chunk.

        **Returns:** a `SileroVadStep`: the speech probability of each stream, and the state for the next chunk.
        """
        if chunk.shape[-1] != self.dims.chunk_samples:
            raise InputError(
                f"SileroVad.forward: parameter 'chunk' has {chunk.shape[-1]} samples per stream; the "
                f"{self.sample_rate} Hz model takes chunks of exactly {self.dims.chunk_samples} samples "
                f"({1000 * self.dims.chunk_duration_s:g} ms); hint: zero-pad the last chunk, or call speech_probs() "
                "for audio of any length.",
                source="chunk",
            )
        if context is None or hidden is None or cell is None:
            if not (context is None and hidden is None and cell is None):
                raise InputError(
                    "SileroVad.forward: pass all of 'context', 'hidden' and 'cell' (the previous step's state) or "
                    "none of them (first chunk).",
                    source="context",
                )
            context, hidden, cell = self.initial_state(chunk.shape[0])
        windows = torch.cat([context, chunk], dim=-1)
        encoded = self.encoder(self.front_end(windows))
        probs, hidden, cell = self.decoder(encoded.unsqueeze(1), hidden, cell)
        return SileroVadStep(probs.squeeze(1), windows[:, -self.dims.context_samples :], hidden, cell)

    @checked
    def speech_probs(
        self,
        audio: AudioSignal[Tensor, "batch time", attr("sample_rate")],
        lengths: Lengths[Tensor, "batch"] | None = None,  # noqa: F821, UP037
    ) -> tuple[Probs[Tensor, "batch frame"], Lengths[Tensor, "batch"]]:  # noqa: F821, UP037
        """Speech probability of every chunk of whole utterances, equal to streaming them chunk by chunk.

        **Arguments:**

        - `audio`: a batch of waveforms, zero-padded to a common length.
        - `lengths`: valid samples per item (default: all of `time`).

        **Returns:** `(probs, frames)`: one probability per `chunk_samples` chunk (the last one zero-padded), and
        the number of valid chunks per item, `ceil(lengths / chunk_samples)`. Probabilities past an item's valid
        chunks describe its padding.
        """
        batch, num_samples = audio.shape
        chunk, context = self.dims.chunk_samples, self.dims.context_samples
        num_frames = -(-num_samples // chunk)
        if lengths is None:
            lengths = torch.full((batch,), num_samples, dtype=torch.long, device=audio.device)
        frames = torch.div(lengths + chunk - 1, chunk, rounding_mode="floor")
        if num_frames == 0:
            return audio.new_zeros(batch, 0), frames
        padded = F.pad(audio, (context, num_frames * chunk - num_samples))
        windows = padded.unfold(1, context + chunk, chunk).reshape(batch * num_frames, context + chunk)
        encoded = self.encoder(self.front_end(windows)).reshape(batch, num_frames, -1)
        _, hidden, cell = self.initial_state(batch)
        probs, _, _ = self.decoder(encoded, hidden, cell)
        return probs, frames

    def chunk_speech_probs(
        self, waveform: Tensor, *, batch_size: int = 64, window_s: float | None = None, shift_s: float | None = None
    ) -> tuple[Tensor, int]:
        """The speech probability of every 32 ms chunk of a 1-D waveform at `sample_rate`, and the chunk length in
        samples: the protocol `detect_speech` drives. Audio of any length is encoded in blocks; `batch_size` does
        not apply, and the chunks are fixed (`window_s`, `shift_s` must be `None`)."""
        refuse_windows(type(self).__name__, window_s, shift_s)
        return speech_probs_of(self, waveform), self.dims.chunk_samples

    #: `model.detect_speech(audio, **options)`: `detect_speech(model, audio, **options)`, the grid's method.
    detect_speech = detect_speech


__all__ = ["SileroVad", "SileroVadDimensions", "SileroVadStep", "hann_dft_basis"]
