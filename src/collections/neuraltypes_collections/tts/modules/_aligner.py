"""Learned text-to-speech alignment (Badlani et al., 2021; NeMo's `AlignmentEncoder`), trained with FastPitch.

Tokens and spectrogram frames are projected to a common space; the soft alignment is a softmax over tokens of
their negative squared distance to each frame. The forward-sum (CTC) loss makes it monotonic; monotonic alignment
search turns it into hard durations for the length regulator.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn


class _ConvNorm(nn.Module):
    def __init__(self, c_in: int, c_out: int, kernel: int) -> None:
        super().__init__()
        self.conv = nn.Conv1d(c_in, c_out, kernel, padding=kernel // 2)

    def forward(self, x: Tensor) -> Tensor:
        return cast(Tensor, self.conv(x))  # torch types a module call as Any


class AlignmentEncoder(nn.Module):
    """Soft alignment between spectrogram frames and tokens (parameter names as NeMo's `AlignmentEncoder`).

    **Arguments:**

    - `n_mels`: mel channels of the spectrogram; `n_text`: width of the token embeddings.
    - `n_att`: width of the common space; `temperature`: scale of the squared distance.

    `forward(mel, text, token_mask, prior=None)` takes (batch, mel, frame) spectrograms, (batch, token, channel)
    token embeddings, a (batch, token) mask and an optional (batch, frame, token) prior, and returns
    `(soft, log_prob)`: (batch, frame, token) attention (rows sum to one) and its unmasked log-probabilities.
    """

    def __init__(self, n_mels: int = 80, n_text: int = 384, n_att: int = 80, temperature: float = 0.0005) -> None:
        super().__init__()
        self.temperature = temperature
        self.key_proj = nn.Sequential(_ConvNorm(n_text, 2 * n_text, 3), nn.ReLU(), _ConvNorm(2 * n_text, n_att, 1))
        self.query_proj = nn.Sequential(
            _ConvNorm(n_mels, 2 * n_mels, 3), nn.ReLU(), _ConvNorm(2 * n_mels, n_mels, 1), nn.ReLU(),
            _ConvNorm(n_mels, n_att, 1),
        )  # fmt: skip

    def forward(self, mel: Tensor, text: Tensor, token_mask: Tensor, prior: Tensor | None = None) -> tuple[Tensor, Tensor]:
        queries = self.query_proj(mel)  # (batch, att, frame)
        keys = self.key_proj(text.transpose(1, 2))  # (batch, att, token)
        distance = (queries[:, :, :, None] - keys[:, :, None, :]).pow(2).sum(1)
        scores = -self.temperature * distance
        if prior is not None:
            scores = F.log_softmax(scores, dim=-1) + torch.log(prior + 1e-8)
        log_prob = scores
        soft = torch.softmax(scores.masked_fill(~token_mask[:, None, :], float("-inf")), dim=-1)
        return soft, log_prob


def forward_sum_loss(log_prob: Tensor, token_lengths: Tensor, frame_lengths: Tensor, blank_logprob: float = -1.0) -> Tensor:
    """CTC loss of the alignment: every token must be visited once, in order (NeMo's `ForwardSumLoss`).

    **Arguments:**

    - `log_prob`: (batch, frame, token) alignment log-probabilities from `AlignmentEncoder`.
    - `token_lengths`, `frame_lengths`: valid tokens and frames per utterance.
    - `blank_logprob`: score of the extra blank class.
    """
    padded = F.pad(log_prob, (1, 0), value=blank_logprob)
    total = log_prob.new_zeros(())
    for b in range(log_prob.shape[0]):
        n_tokens, n_frames = int(token_lengths[b]), int(frame_lengths[b])
        current = F.log_softmax(padded[b, :n_frames, : n_tokens + 1], dim=-1)[:, None, :]
        target = torch.arange(1, n_tokens + 1, device=log_prob.device)[None]
        total = total + F.ctc_loss(
            current, target, torch.tensor([n_frames]), torch.tensor([n_tokens]), blank=0, zero_infinity=True
        )
    return total / log_prob.shape[0]


def monotonic_alignment_search(log_prob: np.ndarray) -> np.ndarray:
    """Most likely monotonic path through a (frame, token) log-probability matrix that starts at the first token,
    ends at the last, and advances by at most one token per frame. Needs frames >= tokens.

    **Returns:** a 0/1 matrix of the same shape with exactly one 1 per frame.
    """
    frames, tokens = log_prob.shape
    score = np.full((frames, tokens), -np.inf)
    came_from_previous = np.zeros((frames, tokens), dtype=bool)
    score[0, 0] = log_prob[0, 0]
    for t in range(1, frames):
        stay = score[t - 1]
        advance = np.concatenate([[-np.inf], score[t - 1, :-1]])
        came_from_previous[t] = advance > stay
        score[t] = np.maximum(stay, advance) + log_prob[t]
    path = np.zeros((frames, tokens), dtype=np.float32)
    j = tokens - 1
    for t in range(frames - 1, -1, -1):
        path[t, j] = 1.0
        if t > 0 and came_from_previous[t, j]:
            j -= 1
    return path


def binarize_alignment(soft: Tensor, token_lengths: Tensor, frame_lengths: Tensor) -> Tensor:
    """Hard (batch, frame, token) alignment: monotonic alignment search on each utterance's soft alignment."""
    hard = torch.zeros_like(soft)
    log_soft = torch.log(soft.detach().float().clamp(min=1e-12)).cpu().numpy()
    for b in range(soft.shape[0]):
        n_tokens, n_frames = int(token_lengths[b]), int(frame_lengths[b])
        path = monotonic_alignment_search(log_soft[b, :n_frames, :n_tokens])
        hard[b, :n_frames, :n_tokens] = torch.from_numpy(path).to(soft.device, soft.dtype)
    return hard


def beta_binomial_prior(n_tokens: int, n_frames: int, scaling: float = 1.0) -> Tensor:
    """The (frame, token) beta-binomial prior that favours a near-diagonal alignment (as NeMo's data sets add)."""
    k = torch.arange(n_tokens, dtype=torch.float64)
    rows = []
    for i in range(1, n_frames + 1):
        a, b = scaling * i, scaling * (n_frames + 1 - i)
        n = n_tokens - 1
        log_pmf = (
            torch.lgamma(torch.tensor(n + 1.0)) - torch.lgamma(k + 1) - torch.lgamma(n - k + 1)
            + torch.lgamma(k + a) + torch.lgamma(n - k + b) - torch.lgamma(torch.tensor(n + a + b))
            - (torch.lgamma(torch.tensor(a)) + torch.lgamma(torch.tensor(b)) - torch.lgamma(torch.tensor(a + b)))
        )  # fmt: skip
        rows.append(torch.exp(log_pmf))
    return torch.stack(rows).float()


__all__ = [
    "AlignmentEncoder",
    "beta_binomial_prior",
    "binarize_alignment",
    "forward_sum_loss",
    "monotonic_alignment_search",
]
