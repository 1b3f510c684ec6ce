"""FastPitch (Łańcucki, 2021): a parallel spectrogram generator with duration, pitch and optional energy predictors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, NamedTuple, cast

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from neuraltypes import (
    Lengths,
    MelSpectrogram,
    NeuralModule,
    RegressionValues,
    TokenDuration,
    TokenIndex,
    TokenLogDuration,
    attr,
    params,
)

from ...common._config import CheckedConfig, Interval, MultipleOf
from ...common._errors import InputError
from ...common._masks import lengths_to_mask
from ._aligner import AlignmentEncoder
from ._transformer import FFTransformer

_DURATION_DTYPES = (torch.int64, torch.int32, torch.float32)
_KEEPS_LENGTHS = MultipleOf(2, remainder=1, why="to keep lengths")


@dataclass(frozen=True)
class FastPitchConfig(CheckedConfig):
    """Dimensions of a FastPitch model.

    **Arguments:**

    - `n_tokens`, `pad_id`: vocabulary size and the id of the padding token (masked everywhere).
    - `d_model`: symbol embedding and Transformer width.
    - `encoder_layers`, `decoder_layers`, `n_head`, `d_head`, `d_inner`, `kernel_size`: Transformer sizes.
    - `predictor_filters`, `predictor_kernel_size`, `predictor_layers`: the duration/pitch/energy predictors.
    - `pitch_embedding_kernel_size`: the convolution that embeds per-token pitch.
    - `use_energy`: build the energy predictor and embedding (FastPitch 1.1).
    - `use_aligner`: build the alignment encoder that learns durations from (text, spectrogram) pairs.
    - `max_token_duration`: upper clamp of predicted durations, in frames.
    - `n_mels`, `sample_rate`, `hop_length`: the spectrogram it produces (its contract).
    - `dropout`, `dropatt`, `predictor_dropout`: training-time dropout.
    """

    n_tokens: int
    pad_id: Annotated[int, Interval(ge=0, lt="n_tokens")]
    d_model: int = 384
    encoder_layers: int = 6
    decoder_layers: int = 6
    n_head: int = 1
    d_head: int = 64
    d_inner: int = 1536
    kernel_size: Annotated[int, _KEEPS_LENGTHS] = 3
    predictor_filters: int = 256
    predictor_kernel_size: Annotated[int, _KEEPS_LENGTHS] = 3
    predictor_layers: int = 2
    pitch_embedding_kernel_size: Annotated[int, _KEEPS_LENGTHS] = 3
    use_energy: bool = False
    use_aligner: bool = False
    max_token_duration: int = 75
    n_mels: int = 80
    sample_rate: int = 22050
    hop_length: int = 256
    dropout: float = 0.1
    dropatt: float = 0.1
    predictor_dropout: float = 0.1


class _ConvReLUNorm(nn.Module):
    def __init__(self, c_in: int, c_out: int, kernel_size: int, dropout: float) -> None:
        super().__init__()
        self.conv = nn.Conv1d(c_in, c_out, kernel_size, padding=kernel_size // 2)
        self.norm = nn.LayerNorm(c_out)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        x = F.relu(self.conv(x))
        # torch types a module call as Any
        return cast(Tensor, self.dropout(self.norm(x.transpose(1, 2)).transpose(1, 2)))


class TemporalPredictor(nn.Module):
    """Predicts one value per token (log-duration, pitch or energy) from encoder features.

    `forward(features, mask)` takes (batch, token, channel) features and a (batch, token) mask and returns
    (batch, token) values, zero on padding.
    """

    def __init__(self, c_in: int, filters: int, kernel_size: int, dropout: float, n_layers: int = 2) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            *(_ConvReLUNorm(c_in if i == 0 else filters, filters, kernel_size, dropout) for i in range(n_layers))
        )
        self.fc = nn.Linear(filters, 1)

    def forward(self, features: Tensor, mask: Tensor) -> Tensor:
        keep = mask[:, :, None].to(features.dtype)
        out = self.layers((features * keep).transpose(1, 2)).transpose(1, 2)
        return (cast(Tensor, self.fc(out)) * keep).squeeze(-1)


def regulate_length(durations: Tensor, features: Tensor, pace: float = 1.0) -> tuple[Tensor, Tensor]:
    """Repeat each token's features for its number of frames (the length regulator).

    **Arguments:**

    - `durations`: (batch, token) durations in frames, integer or fractional.
    - `features`: (batch, token, channel) token features.
    - `pace`: speaking rate; frames per token are `floor(duration / pace + 0.5)`.

    **Returns:** `(frames_features, frames)`: (batch, frame, channel) features padded with zeros to the longest
    utterance, and each utterance's number of frames.
    """
    if pace <= 0:
        raise InputError(f"regulate_length: pace must be positive, got {pace}")
    repeats = (durations.float() / pace + 0.5).long()
    frames = repeats.sum(dim=1)
    ends = torch.cumsum(repeats, dim=1)
    starts = ends - repeats
    steps = torch.arange(int(frames.max()) if frames.numel() else 0, device=features.device)[None, :, None]
    selection = ((starts[:, None, :] <= steps) & (ends[:, None, :] > steps)).to(features.dtype)
    return torch.matmul(selection, features), frames


class FastPitchOutput(NamedTuple):
    """What `FastPitch.forward` returns."""

    spectrogram: MelSpectrogram[
        Tensor,
        "batch mel frame",
        params(sample_rate=attr("sample_rate"), n_mels=attr("n_mels"), hop_length=attr("hop_length")),
    ]
    frames: Lengths[Tensor, "batch"]
    durations: TokenDuration[Tensor, "batch token", torch.float32]
    log_durations: TokenLogDuration[Tensor, "batch token"]
    pitch: RegressionValues[Tensor, "batch token"]


class FastPitch(NeuralModule):
    """FastPitch spectrogram generator: token ids to a log-mel spectrogram.

    Parameter names follow NeMo's `FastPitchModule` (`encoder`, `decoder`, `duration_predictor`,
    `pitch_predictor`, `pitch_emb`, `proj`), so NeMo checkpoints load without renaming.

    **Arguments:**

    - `config`: a `FastPitchConfig`.

    `forward(tokens, durations=None, pitch=None, energy=None, pace=1.0)`: given durations and pitch
    (normalised, one value per token) it is teacher-forced; otherwise it uses its own predictions. `pace` > 1
    speaks faster.

    **Returns:** a `FastPitchOutput` (spectrogram, frames, predicted durations, log-durations and pitch).

    ```python
    model = FastPitch(FastPitchConfig(n_tokens=40, pad_id=0, d_model=32, encoder_layers=1, decoder_layers=1,
                                      d_inner=64, predictor_filters=32))
    out = model(torch.tensor([[3, 5, 7]]))  # out.spectrogram: (1, 80, frames)
    ```
    """

    def __init__(self, config: FastPitchConfig) -> None:
        super().__init__()
        self.config = config
        self.sample_rate, self.n_mels, self.hop_length = config.sample_rate, config.n_mels, config.hop_length
        c = config
        self.encoder = FFTransformer(
            c.d_model, c.encoder_layers, c.n_head, c.d_head, c.d_inner, c.kernel_size, c.dropout, c.dropatt,
            n_embed=c.n_tokens, padding_idx=c.pad_id,
        )  # fmt: skip
        self.decoder = FFTransformer(
            c.d_model, c.decoder_layers, c.n_head, c.d_head, c.d_inner, c.kernel_size, c.dropout, c.dropatt
        )
        predictor = (c.predictor_filters, c.predictor_kernel_size, c.predictor_dropout, c.predictor_layers)
        self.duration_predictor = TemporalPredictor(c.d_model, *predictor)
        self.pitch_predictor = TemporalPredictor(c.d_model, *predictor)
        k = c.pitch_embedding_kernel_size
        self.pitch_emb = nn.Conv1d(1, c.d_model, k, padding=k // 2)
        self.energy_predictor = TemporalPredictor(c.d_model, *predictor) if c.use_energy else None
        self.energy_emb = nn.Conv1d(1, c.d_model, k, padding=k // 2) if c.use_energy else None
        self.proj = nn.Linear(c.d_model, c.n_mels)
        self.aligner = AlignmentEncoder(c.n_mels, c.d_model) if c.use_aligner else None
        # Pitch statistics of the training data (Hz), kept to (de)normalise pitch targets.
        self.register_buffer("pitch_mean", torch.zeros(1))
        self.register_buffer("pitch_std", torch.ones(1))

    def forward(
        self,
        tokens: TokenIndex[Tensor, "batch token"],
        durations: TokenDuration[Tensor, "batch token", _DURATION_DTYPES] | None = None,
        pitch: RegressionValues[Tensor, "batch token"] | None = None,
        energy: RegressionValues[Tensor, "batch token"] | None = None,
        pace: float = 1.0,
    ) -> FastPitchOutput:
        mask = tokens != self.config.pad_id
        encoded = self.encoder(tokens, mask)
        log_durations = self.duration_predictor(encoded, mask)
        predicted_durations = torch.clamp(torch.exp(log_durations) - 1, 0, self.config.max_token_duration)
        prosody = encoded
        predicted_pitch = self.pitch_predictor(prosody, mask)
        pitch_in = predicted_pitch if pitch is None else pitch
        encoded = encoded + self.pitch_emb(pitch_in[:, None, :]).transpose(1, 2)
        if self.energy_predictor is not None and self.energy_emb is not None:
            energy_in = self.energy_predictor(prosody, mask) if energy is None else energy
            encoded = encoded + self.energy_emb(energy_in[:, None, :]).transpose(1, 2)
        used = predicted_durations if durations is None else durations
        expanded, frames = regulate_length(used, encoded, pace)
        frame_mask = lengths_to_mask(frames, expanded.shape[1])
        decoded = self.decoder(expanded, frame_mask)
        spectrogram = self.proj(decoded).transpose(1, 2)
        return FastPitchOutput(spectrogram, frames, predicted_durations, log_durations, predicted_pitch)


__all__ = ["FastPitch", "FastPitchConfig", "FastPitchOutput", "TemporalPredictor", "regulate_length"]
