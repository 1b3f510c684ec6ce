"""HiFi-GAN: NeMo parity through restore_from, archive round trip, weight-norm folding, the spectrogram contract."""

from pathlib import Path

import numpy as np
import pytest
import torch
from neuraltypes_collections.common import NeuralModel, WeightsMismatchError
from neuraltypes_collections.tts import HifiGan, HifiGanModelConfig
from neuraltypes_collections.tts.modules import HifiGanConfig, MelConfig, MelFrontEnd, fold_weight_norm

import neuraltypes as nt
from neuraltypes.errors import ContractViolation

FIXTURE = Path(__file__).parent / "fixtures" / "hifigan_small"


@pytest.fixture(scope="module")
def nemo_model() -> HifiGan:
    torch.set_num_threads(1)
    model = NeuralModel.restore_from(FIXTURE / "model.nemo")
    assert isinstance(model, HifiGan)
    return model


@pytest.fixture(scope="module")
def fixture_io() -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    inputs = dict(np.load(FIXTURE / "inputs.npz", allow_pickle=False))
    outputs = dict(np.load(FIXTURE / "outputs.npz", allow_pickle=False))
    return inputs, outputs


def test_nemo_hifigan_audio_matches(nemo_model: HifiGan, fixture_io) -> None:
    inputs, outputs = fixture_io
    audio = nemo_model.convert_spectrogram_to_audio(torch.from_numpy(inputs["spec"]))
    assert audio.shape == outputs["audio"].shape
    np.testing.assert_allclose(audio.numpy(), outputs["audio"], atol=1e-4, rtol=0)
    np.testing.assert_allclose(audio.numpy(), outputs["generator_output"][:, 0], atol=1e-4, rtol=0)


def test_nemo_hifigan_front_end_matches(nemo_model: HifiGan, fixture_io) -> None:
    inputs, outputs = fixture_io
    mel, frames = nemo_model.spectrogram(torch.from_numpy(inputs["audio"]), torch.from_numpy(inputs["audio_lengths"]))
    assert frames.tolist() == outputs["preproc_mel_lengths"].tolist()
    np.testing.assert_allclose(mel.numpy(), outputs["preproc_mel"], atol=1e-4, rtol=0)


def test_archive_round_trip(nemo_model: HifiGan, fixture_io, tmp_path: Path) -> None:
    inputs, _ = fixture_io
    nemo_model.save_to(tmp_path / "hifigan.nta")
    restored = HifiGan.restore_from(tmp_path / "hifigan.nta")
    spec = torch.from_numpy(inputs["spec"])
    assert restored.config == nemo_model.config
    assert torch.equal(restored.convert_spectrogram_to_audio(spec), nemo_model.convert_spectrogram_to_audio(spec))


@pytest.mark.filterwarnings("ignore:.*weight_norm.*:FutureWarning")
def test_fold_weight_norm_equals_torch_weight_norm() -> None:
    torch.manual_seed(0)
    conv = torch.nn.utils.weight_norm(torch.nn.ConvTranspose1d(6, 3, 4, 2))
    folded = fold_weight_norm(conv.state_dict())
    plain = torch.nn.ConvTranspose1d(6, 3, 4, 2)
    plain.load_state_dict(folded)
    x = torch.randn(2, 6, 9)
    torch.testing.assert_close(plain(x), conv(x))


def test_fold_weight_norm_names_missing_gain() -> None:
    with pytest.raises(WeightsMismatchError, match="conv.weight_g"):
        fold_weight_norm({"conv.weight_v": torch.ones(2, 2, 1)})


def test_output_length_is_hop_per_frame() -> None:
    model = HifiGan(HifiGanModelConfig(HifiGanConfig(upsample_initial_channel=16))).eval()
    audio = model.convert_spectrogram_to_audio(torch.randn(3, 80, 7))
    assert audio.shape == (3, 7 * 256)
    assert audio.abs().max() <= 1.0


def test_vocoder_refuses_16k_64_mel_spectrogram() -> None:
    vocoder = HifiGan(HifiGanModelConfig(HifiGanConfig(upsample_initial_channel=16))).eval()
    asr_front_end = MelFrontEnd(MelConfig.nemo_asr())
    mel, _ = asr_front_end(torch.zeros(1, 16000), torch.tensor([16000]))
    with pytest.raises(ContractViolation, match="parameter 'mel'") as info:
        vocoder.convert_spectrogram_to_audio(mel)
    message = str(info.value)
    assert "sample_rate=16000" in message and "n_mels=64" in message  # what it got
    assert "sample_rate=22050" in message and "n_mels=80" in message  # what the vocoder needs
    assert "resample 16000 Hz -> 22050 Hz" in message


def test_vocoder_contract_is_described() -> None:
    vocoder = HifiGan(HifiGanModelConfig(HifiGanConfig(upsample_initial_channel=16)))
    contract = nt.contract_of(vocoder)["forward"]
    assert contract["inputs"]["mel"]["tag"] == "MelSpectrogram"
    assert contract["inputs"]["mel"]["params"] == {"sample_rate": 22050, "n_mels": 80, "hop_length": 256}
    assert contract["output"]["params"] == {"sample_rate": 22050}


def test_config_refuses_mismatched_features() -> None:
    message = (
        r"HifiGanModelConfig: features must be the \(sample_rate, n_mels, hop_length\) \(22050, 80, 256\) of "
        r"generator \(build both from the same values\), got \(24000, 80, 256\)"
    )
    with pytest.raises(ValueError, match=message):
        HifiGanModelConfig(HifiGanConfig(), MelConfig.hifigan().with_(sample_rate=24000))
