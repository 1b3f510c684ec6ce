"""GE2E against resemblyzer's own outputs on the five LibriVox clips (`fixtures/make_ge2e_fixture.py`)."""

from __future__ import annotations

import dataclasses
import importlib.metadata

import numpy as np
import pytest
import soundfile
import torch
from conftest import HERE, reader_clip
from neuraltypes_collections.asr.speaker import GE2EConfig, GE2EModel, load_ge2e, partial_starts
from neuraltypes_collections.common import ArchiveError, ModelNotAvailableError, WeightsMismatchError

STEMS = [f"sense_and_sensibility_01_austen_64kb-{n}" for n in ("0870", "0880", "0890", "0920", "0930")]
TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def oracle() -> dict[str, np.ndarray]:
    with np.load(HERE / "fixtures/ge2e_resemblyzer.npz") as data:
        return dict(data)


@pytest.fixture(scope="module")
def clips() -> list[torch.Tensor]:
    return [torch.from_numpy(soundfile.read(reader_clip(stem[-4:]), dtype="float32")[0]) for stem in STEMS]


def batch(clips: list[torch.Tensor], scale: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
    lengths = torch.tensor([len(clip) for clip in clips])
    audio = torch.zeros(len(clips), int(lengths.max()))
    for row, clip in enumerate(clips):
        audio[row, : len(clip)] = clip * scale
    return audio, lengths


def level_as_is(model: GE2EModel) -> GE2EModel:
    raw = GE2EModel(dataclasses.replace(model.config, target_dbfs=None))
    raw.load_state_dict(model.state_dict())
    return raw.eval()


def test_the_mel_front_end_is_librosas(ge2e, oracle, clips):
    for stem, clip in zip(STEMS, clips, strict=True):
        ours = ge2e.front_end(clip[None])[0].T[:50].numpy()
        expected = oracle[f"{stem}/mel"]
        assert ours.shape == expected.shape
        assert np.abs(ours - expected).max() <= 1e-5 * np.abs(expected).max(), stem


def test_embeddings_equal_embed_utterance(ge2e, oracle, clips):
    with torch.inference_mode():
        ours = level_as_is(ge2e)(*batch(clips)).numpy()
    expected = np.stack([oracle[f"{stem}/embedding"] for stem in STEMS])
    assert np.abs(ours - expected).max() < TOLERANCE
    assert np.abs(ours - expected[::-1]).max() > 0.01  # the clips are told apart: the comparison can fail


def test_partial_embeddings_equal_resemblyzers(ge2e, oracle, clips):
    raw = level_as_is(ge2e)
    with torch.inference_mode():
        for stem, clip in zip(STEMS, clips, strict=True):
            starts = partial_starts(len(clip), raw.config)
            expected = oracle[f"{stem}/partials"]
            assert len(starts) == len(expected), stem
            mel, owner = raw.windows(clip[None], [starts])
            assert owner.tolist() == [0] * len(starts)
            assert np.abs(raw.encoder(mel).numpy() - expected).max() < TOLERANCE, stem


def test_quiet_clips_are_raised_to_minus_30_dbfs_as_preprocess_wav_does(ge2e, oracle, clips):
    with torch.inference_mode():
        ours = ge2e(*batch(clips, scale=0.02)).numpy()
        unraised = level_as_is(ge2e)(*batch(clips, scale=0.02)).numpy()
    expected = np.stack([oracle[f"quiet/{stem}/embedding"] for stem in STEMS])
    assert np.abs(ours - expected).max() < TOLERANCE
    assert np.abs(unraised - expected).max() > 1e-3  # without the volume step the embeddings differ


def test_one_clip_alone_equals_the_same_clip_in_a_batch(ge2e, clips):
    with torch.inference_mode():
        together = ge2e(*batch(clips))
        alone = torch.cat([ge2e(*batch([clip])) for clip in clips])
    assert torch.allclose(together, alone, atol=1e-6)


def test_partial_starts_cover_short_and_long_clips():
    config = GE2EConfig()
    assert partial_starts(1, config) == [0]  # shorter than one partial: one, zero-padded
    assert partial_starts(16000, config) == [0]
    assert partial_starts(48000, config) == [0, 77, 154]
    starts = partial_starts(10 * 16000, config)
    assert starts == list(range(0, starts[-1] + 1, 77)) and (starts[-1] + 160) * 160 >= 10 * 16000 * 0.75


def test_without_the_package_the_error_names_it(monkeypatch):
    def absent(name: str) -> None:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "distribution", absent)
    with pytest.raises(ModelNotAvailableError, match=r"pip install --no-deps 'resemblyzer==0.1.4'"):
        GE2EModel.from_pretrained("ge2e_resemblyzer")


def test_a_checkpoint_of_another_layout_is_refused(tmp_path):
    other = tmp_path / "other.pt"
    torch.save({"state_dict": {}}, other)
    with pytest.raises(ArchiveError, match="no 'model_state'"):
        load_ge2e(other)
    small = GE2EModel(GE2EConfig(hidden_size=8, num_layers=1, embedding_size=4))
    torch.save({"model_state": {k.removeprefix("encoder."): v for k, v in small.state_dict().items()}}, other)
    with pytest.raises(WeightsMismatchError, match="lstm.weight_ih_l0"):
        load_ge2e(other)
    assert load_ge2e(other, GE2EConfig(hidden_size=8, num_layers=1, embedding_size=4)).embedding_size == 4
