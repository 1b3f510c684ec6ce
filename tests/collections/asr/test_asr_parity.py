"""NeMo parity: the recorded NeMo 3.0 outputs of two EncDecCTCModel checkpoints, reproduced through restore_from."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from neuraltypes_collections.asr import CTCModel, greedy_decode
from neuraltypes_collections.common import NeuralModel

FIXTURES = Path(__file__).parent / "fixtures"
NAMES = ["quartznet5x1_small", "jasper_dr_small", "quartznet_se_small"]
# quartznet_se_small (squeeze-excite, repeats) was generated here with NeMo 3.0: see fixtures/make_se_fixture.py
SHARED = ["quartznet5x1_small", "jasper_dr_small"]


@pytest.fixture(scope="module")
def audio() -> tuple[torch.Tensor, torch.Tensor]:
    data = np.load(FIXTURES / "parity_audio.npz")
    return torch.from_numpy(data["audio"]), torch.from_numpy(data["audio_lengths"])


@pytest.fixture(scope="module", params=NAMES)
def restored(request: pytest.FixtureRequest) -> tuple[CTCModel, dict[str, np.ndarray], str]:
    model = NeuralModel.restore_from(FIXTURES / request.param / "model.nemo")
    expected = dict(np.load(FIXTURES / request.param / "expected.npz", allow_pickle=False))
    return model, expected, request.param


def test_restore_from_nemo_gives_an_eval_ctc_model(restored: tuple[CTCModel, dict, str]) -> None:
    model, expected, _ = restored
    assert isinstance(model, CTCModel)
    assert not model.training
    assert model.vocabulary == list(expected["vocabulary"])
    assert model.blank_id == int(expected["blank_id"])


@pytest.mark.parametrize("name", SHARED)
@pytest.mark.parametrize("fast", [False, True])
def test_features_match_nemo(name: str, fast: bool, audio: tuple[torch.Tensor, torch.Tensor]) -> None:
    model = NeuralModel.restore_from(FIXTURES / name / "model.nemo")
    expected = np.load(FIXTURES / name / "expected.npz")
    model.preprocessor.fast_inference = fast
    with torch.no_grad():
        features, frames = model.preprocessor(*audio)
    assert frames.tolist() == expected["features_lengths"].tolist()
    assert features.shape == expected["features"].shape
    diff = (features - torch.from_numpy(expected["features"])).abs().max().item()
    assert diff == 0.0 if not fast else diff <= 1e-5


@pytest.mark.parametrize("name", SHARED)
def test_exact_path_is_bit_identical_to_nemo(name: str, audio: tuple[torch.Tensor, torch.Tensor]) -> None:
    model = NeuralModel.restore_from(FIXTURES / name / "model.nemo")
    model.encoder.fast_inference = False
    model.preprocessor.fast_inference = False
    expected = np.load(FIXTURES / name / "expected.npz")
    with torch.no_grad():
        out = model(*audio)
    assert torch.equal(out.log_probs, torch.from_numpy(expected["log_probs"]))  # padded frames included


def test_log_probs_lengths_and_transcripts_match_nemo(
    restored: tuple[CTCModel, dict, str], audio: tuple[torch.Tensor, torch.Tensor]
) -> None:
    model, expected, name = restored
    with torch.no_grad():
        out = model(*audio)
    assert out.encoded_lengths.tolist() == expected["encoded_lengths"].tolist(), name
    reference = torch.from_numpy(expected["log_probs"])
    greedy = torch.from_numpy(expected["greedy_predictions"])
    for b, steps in enumerate(out.encoded_lengths.tolist()):
        diff = (out.log_probs[b, :steps] - reference[b, :steps]).abs().max().item()
        assert diff <= 1e-4, f"{name} clip {b}: max |log_probs - NeMo| = {diff}"
        assert torch.equal(out.greedy_predictions[b, :steps], greedy[b, :steps]), f"{name} clip {b}"
    assert greedy_decode(out.log_probs, out.encoded_lengths, model.tokenizer) == list(expected["transcripts"])


def test_single_clips_match_nemo(restored: tuple[CTCModel, dict, str], audio: tuple[torch.Tensor, torch.Tensor]) -> None:
    model, expected, name = restored
    signal, lengths = audio
    for b in range(signal.shape[0]):
        length = int(lengths[b])
        with torch.no_grad():
            out = model(signal[b : b + 1, :length], lengths[b : b + 1])
        reference = torch.from_numpy(expected[f"single_log_probs_{b}"])
        assert out.log_probs.shape == reference.shape, name
        steps = int(out.encoded_lengths[0])
        assert (out.log_probs[0, :steps] - reference[0, :steps]).abs().max().item() <= 1e-4


def test_save_to_and_restore_from_our_archive_keep_outputs(
    restored: tuple[CTCModel, dict, str], audio: tuple[torch.Tensor, torch.Tensor], tmp_path: Path
) -> None:
    model, _, name = restored
    model.save_to(tmp_path / f"{name}.nta")
    again = NeuralModel.restore_from(tmp_path / f"{name}.nta")
    assert isinstance(again, CTCModel) and again.config == model.config
    with torch.no_grad():
        assert torch.equal(model(*audio).log_probs, again(*audio).log_probs)
