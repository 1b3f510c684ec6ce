"""The model layer's errors: one family under neuraltypes.NeuralTypesError, stable codes, picklable."""

from __future__ import annotations

import pickle

import pytest
from neuraltypes_collections.common import (
    ArchiveError,
    AudioError,
    ConfigError,
    InputError,
    ManifestError,
    ModelNotAvailableError,
    NemoImportError,
    UnknownModelError,
    WeightsMismatchError,
)

from neuraltypes import NeuralTypesError

ERRORS = [
    (ArchiveError("model.nta", "bad", member="config.yaml"), "NT301", ValueError),
    (ConfigError("config: bad"), "NT302", ValueError),
    (
        WeightsMismatchError("x.nemo", missing=["a"], unexpected=["b"], mismatched=[("w", (1,), (2,))]),
        "NT303",
        ValueError,
    ),
    (UnknownModelError("no model"), "NT304", LookupError),
    (ModelNotAvailableError("absent"), "NT305", RuntimeError),
    (AudioError("clip.wav: the audio is empty (0 samples)", source="clip.wav"), "NT306", ValueError),
    (ManifestError("train.json:3: missing 'audio_filepath'"), "NT307", ValueError),
    (NemoImportError("model.nemo: encoder.activation='gelu' is not supported"), "NT308", ValueError),
    (InputError("transcribe: batch_size must be an integer >= 1, got 0", source="batch_size"), "NT309", ValueError),
]


@pytest.mark.parametrize(("error", "code", "base"), ERRORS)
def test_codes_bases_and_pickling(error, code, base):
    assert isinstance(error, NeuralTypesError) and isinstance(error, base)
    assert error.code == code
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is type(error) and str(again) == str(error) and again.code == code
    assert vars(again).keys() == vars(error).keys()


def test_codes_are_documented():
    from pathlib import Path

    page = (Path(__file__).resolve().parents[3] / "docs" / "models.md").read_text(encoding="utf-8")
    for error, code, _ in ERRORS:
        assert f"`{type(error).__name__}` | {code}" in page


def test_archive_error_names_archive_and_member():
    error = ArchiveError("model.nta", "checksum mismatch", member="weights.safetensors")
    assert str(error) == "model.nta: member 'weights.safetensors': checksum mismatch"
    assert (error.archive, error.member) == ("model.nta", "weights.safetensors")


def test_input_errors_keep_their_source():
    error = AudioError("clip.wav: no such file", source="clip.wav")
    assert error.source == "clip.wav" and str(error) == "clip.wav: no such file"
    assert pickle.loads(pickle.dumps(error)).source == "clip.wav"
