"""The GE2E speaker encoder (Wan et al., 2018, "Generalized End-to-End Loss for Speaker Verification") as typed
modules, with the layout of `resemblyzer`'s `VoiceEncoder` so that its `pretrained.pt` loads as it is.

Reads top to bottom: the mel preset, the frozen config, the partial-utterance windows, the two blocks (front end,
LSTM encoder), then `GE2EModel`, whose `forward` is `VoiceEncoder.embed_utterance` for a padded batch:

    audio -> (volume raised to -30 dBFS) -> 40-band power mel, 25 ms windows every 10 ms
          -> partial utterances of 160 frames (1.6 s), 1.3 per second -> LSTM 40 -> 256 (3 layers), last state
          -> Linear 256 -> 256 -> ReLU -> L2 norm -> mean over the partials -> L2 norm
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from neuraltypes import AudioSignal, Encoded, Lengths, MelSpectrogram, NeuralModule, attr, params

from ...common._errors import ConfigError
from ...common._mel import FilterbankFrontEnd, MelConfig, mel_buffers, stft, stft_magnitude
from ...common._model import register_model
from ._base import SpeakerModel, Verb

if TYPE_CHECKING:
    from . import _diarize


__all__ = [
    "GE2EConfig",
    "GE2EEncoder",
    "GE2EMelFrontEnd",
    "GE2EModel",
    "ge2e_mel_config",
    "normalize_volume",
    "partial_starts",
]

#: Full scale of 16-bit PCM, the reference of resemblyzer's dBFS.
INT16_MAX = 2**15 - 1


def ge2e_mel_config() -> MelConfig:
    """The geometry of resemblyzer's features as a `MelConfig`: 16 kHz, 40 Slaney mel bands from 0 to 8 kHz, a
    periodic Hann window of 400 samples (25 ms) every 160 (10 ms), n_fft 400, centred with zero padding, power
    spectrum, no pre-emphasis, no normalisation (librosa's `melspectrogram` defaults).

    GE2E's features are **not logarithmic**: `GE2EMelFrontEnd` stops after the mel filterbank, the one step of
    `log_mel_spectrogram` they lack, so the `log_guard_*` fields of this config are not used.
    """
    return MelConfig(
        sample_rate=16000, n_fft=400, window_length=400, hop_length=160, n_mels=40, periodic_window=True,
        padding="center", pad_mode="constant", preemph=None, mag_power=2.0, normalize=None, pad_to=1,
        drop_last_frame=False, dither=0.0,
    )  # fmt: skip


@dataclass(frozen=True)
class GE2EConfig:
    """Everything needed to build a `GE2EModel`; the defaults are resemblyzer 0.1.4's `hparams.py`.

    **Arguments:**

    - `mel`: the front end's geometry (`ge2e_mel_config()`).
    - `hidden_size`, `num_layers`: the LSTM (256 units, 3 layers).
    - `embedding_size`: the projection's width (256).
    - `partial_frames`: frames per partial utterance (160 = 1.6 s).
    - `partial_rate_hz`: partial utterances per second of audio (1.3; at least `1 / 1.6 s`).
    - `min_coverage`: the last partial is kept when at least this fraction of it holds audio (0.75).
    - `target_dbfs`: quieter clips are amplified to this level (resemblyzer's `preprocess_wav`, -30 dBFS, never
      lowered); `None` leaves the level as it is (`embed_utterance` alone).
    - `verification_threshold`: the cosine similarity at or above which `verify` says "same speaker" (calibrated
      at the equal-error point by `benchmarks/speaker_verification.py`).
    """

    mel: MelConfig = field(default_factory=ge2e_mel_config)
    hidden_size: int = 256
    num_layers: int = 3
    embedding_size: int = 256
    partial_frames: int = 160
    partial_rate_hz: float = 1.3
    min_coverage: float = 0.75
    target_dbfs: float | None = -30.0
    verification_threshold: float = 0.78

    def __post_init__(self) -> None:
        problems = []
        if min(self.hidden_size, self.num_layers, self.embedding_size, self.partial_frames) < 1:
            problems.append("hidden_size, num_layers, embedding_size and partial_frames must be >= 1")
        step = self._frame_step()
        if not 0 < step <= self.partial_frames:
            lowest = self.mel.sample_rate / (self.mel.hop_length * self.partial_frames)
            problems.append(
                f"partial_rate_hz={self.partial_rate_hz} gives a step of {step} frames; it must be between "
                f"{lowest:.4g} Hz (one partial per {self.partial_frames} frames) and {self.mel.sample_rate / self.mel.hop_length:g} Hz"
            )
        if not 0.0 < self.min_coverage <= 1.0:
            problems.append(f"min_coverage must be in (0, 1], got {self.min_coverage}")
        if not -1.0 <= self.verification_threshold <= 1.0:
            problems.append(f"verification_threshold is a cosine, in [-1, 1], got {self.verification_threshold}")
        if problems:
            raise ConfigError("GE2EConfig: " + "; ".join(problems))

    def _frame_step(self) -> int:
        if not (math.isfinite(self.partial_rate_hz) and self.partial_rate_hz > 0):
            return 0
        return round(self.mel.sample_rate / self.partial_rate_hz / self.mel.hop_length)

    @property
    def frame_step(self) -> int:
        """Frames between the starts of two partial utterances (77 at 1.3 Hz)."""
        return self._frame_step()


def partial_starts(n_samples: int, config: GE2EConfig) -> list[int]:
    """The first frame of each partial utterance of a clip of `n_samples` samples (`compute_partial_slices`).

    Partials of `config.partial_frames` frames start every `config.frame_step` frames and cover the clip; the last
    is dropped when less than `config.min_coverage` of it holds audio, unless it is the only one.

    >>> partial_starts(16000, GE2EConfig()), partial_starts(48000, GE2EConfig())
    ([0], [0, 77, 154])
    """
    hop, size, step = config.mel.hop_length, config.partial_frames, config.frame_step
    n_frames = -(-(n_samples + 1) // hop)
    starts = list(range(0, max(1, n_frames - size + step + 1), step))
    coverage = (n_samples - starts[-1] * hop) / (size * hop)
    if coverage < config.min_coverage and len(starts) > 1:
        starts.pop()
    return starts


def normalize_volume(audio: Tensor, lengths: Tensor, target_dbfs: float) -> Tensor:
    """Amplify each clip of a padded batch whose RMS level is below `target_dbfs` to that level (never lowered).

    The level is taken over the clip's `lengths` samples, in dB relative to 16-bit full scale (resemblyzer's
    `normalize_volume(wav, target_dBFS, increase_only=True)`); a silent clip is left as it is.
    """
    valid = torch.arange(audio.shape[-1], device=audio.device)[None, :] < lengths[:, None]
    power = torch.where(valid, audio * INT16_MAX, 0.0).square().sum(dim=-1) / lengths.clamp(min=1)
    dbfs = 10.0 * torch.log10(power.clamp(min=1e-30)) - 20.0 * math.log10(INT16_MAX)
    gain = torch.where((power > 0) & (dbfs < target_dbfs), 10.0 ** ((target_dbfs - dbfs) / 20.0), 1.0)
    return audio * gain[:, None].to(audio.dtype)


class GE2EMelFrontEnd(FilterbankFrontEnd):
    """Waveforms to GE2E's 40-band **power** mel spectrograms (librosa's `melspectrogram`, no logarithm).

    >>> front = GE2EMelFrontEnd(ge2e_mel_config())
    >>> front(torch.zeros(2, 16000)).shape
    torch.Size([2, 40, 101])
    """

    config: MelConfig

    def __init__(self, config: MelConfig) -> None:
        super().__init__(config, *mel_buffers(config), persistent=False)

    def forward(
        self, audio: AudioSignal[Tensor, "batch time", attr("sample_rate")]
    ) -> MelSpectrogram[
        Tensor, "batch mel frame", params(sample_rate=attr("sample_rate"), hop_length=attr("hop_length"), n_mels=attr("n_mels"))
    ]:
        """Power mel frames of a batch: frame `f` is centred on sample `f * hop_length` (`1 + time // hop` frames)."""
        spectrum = stft(audio, self.window, self.config.n_fft, self.config.hop_length,
                        pad=self.config.n_fft // 2, pad_mode=self.config.pad_mode)  # fmt: skip
        return torch.matmul(self.filterbank, stft_magnitude(spectrum, self.config.mag_power))


class GE2EEncoder(NeuralModule):
    """Partial utterances to unit-length speaker embeddings: LSTM, last layer's final state, Linear, ReLU, L2 norm.

    >>> encoder = GE2EEncoder(40, 32, 2, 16)
    >>> encoder(torch.rand(3, 40, 160)).norm(dim=-1).round(decimals=4).tolist()
    [1.0, 1.0, 1.0]
    """

    def __init__(self, n_mels: int, hidden_size: int, num_layers: int, embedding_size: int) -> None:
        super().__init__()
        self.lstm = nn.LSTM(n_mels, hidden_size, num_layers, batch_first=True)
        self.linear = nn.Linear(hidden_size, embedding_size)

    def forward(self, mel: MelSpectrogram[Tensor, "batch mel frame"]) -> Encoded[Tensor, "batch embedding"]:
        """The embedding of each partial utterance (all of the same length), on the unit sphere."""
        _, (hidden, _) = self.lstm(mel.transpose(1, 2))
        return F.normalize(torch.relu(self.linear(hidden[-1])), dim=-1)


@register_model("asr.ge2e")
class GE2EModel(SpeakerModel[GE2EConfig]):
    """GE2E speaker encoder: one 256-dimensional unit vector per recording; cosine similarity compares voices.

    `GE2EModel.from_pretrained("ge2e_resemblyzer")` reads the weights the `resemblyzer` package installs. The
    verbs: `embed_speakers`, `verify`, `identify`, `diarize` (module functions and methods alike).

    >>> model = GE2EModel(GE2EConfig(hidden_size=16, num_layers=1, embedding_size=8)).eval()
    >>> model(torch.randn(2, 24000) * 0.1, torch.tensor([24000, 16000])).shape
    torch.Size([2, 8])
    """

    def __init__(self, config: GE2EConfig) -> None:
        super().__init__(config)
        self.front_end = GE2EMelFrontEnd(config.mel)
        self.encoder = GE2EEncoder(config.mel.n_mels, config.hidden_size, config.num_layers, config.embedding_size)
        # The GE2E loss's scale and offset of the cosine (training only), kept so that the checkpoint loads whole.
        self.similarity_weight = nn.Parameter(torch.tensor([10.0]))
        self.similarity_bias = nn.Parameter(torch.tensor([-5.0]))

    @property
    def sample_rate(self) -> int:
        return self.config.mel.sample_rate

    @property
    def embedding_size(self) -> int:
        return self.config.embedding_size

    def windows(self, audio: Tensor, starts: list[list[int]]) -> tuple[Tensor, Tensor]:
        """The mel frames of the partial utterances starting at `starts[i]` (frames) of each clip `audio[i]`.

        **Returns:** `(mel, owner)`: `(window, mel, partial_frames)` features and the clip index of each window.
        Audio beyond a clip's end must be zeros; the batch is zero-padded so that every window lies inside it.
        """
        size, hop = self.config.partial_frames, self.config.mel.hop_length
        needed = max((max(row) + size) * hop for row in starts)
        if audio.shape[-1] < needed:
            audio = F.pad(audio, (0, needed - audio.shape[-1]))
        mel = self.front_end(audio)
        frames = [mel[i, :, s : s + size] for i, row in enumerate(starts) for s in row]
        owner = torch.tensor([i for i, row in enumerate(starts) for _ in row], device=audio.device)
        return torch.stack(frames), owner

    def forward(
        self,
        audio: AudioSignal[Tensor, "batch time", attr("sample_rate")],
        lengths: Lengths[Tensor, "batch"],
    ) -> Encoded[Tensor, "batch embedding"]:
        """The speaker embedding of each clip of a padded batch: the normalised mean of its partials' embeddings.

        **Arguments:**

        - `audio`: mono samples at `sample_rate`; zeros beyond each clip's length.
        - `lengths`: valid samples per clip.

        **Returns:** unit vectors; the dot product of two is their cosine similarity.
        """
        audio = audio.float()
        if self.config.target_dbfs is not None:
            audio = normalize_volume(audio, lengths, self.config.target_dbfs)
        starts = [partial_starts(int(n), self.config) for n in lengths.tolist()]
        mel, owner = self.windows(audio, starts)
        partials = self.encoder(mel)
        summed = torch.zeros(audio.shape[0], partials.shape[-1], device=partials.device, dtype=partials.dtype)
        summed.index_add_(0, owner, partials)
        counts = torch.bincount(owner, minlength=audio.shape[0]).to(partials.dtype)
        return F.normalize(summed / counts[:, None], dim=-1)

    # the speaker verbs are methods (`SpeakerModel`); diarize too, for GE2E: `model.diarize(audio)`
    if TYPE_CHECKING:
        diarize = _diarize.diarize
    else:
        diarize = Verb("._diarize", "diarize")
