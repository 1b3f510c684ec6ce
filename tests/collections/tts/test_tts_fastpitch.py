"""FastPitch: NeMo parity (tokens, free inference, teacher forcing, pace) through restore_from, and invariants."""

from pathlib import Path

import numpy as np
import pytest
import torch
from neuraltypes_collections.common import NeuralModel
from neuraltypes_collections.tts import FastPitchModel
from neuraltypes_collections.tts.modules import FastPitch, FastPitchConfig, regulate_length

FIXTURE = Path(__file__).parent / "fixtures" / "fastpitch_small"


@pytest.fixture(scope="module")
def model() -> FastPitchModel:
    torch.set_num_threads(1)
    restored = NeuralModel.restore_from(FIXTURE / "model.nemo")
    assert isinstance(restored, FastPitchModel)
    return restored


@pytest.fixture(scope="module")
def io() -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    return (
        dict(np.load(FIXTURE / "inputs.npz", allow_pickle=False)),
        dict(np.load(FIXTURE / "outputs.npz", allow_pickle=False)),
    )


def test_vocabulary_matches_nemo(model: FastPitchModel, io) -> None:
    inputs, _ = io
    assert list(model.tokenizer.tokens) == inputs["vocab_tokens"].tolist()
    assert model.tokenizer.pad_id == int(inputs["pad_id"])


def test_parse_matches_nemo_tokens(model: FastPitchModel, io) -> None:
    inputs, _ = io
    for sentence, ids, length in zip(inputs["sentences"], inputs["text"], inputs["text_lengths"], strict=True):
        assert model.parse(str(sentence), normalize=False)[0].tolist() == ids[:length].tolist()


def test_free_inference_matches_nemo(model: FastPitchModel, io) -> None:
    inputs, outputs = io
    assert outputs["infer_round_margin"] > 1e-3  # predicted durations are far from a rounding boundary
    with torch.no_grad():
        out = model(torch.from_numpy(inputs["text"]))
    assert out.frames.tolist() == outputs["infer_num_frames"].tolist()
    np.testing.assert_allclose(out.durations.numpy(), outputs["infer_durs_predicted"], atol=1e-4, rtol=0)
    np.testing.assert_allclose(out.log_durations.numpy(), outputs["infer_log_durs_predicted"], atol=1e-4, rtol=0)
    np.testing.assert_allclose(out.pitch.numpy(), outputs["infer_pitch_predicted"], atol=1e-4, rtol=0)
    np.testing.assert_allclose(out.spectrogram.numpy(), outputs["infer_spect"], atol=1e-4, rtol=0)


def test_generate_spectrogram_matches_nemo(model: FastPitchModel, io) -> None:
    inputs, outputs = io
    for i, length in enumerate(inputs["text_lengths"].tolist()):
        mel = model.generate_spectrogram(torch.from_numpy(inputs["text"][i : i + 1, :length]))
        np.testing.assert_allclose(mel.numpy(), outputs[f"gen_spect_{i}"], atol=1e-4, rtol=0)


@pytest.mark.parametrize(("pace", "prefix"), [(1.0, "tf"), (1.5, "tf_pace1p5")])
def test_teacher_forced_matches_nemo(model: FastPitchModel, io, pace: float, prefix: str) -> None:
    inputs, outputs = io
    with torch.no_grad():
        out = model(
            torch.from_numpy(inputs["text"]), torch.from_numpy(inputs["durs"]), torch.from_numpy(inputs["pitch"]),
            pace=pace,
        )  # fmt: skip
    assert out.frames.tolist() == outputs[f"{prefix}_num_frames"].tolist()
    np.testing.assert_allclose(out.spectrogram.numpy(), outputs[f"{prefix}_spect"], atol=1e-4, rtol=0)
    if pace == 1.0:
        np.testing.assert_allclose(out.log_durations.numpy(), outputs["tf_log_durs_predicted"], atol=1e-4, rtol=0)
        np.testing.assert_allclose(out.pitch.numpy(), outputs["tf_pitch_predicted"], atol=1e-4, rtol=0)


def test_archive_round_trip_keeps_dictionary(model: FastPitchModel, tmp_path: Path) -> None:
    model.save_to(tmp_path / "fastpitch.nta")
    restored = FastPitchModel.restore_from(tmp_path / "fastpitch.nta")
    tokens = model.parse("Read the record, NeMo!", normalize=False)
    assert torch.equal(restored.parse("Read the record, NeMo!", normalize=False), tokens)
    assert torch.equal(restored.generate_spectrogram(tokens), model.generate_spectrogram(tokens))


def test_pace_shortens_output(model: FastPitchModel) -> None:
    tokens = model.parse("This is a longer sentence to say.")
    slow = model.generate_spectrogram(tokens, pace=0.8).shape[-1]
    fast = model.generate_spectrogram(tokens, pace=1.6).shape[-1]
    assert fast < slow


def test_regulate_length_repeats_and_rounds_half_up() -> None:
    features = torch.arange(3, dtype=torch.float32).reshape(1, 3, 1)
    expanded, frames = regulate_length(torch.tensor([[1.5, 0.4, 2.0]]), features)
    assert frames.tolist() == [4]
    assert expanded[0, :, 0].tolist() == [0.0, 0.0, 2.0, 2.0]
    _, frames = regulate_length(torch.tensor([[3, 3]]), features[:, :2], pace=2.0)
    assert frames.tolist() == [4]


def test_energy_predictor_is_optional() -> None:
    config = FastPitchConfig(n_tokens=12, pad_id=0, d_model=16, encoder_layers=1, decoder_layers=1, n_head=1,
                             d_head=8, d_inner=32, predictor_filters=16, use_energy=True)  # fmt: skip
    net = FastPitch(config).eval()
    tokens = torch.tensor([[3, 4, 5, 0]])
    with torch.no_grad():
        low = net(tokens, torch.tensor([[2, 2, 2, 0]]), torch.zeros(1, 4), torch.full((1, 4), -1.0))
        high = net(tokens, torch.tensor([[2, 2, 2, 0]]), torch.zeros(1, 4), torch.full((1, 4), 1.0))
    assert low.frames.tolist() == [6]
    assert not torch.allclose(low.spectrogram, high.spectrogram)


def test_config_rejects_pad_outside_vocabulary() -> None:
    with pytest.raises(ValueError, match="FastPitchConfig: pad_id must be >= 0 and < n_tokens=12, got 12"):
        FastPitchConfig(n_tokens=12, pad_id=12)
