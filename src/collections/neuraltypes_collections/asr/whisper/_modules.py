"""Whisper as typed modules: log-mel front end, transformer encoder, transformer decoder with a key-value cache.

The layout is OpenAI's (`whisper/model.py`), so that every weight of a CTranslate2 or OpenAI checkpoint has one
place: the encoder is two convolutions with GELU, fixed sinusoidal positions and pre-norm transformer blocks; the
decoder adds learned positions, causal self-attention and cross-attention to the encoder's output, and scores
tokens with the transposed token embedding (tied weights). Attention runs through
`torch.nn.functional.scaled_dot_product_attention`; when nothing is trained, the linear layers run through packed
weights (`_packed.packed_linear`: oneDNN for many rows, fbgemm's float16-weight kernel for a token at a time), each
attention's query, key and value as one fused product, and the encoder's self-attention through oneDNN's matmul
(`_packed.attention`).

Typed boundaries: audio `AudioSignal(16000)` -> `MelSpectrogram` -> `AcousticEncoded` -> token `Logits`. The
decoder's `forward` recomputes every position; decoding uses `WhisperDecoder.start` and `WhisperDecoder.step`,
which compute the cross-attention keys and values once per clip and extend a self-attention cache by one token
per step (the same numbers; a test checks it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Annotated, cast

import torch
import torch.nn.functional as F
from torch import Tensor, nn

import neuraltypes as nt
from neuraltypes import (
    AcousticEncoded,
    AudioSignal,
    Lengths,
    Logits,
    MelSpectrogram,
    NeuralModule,
    TokenIndex,
    attr,
    params,
)

from ...common._config import CheckedConfig, Interval, MultipleOf
from ...common._errors import ConfigError
from ...common._mel import MelConfig, MelFrontEnd
from ._packed import attention, packed_linear

SAMPLE_RATE = 16000
HOP_LENGTH = 160
_HEADS_SHARE = "each head takes an equal share of the width"

__all__ = ["DecoderCache", "WhisperDecoder", "WhisperDimensions", "WhisperEncoder", "WhisperFrontEnd"]


@dataclass(frozen=True)
class WhisperDimensions(CheckedConfig):
    """Sizes of a Whisper model (OpenAI's `ModelDimensions`; the defaults are tiny.en's).

    **Arguments:**

    - `n_mels`: mel bands of the front end (80; 128 for large-v3).
    - `n_audio_ctx`: encoder positions per window (1500: 30 s at 20 ms); the window is `2 * n_audio_ctx` frames.
    - `n_audio_state`, `n_audio_head`, `n_audio_layer`: encoder width, attention heads, blocks.
    - `n_vocab`: tokens (51864 English-only, 51865 multilingual, 51866 large-v3).
    - `n_text_ctx`: decoder positions (448).
    - `n_text_state`, `n_text_head`, `n_text_layer`: decoder width, attention heads, blocks.
    """

    n_mels: int = 80
    n_audio_ctx: int = 1500
    n_audio_state: Annotated[int, MultipleOf("n_audio_head", why=_HEADS_SHARE)] = 384
    n_audio_head: Annotated[int, Interval(ge=1)] = 6
    n_audio_layer: int = 4
    n_vocab: int = 51864
    n_text_ctx: int = 448
    n_text_state: Annotated[int, MultipleOf("n_text_head", why=_HEADS_SHARE)] = 384
    n_text_head: Annotated[int, Interval(ge=1)] = 6
    n_text_layer: int = 4

    @property
    def n_frames(self) -> int:
        """Mel frames in one window (3000 for 30 s)."""
        return 2 * self.n_audio_ctx

    @property
    def window_samples(self) -> int:
        """Audio samples in one window (480000 for 30 s at 16 kHz)."""
        return self.n_frames * HOP_LENGTH


def sinusoids(length: int, channels: int, max_timescale: float = 10000.0) -> Tensor:
    """Whisper's fixed encoder positions: sines then cosines over geometric timescales, `(length, channels)`."""
    increment = math.log(max_timescale) / (channels // 2 - 1)
    inverse = torch.exp(-increment * torch.arange(channels // 2, dtype=torch.float32))
    scaled = torch.arange(length, dtype=torch.float32)[:, None] * inverse[None, :]
    return torch.cat([scaled.sin(), scaled.cos()], dim=1)


class _Attention(nn.Module):
    """Multi-head attention with Whisper's projections (the key has no bias)."""

    def __init__(self, n_state: int, n_head: int) -> None:
        super().__init__()
        self.n_head = n_head
        self.query = nn.Linear(n_state, n_state)
        self.key = nn.Linear(n_state, n_state, bias=False)
        self.value = nn.Linear(n_state, n_state)
        self.out = nn.Linear(n_state, n_state)

    def heads(self, x: Tensor) -> Tensor:
        """`(batch, time, state)` -> `(batch, head, time, state / head)`."""
        return x.view(x.shape[0], x.shape[1], self.n_head, -1).transpose(1, 2)


def _mlp(n_state: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(n_state, 4 * n_state), nn.GELU(), nn.Linear(4 * n_state, n_state))


class _EncoderBlock(nn.Module):
    def __init__(self, n_state: int, n_head: int) -> None:
        super().__init__()
        self.attn = _Attention(n_state, n_head)
        self.attn_ln = nn.LayerNorm(n_state)
        self.mlp = _mlp(n_state)
        self.mlp_ln = nn.LayerNorm(n_state)

    def forward(self, x: Tensor) -> Tensor:
        attn = self.attn
        batch, steps = x.shape[0], x.shape[1]
        qkv = packed_linear(attn, self.attn_ln(x), (attn.query.weight, attn.key.weight, attn.value.weight),
                            (attn.query.bias, None, attn.value.bias))  # fmt: skip
        query, key, value = qkv.view(batch, steps, 3, attn.n_head, -1).permute(2, 0, 3, 1, 4)
        mixed = attention(query, key, value)
        x = x + packed_linear(attn.out, _merge(mixed), (attn.out.weight,), (attn.out.bias,))
        return x + _feed_forward(self.mlp, self.mlp_ln(x))


@dataclass
class DecoderCache:
    """What the decoder keeps between steps for one batch of windows.

    - `cross`: per block, the cross-attention keys and values of the encoder output `(batch, head, step, dim)`,
      computed once. A batch of 1 serves any number of rows (the beams of one window attend to it together).
    - `keys`, `values`: per block, the self-attention keys and values, allocated for all positions once
      `(batch, head, n_text_ctx, dim)`; the first `length` positions are the tokens seen so far.
    """

    cross: list[tuple[Tensor, Tensor]]
    keys: list[Tensor] = field(default_factory=list)
    values: list[Tensor] = field(default_factory=list)
    length: int = 0

    def reorder(self, rows: Tensor) -> None:
        """Keep row `rows[i]` of the self-attention cache as row `i` (beam search: the beams that go on)."""
        seen = self.length
        for store in (self.keys, self.values):
            for index, old in enumerate(store):
                new = old.new_empty((rows.shape[0], *old.shape[1:]))
                new[:, :, :seen] = old[:, :, :seen].index_select(0, rows)
                store[index] = new


class _DecoderBlock(nn.Module):
    def __init__(self, n_state: int, n_head: int) -> None:
        super().__init__()
        self.attn = _Attention(n_state, n_head)
        self.attn_ln = nn.LayerNorm(n_state)
        self.cross_attn = _Attention(n_state, n_head)
        self.cross_attn_ln = nn.LayerNorm(n_state)
        self.mlp = _mlp(n_state)
        self.mlp_ln = nn.LayerNorm(n_state)

    def forward(
        self, x: Tensor, keys: Tensor, values: Tensor, offset: int, cross: tuple[Tensor, Tensor]
    ) -> Tensor:
        """`x` `(batch, token, state)` after the `offset` tokens whose keys and values are in `keys`, `values`
        (which receive those of `x`); `cross`: the encoder output's keys and values."""
        attn, cross_attn = self.attn, self.cross_attn
        batch, new = x.shape[0], x.shape[1]
        qkv = packed_linear(attn, self.attn_ln(x), (attn.query.weight, attn.key.weight, attn.value.weight),
                            (attn.query.bias, None, attn.value.bias))  # fmt: skip
        query, key, value = qkv.view(batch, new, 3, attn.n_head, -1).permute(2, 0, 3, 1, 4)
        seen = offset + new
        keys[:, :, offset:seen] = key
        values[:, :, offset:seen] = value
        mask = None
        if new > 1:  # causal among the new tokens; every earlier token is visible
            mask = torch.ones(new, seen, dtype=torch.bool, device=x.device).tril(offset)
        mixed = F.scaled_dot_product_attention(query, keys[:, :, :seen], values[:, :, :seen], attn_mask=mask)
        x = x + packed_linear(attn.out, _merge(mixed), (attn.out.weight,), (attn.out.bias,))
        query = packed_linear(cross_attn.query, self.cross_attn_ln(x), (cross_attn.query.weight,),
                              (cross_attn.query.bias,))  # fmt: skip
        shared = cross[0].shape[0] == 1 and batch > 1
        if shared:  # every row attends to the same window: the rows are queries of one batch
            query = query.reshape(1, batch * new, -1)
        mixed = _merge(F.scaled_dot_product_attention(cross_attn.heads(query), *cross))
        if shared:
            mixed = mixed.reshape(batch, new, -1)
        x = x + packed_linear(cross_attn.out, mixed, (cross_attn.out.weight,), (cross_attn.out.bias,))
        return x + _feed_forward(self.mlp, self.mlp_ln(x))


def _feed_forward(mlp: nn.Sequential, x: Tensor) -> Tensor:
    """`mlp(x)` (linear, GELU, linear) through packed weights, the GELU fused into the first product."""
    inner, outer = cast(nn.Linear, mlp[0]), cast(nn.Linear, mlp[2])
    hidden = packed_linear(inner, x, (inner.weight,), (inner.bias,), gelu=True)
    return packed_linear(outer, hidden, (outer.weight,), (outer.bias,))


def _merge(heads: Tensor) -> Tensor:
    """`(batch, head, time, dim)` -> `(batch, time, head * dim)`."""
    return heads.transpose(1, 2).flatten(2)


class WhisperFrontEnd(NeuralModule):
    """Audio to Whisper's normalised log-mel features, one window per clip: the collections' mel front end with
    `MelConfig.whisper()`, after one hop of zeros is appended to the audio (faster-whisper's padding), and with
    the frames padded with zeros (or cut) to the window's `2 * n_audio_ctx`, as Whisper's `transcribe` does."""

    def __init__(self, dims: WhisperDimensions) -> None:
        super().__init__()
        self.mel = MelFrontEnd(MelConfig.whisper(dims.n_mels))
        self.sample_rate = SAMPLE_RATE
        self.hop_length = HOP_LENGTH
        self.n_mels = dims.n_mels
        self.n_frames = dims.n_frames

    def mel_frames(self, audio: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor]:
        """The mel features of `(batch, time)` audio at 16 kHz and their frame counts, not cut to a window: after
        one hop of zeros, or more for a clip so short that the STFT's reflection needs them (> n_fft / 2)."""
        tail = max(self.hop_length, self.mel.config.n_fft // 2 + 1 - audio.shape[-1])
        padded = nt.tag(F.pad(audio, (0, tail)), nt.tags.AudioSignal(self.sample_rate))
        features, frames = self.mel(padded, lengths)
        return features, frames

    def forward(
        self,
        audio: AudioSignal[Tensor, "batch time", attr("sample_rate")],
        lengths: Lengths[Tensor, "batch"],
    ) -> MelSpectrogram[
        Tensor,
        "batch mel frame",
        params(sample_rate=attr("sample_rate"), hop_length=attr("hop_length"), n_mels=attr("n_mels")),
    ]:
        features = self.mel_frames(audio, lengths)[0]
        if features.shape[-1] >= self.n_frames:
            return features[..., : self.n_frames].contiguous()
        return F.pad(features, (0, self.n_frames - features.shape[-1]))


class WhisperEncoder(NeuralModule):
    """Log-mel frames to encoded steps at half their rate (20 ms)."""

    positional_embedding: Tensor

    def __init__(self, dims: WhisperDimensions) -> None:
        super().__init__()
        self.n_mels = dims.n_mels
        self.conv1 = nn.Conv1d(dims.n_mels, dims.n_audio_state, kernel_size=3, padding=1)
        self.conv2 = nn.Conv1d(dims.n_audio_state, dims.n_audio_state, kernel_size=3, stride=2, padding=1)
        self.register_buffer("positional_embedding", sinusoids(dims.n_audio_ctx, dims.n_audio_state))
        self.blocks = nn.ModuleList(
            _EncoderBlock(dims.n_audio_state, dims.n_audio_head) for _ in range(dims.n_audio_layer)
        )
        self.ln_post = nn.LayerNorm(dims.n_audio_state)

    def forward(
        self, features: MelSpectrogram[Tensor, "batch mel frame", params(n_mels=attr("n_mels"))]
    ) -> AcousticEncoded[Tensor, "batch step channel"]:
        x = F.gelu(self.conv1(features))
        x = F.gelu(self.conv2(x)).transpose(1, 2)
        positions = self.positional_embedding
        if x.shape[1] > positions.shape[0]:
            raise ConfigError(
                f"WhisperEncoder: {features.shape[-1]} frames give {x.shape[1]} steps, more than the "
                f"{positions.shape[0]} positions of the model; hint: one window is {2 * positions.shape[0]} frames"
            )
        x = x + positions[: x.shape[1]]
        for block in self.blocks:
            x = block(x)
        encoded: Tensor = self.ln_post(x)
        return encoded


class WhisperDecoder(NeuralModule):
    """Tokens and encoded steps to the next token's logits at every position."""

    def __init__(self, dims: WhisperDimensions) -> None:
        super().__init__()
        self.n_text_ctx = dims.n_text_ctx
        self.token_embedding = nn.Embedding(dims.n_vocab, dims.n_text_state)
        self.positional_embedding = nn.Parameter(torch.zeros(dims.n_text_ctx, dims.n_text_state))
        self.blocks = nn.ModuleList(
            _DecoderBlock(dims.n_text_state, dims.n_text_head) for _ in range(dims.n_text_layer)
        )
        self._blocks: list[_DecoderBlock] = cast(list[_DecoderBlock], list(self.blocks))
        self.ln = nn.LayerNorm(dims.n_text_state)

    def forward(
        self,
        tokens: TokenIndex[Tensor, "batch token"],
        encoded: AcousticEncoded[Tensor, "batch step channel"],
    ) -> Logits[Tensor, "batch token vocab"]:
        return self.step(tokens, self.start(encoded))

    def start(self, encoded: Tensor) -> DecoderCache:
        """An empty cache for decoding `encoded` `(batch, step, channel)`: the cross-attention keys and values
        (one fused projection per block, stored contiguous: each step reads them whole)."""
        cross = []
        for block in self._blocks:
            attn = block.cross_attn
            both = packed_linear(
                attn.key, encoded, (attn.key.weight, attn.value.weight), (None, attn.value.bias)
            )
            keys, values = (
                both.view(*encoded.shape[:2], 2, attn.n_head, -1).permute(2, 0, 3, 1, 4).contiguous()
            )
            cross.append((keys, values))
        return DecoderCache(cross)

    def step(self, tokens: Tensor, cache: DecoderCache) -> Tensor:
        """Logits `(batch, token, vocab)` for `tokens` that follow the ones in `cache`, which is extended."""
        return self.logits(self.advance(tokens, cache))

    def advance(self, tokens: Tensor, cache: DecoderCache) -> Tensor:
        """The final states `(batch, token, state)` of `tokens` that follow the ones in `cache`, which is extended
        by them; `logits` scores the states (decoding scores only the positions it reads)."""
        offset, new = cache.length, tokens.shape[1]
        if offset + new > self.n_text_ctx:
            raise ConfigError(f"WhisperDecoder: {offset + new} tokens exceed the {self.n_text_ctx} positions")
        x = self.token_embedding(tokens) + self.positional_embedding[offset : offset + new]
        if not cache.keys:
            heads = self._blocks[0].attn.n_head
            shape = (tokens.shape[0], heads, self.n_text_ctx, x.shape[-1] // heads)
            cache.keys = [x.new_empty(shape) for _ in self._blocks]
            cache.values = [x.new_empty(shape) for _ in self._blocks]
        for index, block in enumerate(self._blocks):
            x = block(x, cache.keys[index], cache.values[index], offset, cache.cross[index])
        cache.length = offset + new
        states: Tensor = self.ln(x)
        return states

    def logits(self, states: Tensor) -> Tensor:
        """Token logits `(..., vocab)` of final states `(..., state)`: the tied projection by the token embedding."""
        return packed_linear(self.token_embedding, states, (self.token_embedding.weight,), (None,))
