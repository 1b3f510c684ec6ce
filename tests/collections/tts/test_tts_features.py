"""Mel front ends: filterbank, frame counts, padding and batch consistency."""

import math
from pathlib import Path

import pytest
import torch
from neuraltypes_collections.common import mel_filterbank, read_nemo
from neuraltypes_collections.tts import MelConfig, MelFrontEnd

FIXTURE = Path(__file__).parent / "fixtures" / "hifigan_small"


def test_filterbank_equals_nemo_librosa_buffer() -> None:
    stored = read_nemo(FIXTURE / "model.nemo").state_dict["audio_to_melspec_precessor.fb"][0]
    assert torch.equal(mel_filterbank(22050, 1024, 80, 0.0, 8000.0), stored)


@pytest.mark.parametrize(
    ("config", "frames"),
    [(MelConfig.hifigan(), 86), (MelConfig.nemo_hifigan(), 85), (MelConfig.nemo_fastpitch(), 87)],
)
def test_frame_counts(config: MelConfig, frames: int) -> None:
    mel, lengths = MelFrontEnd(config)(torch.randn(1, 22050) * 0.1, torch.tensor([22050]))
    assert lengths.tolist() == [frames]
    assert mel.shape[1] == 80


@pytest.mark.parametrize("config", [MelConfig.hifigan(), MelConfig.nemo_hifigan(), MelConfig.nemo_fastpitch()])
def test_batch_consistency(config: MelConfig) -> None:
    torch.manual_seed(0)
    front = MelFrontEnd(config)
    clips = [torch.randn(12000) * 0.1, torch.randn(7000) * 0.1]
    batch = torch.zeros(2, 12000)
    batch[0], batch[1, :7000] = clips[0], clips[1]
    mel, frames = front(batch, torch.tensor([12000, 7000]))
    for i, clip in enumerate(clips):
        alone, alone_frames = front(clip[None], torch.tensor([clip.shape[0]]))
        n = int(frames[i])
        assert n == int(alone_frames[0])
        # frames whose window reaches into the padding differ; compare the ones fully inside the clip
        inside = max(0, n - config.n_fft // config.hop_length)
        torch.testing.assert_close(mel[i, :, :inside], alone[0, :, :inside], atol=1e-4, rtol=0)
        assert torch.all(mel[i, :, n:] == config.pad_value)


def test_silence_hits_the_log_floor() -> None:
    mel, _ = MelFrontEnd(MelConfig.hifigan())(torch.zeros(1, 4096), torch.tensor([4096]))
    torch.testing.assert_close(mel, torch.full_like(mel, math.log(1e-5)))


def test_config_validation() -> None:
    with pytest.raises(ValueError, match="f_max_hz"):
        MelConfig.hifigan().with_(sample_rate=16000, f_max_hz=11025.0)
    with pytest.raises(ValueError, match="window_length"):
        MelConfig.hifigan().with_(window_length=2048)
