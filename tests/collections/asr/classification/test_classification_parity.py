"""NeMo parity: the MatchboxNet / MarbleNet fixtures load through `restore_from` and reproduce NeMo's outputs."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch
from neuraltypes_collections.asr.classification import ClassificationModel, FrameClassificationModel
from neuraltypes_collections.common import NeuralModel

FIXTURES = Path(__file__).parent / "fixtures"
TOLERANCE = 1e-4


def _load(name: str) -> tuple[NeuralModel, dict[str, np.ndarray]]:
    model = NeuralModel.restore_from(FIXTURES / name / "model.nemo")
    with np.load(FIXTURES / name / "expected.npz", allow_pickle=False) as data:
        expected = {key: data[key] for key in data.files}
    return model, expected


def _inputs(expected: dict[str, np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.from_numpy(expected["audio"]), torch.from_numpy(expected["audio_lengths"])


@pytest.mark.parametrize("name", ["matchboxnet3x1x64", "marblenet3x2x64_vad"])
def test_segment_classifiers_match_nemo(name: str) -> None:
    model, expected = _load(name)
    assert isinstance(model, ClassificationModel) and not model.training
    assert model.labels == tuple(expected["labels"].tolist())
    assert model.config.crop_or_pad_frames is None  # NeMo 3.0 semantics
    audio, lengths = _inputs(expected)
    with torch.no_grad():
        features, frames = model.preprocessor(audio, lengths)
        encoded, steps = model.encoder(features, frames)
        logits = model(audio, lengths)
    np.testing.assert_allclose(features.numpy(), expected["features"], atol=TOLERANCE)
    assert frames.tolist() == expected["features_lengths"].tolist()
    assert steps.tolist() == expected["encoded_lengths"].tolist()
    np.testing.assert_allclose(logits.numpy(), expected["logits"], atol=TOLERANCE)
    np.testing.assert_allclose(logits.softmax(-1).numpy(), expected["probs"], atol=TOLERANCE)
    for row, length in enumerate(lengths.tolist()):  # each clip alone (NeMo's pooling includes batch padding)
        with torch.no_grad():
            single = model(audio[row : row + 1, :length], lengths[row : row + 1])
        np.testing.assert_allclose(single[0].numpy(), expected["single_logits"][row], atol=TOLERANCE)


def test_classify_matches_nemo_labels_clip_by_clip() -> None:
    model, expected = _load("matchboxnet3x1x64")
    audio, lengths = _inputs(expected)
    clips = [audio[row, :length] for row, length in enumerate(lengths.tolist())]
    results = model.classify(clips, batch_size=1)
    single = torch.from_numpy(expected["single_logits"]).softmax(-1)
    assert [r.label for r in results] == [model.labels[i] for i in single.argmax(-1).tolist()]
    np.testing.assert_allclose([r.probability for r in results], single.max(-1).values.numpy(), atol=TOLERANCE)


def test_matchboxnet_legacy_crop_or_pad_matches_nemo_2_2() -> None:
    model, expected = _load("matchboxnet3x1x64")
    legacy = ClassificationModel(dataclasses.replace(model.config, crop_or_pad_frames=128))
    legacy.load_state_dict(model.state_dict())
    audio, lengths = _inputs(expected)
    with torch.no_grad():
        logits = legacy.eval()(audio, lengths)
    np.testing.assert_allclose(logits.numpy(), expected["legacy_logits"], atol=TOLERANCE)


def test_legacy_nemo_version_imports_with_crop_or_pad() -> None:
    from neuraltypes_collections.asr.classification import classification_config_from_nemo
    from neuraltypes_collections.common import read_nemo

    checkpoint = read_nemo(FIXTURES / "matchboxnet3x1x64" / "model.nemo")
    config = classification_config_from_nemo({**checkpoint.config, "nemo_version": "1.23.0"})
    assert config.crop_or_pad_frames == 128


def test_frame_vad_matches_nemo() -> None:
    model, expected = _load("marblenet3x2x64_frame_vad")
    assert isinstance(model, FrameClassificationModel)
    assert model.labels == ("0", "1") and model.step_s == pytest.approx(0.02)
    audio, lengths = _inputs(expected)
    with torch.no_grad():
        _, frames = model.preprocessor(audio, lengths)
        out = model(audio, lengths)
    assert frames.tolist() == expected["features_lengths"].tolist()
    assert out.step_lengths.tolist() == expected["encoded_lengths"].tolist()
    valid = torch.arange(out.logits.shape[1])[None, :] < out.step_lengths[:, None]  # NeMo's padded steps are noise
    np.testing.assert_allclose(out.logits[valid].numpy(), expected["logits"][valid.numpy()], atol=TOLERANCE)
    probs = out.logits.softmax(-1)[valid].numpy()
    np.testing.assert_allclose(probs, expected["frame_probs"][valid.numpy()], atol=TOLERANCE)
    for row, length in enumerate(lengths.tolist()):
        probs = model.speech_probs(audio[row, :length])
        single = torch.from_numpy(expected[f"single_logits_{row}"][0]).softmax(-1)[:, 1]
        np.testing.assert_allclose(probs.numpy(), single[: probs.numel()].numpy(), atol=TOLERANCE)
        assert probs.numel() == int(out.step_lengths[row])


def test_imported_models_round_trip_through_our_archive(tmp_path: Path) -> None:
    for name in ("matchboxnet3x1x64", "marblenet3x2x64_frame_vad"):
        model, expected = _load(name)
        path = tmp_path / f"{name}.nta"
        model.save_to(path)
        restored = NeuralModel.restore_from(path)
        assert type(restored) is type(model) and restored.labels == model.labels
        audio, lengths = _inputs(expected)
        with torch.no_grad():
            a, b = model(audio, lengths), restored(audio, lengths)
        torch.testing.assert_close(b, a, rtol=0, atol=0)
