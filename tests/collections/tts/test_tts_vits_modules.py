"""VITS's blocks on their fast paths, against the plain computation: time-major convolutions (oneDNN's matmul without
gradients, `F.linear` with them) against `F.conv1d`; the decoder in chunks (`Decoder.chunk` first-stage samples at a
time, widened by `Decoder.halo`) against the whole signal at once, for both kinds of residual block. Random weights,
no voice needed."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import torch
from neuraltypes_collections.common import ConfigError
from neuraltypes_collections.tts.models._vits import VitsModelConfig
from neuraltypes_collections.tts.modules._vits import Decoder, ResidualCouplingFlow, VitsConfig, _time_major
from torch import nn

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


@pytest.mark.parametrize("grad", [False, True], ids=["onednn", "autograd"])
@pytest.mark.parametrize(("kernel_size", "padding"), [(1, None), (5, None), (3, (1, 1)), (4, (1, 2))])
def test_time_major_convolution_is_conv1d(kernel_size: int, padding: tuple[int, int] | None, grad: bool) -> None:
    torch.manual_seed(0)
    same = (kernel_size - 1) // 2 if padding is None else 0
    conv = nn.Conv1d(12, 20, kernel_size, padding=same)
    x = torch.randn(2, 12, 31)
    expected = conv(x if padding is None else torch.nn.functional.pad(x, padding))
    with torch.set_grad_enabled(grad):
        got = _time_major(conv, x.transpose(1, 2).contiguous(), padding)
    assert got.shape == (2, 31, 20)
    assert (got.transpose(1, 2) - expected).abs().max() <= 1e-5
    assert got.requires_grad == grad


@pytest.mark.parametrize("config", [MEDIUM, HIGH], ids=["resblock2", "resblock1"])
def test_two_threads_give_the_audio_of_one(config: VitsConfig) -> None:
    """At two threads the flow and the decoder each run in two stretches of frames side by side (one thread each,
    see common._threads), widened by their reach: the same output as one thread's, and not without the reach."""
    torch.manual_seed(0)
    flow, decoder = ResidualCouplingFlow(config).eval(), Decoder(config).eval()
    for p in flow.parameters():  # the flow's last layers start at zero in training: give them something to do
        nn.init.normal_(p, std=0.05)
    prior, mask = torch.randn(2, config.inter_channels, 160), torch.ones(2, 1, 160)
    mask[1, :, 130:] = 0  # a padded second utterance

    def run(threads: int) -> tuple[torch.Tensor, torch.Tensor]:
        before = torch.get_num_threads()
        torch.set_num_threads(threads)
        try:
            with torch.inference_mode():
                latent = flow(prior, mask)
                return latent, decoder(latent)
        finally:
            torch.set_num_threads(before)

    one, two = run(1), run(2)
    assert two[1].shape == one[1].shape == (2, 160 * config.hop_length)
    assert one[0][1, :, 130:].abs().max() == two[0][1, :, 130:].abs().max() == 0  # masked output (the couplings mask; the flow makes sure)
    for single, side_by_side in zip(one, two, strict=True):
        assert (side_by_side - single).abs().max() <= 1e-4 * single.abs().max()
    flow.reach = decoder.reach = 0
    blind = run(2)
    for single, side_by_side in zip(one, blind, strict=True):
        assert (side_by_side - single).abs().max() > 1e-3 * single.abs().max()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: VitsConfig(hidden_channels=191), "VitsConfig: hidden_channels must be a multiple of n_heads=2"),
        (lambda: VitsConfig(resblock=3), "VitsConfig: resblock must be one of 1, 2, got 3"),
        (lambda: VitsConfig(upsample_rates=(8, 8)), "upsample_rates and upsample_kernel_sizes must have the same"),
        (
            lambda: VitsModelConfig(length_scale=0, noise_w=-1),
            "VitsModelConfig: length_scale must be > 0, got 0; noise_w must be >= 0, got -1",
        ),
    ],
)
def test_configs_name_what_is_wrong(make: Callable[[], object], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        make()
