"""Tacotron 2 (Shen et al., 2018): autoregressive spectrogram generation with location-sensitive attention.

Reads top to bottom: the dimensions, the private blocks (encoder, prenet, attention, postnet), the typed output,
then `Tacotron2`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from neuraltypes import Alignment, Lengths, Logits, MelSpectrogram, NeuralModule, TokenIndex, attr, params

from ...common._config import CheckedConfig, Interval, MultipleOf
from ...common._masks import lengths_to_mask


@dataclass(frozen=True)
class Tacotron2Config(CheckedConfig):
    """Dimensions of Tacotron 2 (defaults: the paper's model, 22.05 kHz, 80 mels, hop 256).

    **Arguments:**

    - `n_tokens`, `pad_id`: vocabulary size and padding id.
    - `embedding_dim`, `encoder_kernel_size`, `encoder_convolutions`: the character encoder.
    - `prenet_dim`, `attention_rnn_dim`, `decoder_rnn_dim`: the decoder.
    - `attention_dim`, `location_filters`, `location_kernel_size`: location-sensitive attention.
    - `postnet_dim`, `postnet_kernel_size`, `postnet_convolutions`: the residual postnet.
    - `max_decoder_steps`, `gate_threshold`: when free-running inference stops.
    - `inference_seed`: seed of the prenet's dropout masks in eval mode (the paper keeps that dropout on at
      inference; seeding makes synthesis deterministic).
    - `n_mels`, `sample_rate`, `hop_length`: the spectrogram contract.
    """

    n_tokens: int
    pad_id: Annotated[int, Interval(ge=0, lt="n_tokens")]
    embedding_dim: Annotated[int, MultipleOf(2, why="a BiLSTM halves it")] = 512
    encoder_kernel_size: int = 5
    encoder_convolutions: int = 3
    prenet_dim: int = 256
    attention_rnn_dim: int = 1024
    decoder_rnn_dim: int = 1024
    attention_dim: int = 128
    location_filters: int = 32
    location_kernel_size: int = 31
    postnet_dim: int = 512
    postnet_kernel_size: int = 5
    postnet_convolutions: int = 5
    dropout: float = 0.5
    max_decoder_steps: int = 1000
    gate_threshold: float = 0.5
    inference_seed: int = 0
    n_mels: int = 80
    sample_rate: int = 22050
    hop_length: int = 256


def _conv_bn(c_in: int, c_out: int, kernel: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv1d(c_in, c_out, kernel, padding=kernel // 2), nn.BatchNorm1d(c_out))


class _Encoder(nn.Module):
    def __init__(self, c: Tacotron2Config) -> None:
        super().__init__()
        self.embedding = nn.Embedding(c.n_tokens, c.embedding_dim, padding_idx=c.pad_id)
        self.convolutions = nn.ModuleList(
            _conv_bn(c.embedding_dim, c.embedding_dim, c.encoder_kernel_size) for _ in range(c.encoder_convolutions)
        )
        self.lstm = nn.LSTM(c.embedding_dim, c.embedding_dim // 2, batch_first=True, bidirectional=True)
        self.dropout = c.dropout

    def forward(self, tokens: Tensor, lengths: Tensor) -> Tensor:
        x = self.embedding(tokens).transpose(1, 2)
        for conv in self.convolutions:
            x = F.dropout(F.relu(conv(x)), self.dropout, self.training)
        packed = nn.utils.rnn.pack_padded_sequence(x.transpose(1, 2), lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, _ = self.lstm(packed)
        return nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=tokens.shape[1])[0]


class _Prenet(nn.Module):
    def __init__(self, c_in: int, dim: int) -> None:
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(c_in, dim, bias=False), nn.Linear(dim, dim, bias=False)])

    def forward(self, x: Tensor, generator: torch.Generator | None) -> Tensor:
        for layer in self.layers:  # dropout stays on at inference, as in the paper
            x = F.relu(layer(x))
            if generator is None:
                x = F.dropout(x, 0.5, True)
            else:
                keep = torch.rand(x.shape, generator=generator, device=generator.device) >= 0.5
                x = x * keep.to(x.device, x.dtype) * 2.0
        return x


class _LocationAttention(nn.Module):
    def __init__(self, c: Tacotron2Config) -> None:
        super().__init__()
        self.query = nn.Linear(c.attention_rnn_dim, c.attention_dim, bias=False)
        self.memory = nn.Linear(c.embedding_dim, c.attention_dim, bias=False)
        self.location_conv = nn.Conv1d(2, c.location_filters, c.location_kernel_size, padding=c.location_kernel_size // 2, bias=False)
        self.location = nn.Linear(c.location_filters, c.attention_dim, bias=False)
        self.v = nn.Linear(c.attention_dim, 1, bias=False)

    def forward(self, query: Tensor, keys: Tensor, memory: Tensor, weights_cat: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
        location = self.location(self.location_conv(weights_cat).transpose(1, 2))
        energies = self.v(torch.tanh(self.query(query)[:, None, :] + location + keys)).squeeze(-1)
        weights = torch.softmax(energies.masked_fill(~mask, float("-inf")), dim=1)
        return torch.bmm(weights[:, None, :], memory).squeeze(1), weights


class _Postnet(nn.Module):
    def __init__(self, c: Tacotron2Config) -> None:
        super().__init__()
        dims = [c.n_mels] + [c.postnet_dim] * (c.postnet_convolutions - 1) + [c.n_mels]
        self.convolutions = nn.ModuleList(_conv_bn(a, b, c.postnet_kernel_size) for a, b in zip(dims[:-1], dims[1:], strict=True))
        self.dropout = c.dropout

    def forward(self, mel: Tensor) -> Tensor:
        x = mel
        for i, conv in enumerate(self.convolutions):
            x = conv(x)
            x = torch.tanh(x) if i < len(self.convolutions) - 1 else x
            x = F.dropout(x, self.dropout, self.training)
        return x


class Tacotron2Output(NamedTuple):
    """What `Tacotron2.forward` returns."""

    mel_before_postnet: MelSpectrogram[
        Tensor, "batch mel frame", params(sample_rate=attr("sample_rate"), n_mels=attr("n_mels"), hop_length=attr("hop_length"))
    ]
    mel: MelSpectrogram[
        Tensor, "batch mel frame", params(sample_rate=attr("sample_rate"), n_mels=attr("n_mels"), hop_length=attr("hop_length"))
    ]
    gate: Logits[Tensor, "batch frame"]
    alignment: Alignment[Tensor, "batch frame token"]
    frames: Lengths[Tensor, "batch"]


class Tacotron2(NeuralModule):
    """Tacotron 2: tokens to a log-mel spectrogram, one frame per decoder step, with a stop gate.

    `forward(tokens, token_lengths, target=None)`: with a target spectrogram the decoder is teacher-forced for
    its length (training); without one it runs free until the gate fires or `max_decoder_steps`.

    ```python
    model = Tacotron2(Tacotron2Config(n_tokens=30, pad_id=0, embedding_dim=32, prenet_dim=16,
                                      attention_rnn_dim=32, decoder_rnn_dim=32, attention_dim=16,
                                      location_filters=4, postnet_dim=16, max_decoder_steps=20)).eval()
    out = model(torch.tensor([[3, 4, 5]]), torch.tensor([3]))  # out.mel: (1, 80, frames)
    ```
    """

    def __init__(self, config: Tacotron2Config) -> None:
        super().__init__()
        self.config = c = config
        self.sample_rate, self.n_mels, self.hop_length = c.sample_rate, c.n_mels, c.hop_length
        self.encoder = _Encoder(c)
        self.prenet = _Prenet(c.n_mels, c.prenet_dim)
        self.attention_rnn = nn.LSTMCell(c.prenet_dim + c.embedding_dim, c.attention_rnn_dim)
        self.attention = _LocationAttention(c)
        self.decoder_rnn = nn.LSTMCell(c.attention_rnn_dim + c.embedding_dim, c.decoder_rnn_dim)
        self.projection = nn.Linear(c.decoder_rnn_dim + c.embedding_dim, c.n_mels)
        self.gate = nn.Linear(c.decoder_rnn_dim + c.embedding_dim, 1)
        self.postnet = _Postnet(c)

    def _decode(self, memory: Tensor, mask: Tensor, target: Tensor | None) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        c, batch = self.config, memory.shape[0]
        new = memory.new_zeros
        att_h, att_c = new(batch, c.attention_rnn_dim), new(batch, c.attention_rnn_dim)
        dec_h, dec_c = new(batch, c.decoder_rnn_dim), new(batch, c.decoder_rnn_dim)
        weights, cumulative = new(batch, memory.shape[1]), new(batch, memory.shape[1])
        context = new(batch, c.embedding_dim)
        keys = self.attention.memory(memory)
        frame = new(batch, c.n_mels)
        steps = target.shape[-1] if target is not None else c.max_decoder_steps
        generator = None if self.training else torch.Generator(device="cpu").manual_seed(c.inference_seed)
        mels, gates, alignments = [], [], []
        finished = torch.zeros(batch, dtype=torch.bool, device=memory.device)
        frames = torch.full((batch,), steps, dtype=torch.long, device=memory.device)
        for step in range(steps):
            att_h, att_c = self.attention_rnn(torch.cat([self.prenet(frame, generator), context], -1), (att_h, att_c))
            att_h = F.dropout(att_h, 0.1, self.training)
            context, weights = self.attention(att_h, keys, memory, torch.stack([weights, cumulative], 1), mask)
            cumulative = cumulative + weights
            dec_h, dec_c = self.decoder_rnn(torch.cat([att_h, context], -1), (dec_h, dec_c))
            dec_h = F.dropout(dec_h, 0.1, self.training)
            out = torch.cat([dec_h, context], -1)
            mels.append(self.projection(out))
            gates.append(self.gate(out).squeeze(-1))
            alignments.append(weights)
            if target is not None:
                frame = target[:, :, step]
                continue
            frame = mels[-1]
            stop = (torch.sigmoid(gates[-1]) > c.gate_threshold) & ~finished
            frames = torch.where(stop, torch.full_like(frames, step + 1), frames)
            finished |= stop
            if bool(finished.all()):
                break
        return torch.stack(mels, -1), torch.stack(gates, -1), torch.stack(alignments, 1), frames

    def forward(
        self,
        tokens: TokenIndex[Tensor, "batch token"],
        token_lengths: Lengths[Tensor, "batch"],
        target: MelSpectrogram[
            Tensor, "batch mel frame", params(sample_rate=attr("sample_rate"), n_mels=attr("n_mels"), hop_length=attr("hop_length"))
        ]
        | None = None,
    ) -> Tacotron2Output:
        memory = self.encoder(tokens, token_lengths)
        mask = lengths_to_mask(token_lengths, tokens.shape[1])
        mel, gate, alignment, frames = self._decode(memory, mask, target)
        return Tacotron2Output(mel, mel + self.postnet(mel), gate, alignment, frames)


__all__ = ["Tacotron2", "Tacotron2Config", "Tacotron2Output"]
