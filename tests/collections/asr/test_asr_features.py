"""Front-ends: NeMo-exact log-mel and MFCC features, dither and SpecAugment only in training, batch consistency."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from neuraltypes_collections.asr import (
    MelConfig,
    MelFrontEnd,
    MFCCConfig,
    MFCCPreprocessor,
    SpecAugment,
    SpecAugmentConfig,
)
from neuraltypes_collections.common import read_nemo
from neuraltypes_collections.common._mel import hann_window, mel_filterbank

FIXTURES = Path(__file__).parent / "fixtures"


def _audio() -> tuple[torch.Tensor, torch.Tensor]:
    data = np.load(FIXTURES / "parity_audio.npz")
    return torch.from_numpy(data["audio"]), torch.from_numpy(data["audio_lengths"])


def test_filterbank_and_window_equal_the_buffers_nemo_stores() -> None:
    state = read_nemo(FIXTURES / "quartznet5x1_small" / "model.nemo").state_dict
    assert torch.equal(mel_filterbank(16000, 512, 64, 0.0, 8000.0), state["preprocessor.featurizer.fb"][0])
    assert torch.equal(hann_window(320, periodic=False), state["preprocessor.featurizer.window"])


def test_default_mel_preprocessor_reproduces_nemo_features_without_the_checkpoint() -> None:
    expected = np.load(FIXTURES / "quartznet5x1_small" / "expected.npz")
    pre = MelFrontEnd(MelConfig.nemo_asr()).eval()
    features, frames = pre(*_audio())
    assert frames.tolist() == expected["features_lengths"].tolist()
    assert (features - torch.from_numpy(expected["features"])).abs().max().item() <= 1e-5
    assert features.shape[-1] % 16 == 0


def test_mfcc_reproduces_nemo_matchboxnet_features() -> None:
    data = np.load(FIXTURES / "mfcc_reference.npz")
    pre = MFCCPreprocessor(MFCCConfig())
    features, frames = pre(torch.from_numpy(data["audio"]), torch.from_numpy(data["audio_lengths"]))
    assert frames.tolist() == data["features_lengths"].tolist()
    assert (features - torch.from_numpy(data["features"])).abs().max().item() <= 1e-5


def test_dither_only_in_training_and_never_in_place() -> None:
    audio, lengths = _audio()
    original = audio.clone()
    pre = MelFrontEnd()
    pre.eval()
    assert torch.equal(pre(audio, lengths)[0], pre(audio, lengths)[0])
    pre.train()
    assert not torch.equal(pre(audio, lengths)[0], pre(audio, lengths)[0])
    assert torch.equal(audio, original)


def test_features_are_batch_consistent() -> None:
    audio, lengths = _audio()
    pre = MelFrontEnd().eval()
    batched, frames = pre(audio, lengths)
    for b in range(audio.shape[0]):
        alone, alone_frames = pre(audio[b : b + 1, : int(lengths[b])], lengths[b : b + 1])
        n = int(frames[b])
        assert int(alone_frames[0]) == n
        assert (alone[0, :, :n] - batched[b, :, :n]).abs().max().item() <= 1e-5
        assert torch.all(batched[b, :, n:] == 0)


def test_one_frame_clip_normalises_without_nan() -> None:
    pre = MelFrontEnd().eval()
    features, frames = pre(torch.randn(1, 200), torch.tensor([200]))
    assert frames.tolist() == [1]
    assert torch.isfinite(features).all()


def test_spec_augment_masks_in_training_only_and_leaves_the_input() -> None:
    features = torch.randn(2, 64, 300)
    lengths = torch.tensor([300, 200])
    augment = SpecAugment(SpecAugmentConfig(freq_masks=2, time_masks=2, rect_masks=3))
    augment.generator = torch.Generator().manual_seed(0)
    augment.eval()
    assert augment(features, lengths) is features
    augment.train()
    masked = augment(features, lengths)
    assert (masked == 0).sum() > 0 and (features != 0).all()
    assert torch.equal(masked[masked != 0], features[masked != 0])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"window_length": 1024}, "window_length must be > 0 and <= n_fft=512, got 1024"),
        ({"f_max_hz": 9000.0}, "f_max_hz <= sample_rate / 2"),
        ({"padding": "same"}, "padding must be one of .center., .exact., got .same."),
        ({"normalize": "all_features"}, "normalize must be"),
        ({"log_guard_type": "max"}, "log_guard_type"),
    ],
)
def test_invalid_configs_are_rejected_with_the_field_name(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        MelConfig(**kwargs)
