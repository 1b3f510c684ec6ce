"""Feed-forward Transformer blocks of FastPitch (self-attention plus a convolutional feed-forward, post-norm)."""

from __future__ import annotations

from typing import cast

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ...common._errors import InputError


class _SinusoidalPositions(nn.Module):
    inv_freq: Tensor

    def __init__(self, d_model: int) -> None:
        super().__init__()
        inv_freq = 1.0 / (10000 ** (torch.arange(0.0, d_model, 2.0) / d_model))
        self.register_buffer("inv_freq", inv_freq)

    def forward(self, n_positions: int, dtype: torch.dtype) -> Tensor:
        positions = torch.arange(n_positions, device=self.inv_freq.device).to(dtype)
        angles = positions[:, None] * self.inv_freq[None, :].to(dtype)
        return torch.cat([angles.sin(), angles.cos()], dim=1)[None]


class _SelfAttention(nn.Module):
    def __init__(self, d_model: int, n_head: int, d_head: int, dropout: float, dropatt: float) -> None:
        super().__init__()
        self.n_head, self.d_head = n_head, d_head
        self.qkv_net = nn.Linear(d_model, 3 * n_head * d_head)
        self.o_net = nn.Linear(n_head * d_head, d_model, bias=False)
        self.layer_norm = nn.LayerNorm(d_model)
        self.dropatt = dropatt
        self.drop = nn.Dropout(dropout)

    def forward(self, x: Tensor, mask: Tensor) -> Tensor:
        batch, steps, _ = x.shape
        q, k, v = self.qkv_net(x).view(batch, steps, 3, self.n_head, self.d_head).permute(2, 0, 3, 1, 4)
        attended = F.scaled_dot_product_attention(
            q, k, v, attn_mask=mask[:, None, None, :], dropout_p=self.dropatt if self.training else 0.0
        )
        attended = attended.transpose(1, 2).reshape(batch, steps, self.n_head * self.d_head)
        # torch types every module call as Any: the casts below restate what the called forward returns
        return cast(Tensor, self.layer_norm(x + self.drop(self.o_net(attended))))


class _ConvFeedForward(nn.Module):
    # NeMo's PositionwiseConvFF: conv -> ReLU -> conv, no re-masking in between (padding leaks into the last
    # real positions of a padded batch; kept for parity).
    def __init__(self, d_model: int, d_inner: int, kernel_size: int, dropout: float) -> None:
        super().__init__()
        self.CoreNet = nn.Sequential(
            nn.Conv1d(d_model, d_inner, kernel_size, padding=kernel_size // 2),
            nn.ReLU(),
            nn.Conv1d(d_inner, d_model, kernel_size, padding=kernel_size // 2),
            nn.Dropout(dropout),
        )
        self.layer_norm = nn.LayerNorm(d_model)

    def forward(self, x: Tensor) -> Tensor:
        return cast(Tensor, self.layer_norm(x + self.CoreNet(x.transpose(1, 2)).transpose(1, 2)))


class _TransformerLayer(nn.Module):
    def __init__(
        self, d_model: int, n_head: int, d_head: int, d_inner: int, kernel_size: int, dropout: float, dropatt: float
    ) -> None:
        super().__init__()
        self.dec_attn = _SelfAttention(d_model, n_head, d_head, dropout, dropatt)
        self.pos_ff = _ConvFeedForward(d_model, d_inner, kernel_size, dropout)

    def forward(self, x: Tensor, mask: Tensor) -> Tensor:
        keep = mask[:, :, None].to(x.dtype)
        x = self.dec_attn(x, mask) * keep
        return cast(Tensor, self.pos_ff(x)) * keep


class FFTransformer(nn.Module):
    """A stack of feed-forward Transformer layers with sinusoidal positions (FastPitch encoder and decoder).

    **Arguments:**

    - `d_model`, `n_layer`, `n_head`, `d_head`, `d_inner`, `kernel_size`: layer sizes.
    - `dropout`, `dropatt`, `dropemb`: dropout after each sub-layer, on attention weights, on the input.
    - `n_embed`: vocabulary size; when given the stack embeds token ids (the encoder) and `padding_idx` marks
      padding.

    `forward(x, mask)` takes (batch, steps, d_model) features, or token ids for an encoder, and a (batch, steps)
    boolean mask of valid steps, and returns features with the padding zeroed.
    """

    def __init__(
        self,
        d_model: int,
        n_layer: int,
        n_head: int,
        d_head: int,
        d_inner: int,
        kernel_size: int,
        dropout: float = 0.1,
        dropatt: float = 0.1,
        dropemb: float = 0.0,
        n_embed: int | None = None,
        padding_idx: int | None = None,
    ) -> None:
        super().__init__()
        self.word_emb = nn.Embedding(n_embed, d_model, padding_idx=padding_idx) if n_embed else None
        self.pos_emb = _SinusoidalPositions(d_model)
        self.drop = nn.Dropout(dropemb)
        self.layers = nn.ModuleList(
            _TransformerLayer(d_model, n_head, d_head, d_inner, kernel_size, dropout, dropatt) for _ in range(n_layer)
        )

    def embed_tokens(self, tokens: Tensor) -> Tensor:
        """The token embeddings of an encoder stack (built with `n_embed`), before positions are added.

        **Arguments:**

        - `tokens`: (batch, token) ids.

        **Returns:** (batch, token, d_model) embeddings.
        """
        if self.word_emb is None:
            raise InputError("FFTransformer.embed_tokens: this stack embeds no tokens (build it with n_embed)")
        return cast(Tensor, self.word_emb(tokens))

    def forward(self, x: Tensor, mask: Tensor, conditioning: Tensor | None = None) -> Tensor:
        if self.word_emb is not None:
            x = self.word_emb(x)
        positions = self.pos_emb(x.shape[1], x.dtype) * mask[:, :, None].to(x.dtype)
        x = x + positions
        if conditioning is not None:
            x = x + conditioning
        x = self.drop(x)
        for layer in self.layers:
            x = layer(x, mask)
        return x


__all__ = ["FFTransformer"]
