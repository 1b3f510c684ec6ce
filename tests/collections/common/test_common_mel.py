"""The one log-mel front end: presets, old config names, the torchaudio filterbank, masks, docstring examples."""

from __future__ import annotations

import doctest
import math

import pytest
import torch
from neuraltypes_collections.asr import CTCModelConfig, MFCCConfig
from neuraltypes_collections.common import (
    ConfigError,
    MelConfig,
    MelFrontEnd,
    _masks,
    _mel,
    config_from_dict,
    config_from_omegaconf,
    config_from_yaml,
    config_to_dict,
    lengths_to_mask,
    mask_beyond,
    mel_filterbank,
    structured_config,
)

# A CTC model's front end and a HiFi-GAN vocoder's features, as archives stored them before the merge.
OLD_ASR = {
    "sample_rate": 16000, "n_fft": 512, "win_length": 400, "hop_length": 160, "n_mels": 80, "f_min_hz": 0.0,
    "f_max_hz": None, "mel_scale": "slaney", "periodic_window": False, "preemph": 0.97, "mag_power": 2.0,
    "log_guard": 2.0**-24, "log_guard_type": "add", "normalize": None, "pad_to": 2, "pad_value": 0.0, "dither": 1e-5,
}  # fmt: skip
OLD_TTS = {
    "sample_rate": 22050, "n_fft": 1024, "win_length": 1024, "hop_length": 256, "n_mels": 80, "f_min": 0.0,
    "f_max": 8000.0, "padding": "exact", "pad_mode": "constant", "periodic_window": False, "log_guard": "clamp",
    "log_floor": 1e-5, "mask_value": -11.52, "drop_last_frame": True,
}  # fmt: skip


@pytest.mark.parametrize("module", [_mel, _masks], ids=lambda m: m.__name__)
def test_docstring_examples_run(module: object) -> None:
    result = doctest.testmod(module, extraglobs={"torch": torch})  # type: ignore[arg-type]
    assert result.failed == 0 and result.attempted > 0


def test_old_asr_names_are_read() -> None:
    config = config_from_dict(MelConfig, OLD_ASR)
    assert config == MelConfig.nemo_asr().with_(window_length=400, n_mels=80, normalize=None, pad_to=2)


def test_old_tts_names_are_read_with_the_old_tts_defaults() -> None:
    assert config_from_dict(MelConfig, OLD_TTS) == MelConfig.nemo_hifigan()
    assert config_from_dict(MelConfig, {"f_max": 7600.0}) == MelConfig.hifigan().with_(f_max_hz=7600.0)


def test_old_names_are_read_inside_model_configs_and_yaml() -> None:
    current = config_to_dict(CTCModelConfig())
    old = {**current, "preprocessor": OLD_ASR | {"n_mels": 64, "normalize": "per_feature", "pad_to": 16}}
    old["preprocessor"]["win_length"] = 320
    assert config_from_dict(CTCModelConfig, old) == CTCModelConfig()
    assert config_from_yaml(MFCCConfig, "win_length: 480\nn_fft: 512\n") == MFCCConfig(window_length=480)


def test_an_old_and_a_new_name_together_are_refused() -> None:
    with pytest.raises(ConfigError, match="'win_length' .* and 'window_length'"):
        config_from_dict(MelConfig, {"win_length": 400, "window_length": 400})


def test_config_doubles_as_a_structured_config() -> None:
    node = structured_config(MelConfig.hifigan())
    node.hop_length = 128
    assert config_from_omegaconf(MelConfig, node) == MelConfig.hifigan().with_(hop_length=128)


@pytest.mark.parametrize(
    ("config", "frames"),
    [(MelConfig.nemo_asr(), [100, 50]), (MelConfig.nemo_fastpitch(), [63, 32]), (MelConfig.hifigan(), [62, 31])],
)
def test_frame_counts_follow_the_padding(config: MelConfig, frames: list[int]) -> None:
    length = 16000
    audio = torch.randn(2, length) * 0.1
    features, lengths = MelFrontEnd(config).eval()(audio, torch.tensor([length, length // 2]))
    assert lengths.tolist() == frames
    assert features.shape[-1] % max(config.pad_to, 1) == 0
    assert torch.all(features[1, :, frames[1] :] == config.pad_value)


def test_buffers_are_stored_only_when_asked() -> None:
    assert set(MelFrontEnd(persistent=True).state_dict()) == {"window", "filterbank"}
    assert MelFrontEnd(MelConfig.hifigan()).state_dict() == {}


def test_htk_bank_is_torchaudios_and_equals_the_formula() -> None:
    from torchaudio.functional import melscale_fbanks

    bank = mel_filterbank(16000, 512, 40, 20.0, 7600.0, scale="htk", norm=None)
    assert torch.equal(bank, melscale_fbanks(257, 20.0, 7600.0, 40, 16000, None, "htk").t())
    # the HTK formula in float64: the same bank up to float32 rounding (torchaudio computes in float32)
    freqs = torch.linspace(0, 8000, 257, dtype=torch.float64)
    edges = 700.0 * (10 ** (torch.linspace(2595 * math.log10(1 + 20 / 700), 2595 * math.log10(1 + 7600 / 700), 42,
                                            dtype=torch.float64) / 2595) - 1)  # fmt: skip
    rise = (freqs[None] - edges[:-2, None]) / (edges[1:-1] - edges[:-2])[:, None]
    fall = (edges[2:, None] - freqs[None]) / (edges[2:] - edges[1:-1])[:, None]
    torch.testing.assert_close(bank.double(), torch.minimum(rise, fall).clamp(min=0), atol=1e-5, rtol=0)


def test_lengths_to_mask_and_mask_beyond() -> None:
    lengths = torch.tensor([0, 2, 4])
    assert lengths_to_mask(lengths, 4).sum(1).tolist() == [0, 2, 4]
    x = torch.ones(3, 2, 4)
    masked = mask_beyond(x, lengths, 7.0)
    assert masked[:, 0].tolist() == [[7, 7, 7, 7], [1, 1, 7, 7], [1, 1, 1, 1]]
    assert torch.equal(x, torch.ones(3, 2, 4))


def test_from_nemo_reads_the_geometry_over_a_preset() -> None:
    asr = MelConfig.from_nemo({"sample_rate": 8000, "window_size": 0.025, "features": 80, "highfreq": 3800})
    assert (asr.sample_rate, asr.window_length, asr.hop_length, asr.n_fft, asr.n_mels) == (8000, 200, 80, 256, 80)
    assert asr.f_max_hz == 3800.0 and asr.with_(sample_rate=16000, window_length=320, hop_length=160, n_fft=512,
                                                n_mels=64, f_max_hz=None) == MelConfig.nemo_asr()  # fmt: skip
    tts = MelConfig.from_nemo({"n_window_size": 1024, "n_window_stride": 256, "nfilt": 80}, MelConfig.nemo_hifigan())
    assert tts == MelConfig.nemo_hifigan().with_(f_max_hz=None)  # highfreq missing: Nyquist, as in NeMo
    assert MelConfig.from_nemo({}, MelConfig.nemo_fastpitch()).with_(f_max_hz=8000.0) == MelConfig.nemo_fastpitch()
