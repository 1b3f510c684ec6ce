"""VITS's decoder in chunks (`Decoder.chunk` first-stage samples at a time, widened by `Decoder.halo`): the same
audio as decoding the whole signal at once, for both kinds of residual block. Random weights, no voice needed."""

from __future__ import annotations

import pytest
import torch
from neuraltypes_collections.tts.modules._vits import Decoder, VitsConfig

MEDIUM = VitsConfig()  # Piper "medium": resblock 2
HIGH = VitsConfig(
    upsample_rates=(8, 8, 2, 2),
    upsample_kernel_sizes=(16, 16, 4, 4),
    upsample_initial_channel=64,
    resblock=1,
    resblock_kernel_sizes=(3, 7, 11),
    resblock_dilation_sizes=((1, 3, 5), (1, 3, 5), (1, 3, 5)),
)


def _decode(decoder: Decoder, latent: torch.Tensor, chunk: int, halo: int) -> torch.Tensor:
    decoder.chunk, decoder.halo = chunk, halo
    with torch.no_grad():
        return decoder(latent)


@pytest.mark.parametrize("config", [MEDIUM, HIGH], ids=["resblock2", "resblock1"])
def test_chunks_give_the_audio_of_the_whole(config: VitsConfig) -> None:
    torch.manual_seed(0)
    decoder = Decoder(config).eval()
    latent = torch.randn(2, config.inter_channels, 23)
    halo = decoder.halo
    whole = _decode(decoder, latent, 10**9, halo)
    chunked = _decode(decoder, latent, 16, halo)  # 23 frames -> 184 first-stage samples: 12 chunks
    assert chunked.shape == whole.shape == (2, 23 * config.hop_length)
    scale = whole.abs().max()  # random weights: a quiet signal (~1e-3 for the "high" sizes)
    assert (chunked - whole).abs().max() <= 1e-4 * scale
    # the halo is what makes them equal: without it the chunks' edges differ
    assert (_decode(decoder, latent, 16, 0) - whole).abs().max() > 1e-2 * scale
