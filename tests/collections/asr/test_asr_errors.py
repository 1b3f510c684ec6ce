"""The ASR errors are the common family's: stable codes, NeuralTypesError and ValueError, the input named."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from neuraltypes_collections import common
from neuraltypes_collections.asr import AudioError, ManifestError, NemoImportError, read_manifest
from neuraltypes_collections.asr.models import NemoImportError as NemoImportErrorOfModels
from neuraltypes_collections.asr.models import ctc_config_from_nemo

from neuraltypes import NeuralTypesError


def test_the_asr_names_are_the_common_classes() -> None:
    assert ManifestError is common.ManifestError
    assert NemoImportError is common.NemoImportError is NemoImportErrorOfModels
    assert AudioError is common.AudioError


@pytest.mark.parametrize(
    ("error", "code"), [(AudioError, "NT306"), (ManifestError, "NT307"), (NemoImportError, "NT308")]
)
def test_codes_and_bases(error: type[NeuralTypesError], code: str) -> None:
    assert error.code == code
    assert issubclass(error, NeuralTypesError) and issubclass(error, ValueError)


def test_a_bad_manifest_line_raises_nt307_naming_file_and_line(tmp_path: Path) -> None:
    manifest = tmp_path / "bad.jsonl"
    manifest.write_text("{not json\n")
    with pytest.raises(ManifestError, match=r"bad\.jsonl:1: invalid JSON") as caught:
        read_manifest(manifest)
    assert caught.value.code == "NT307" and caught.value.source == f"{manifest}:1"
    again = pickle.loads(pickle.dumps(caught.value))  # DataLoader workers send errors back pickled
    assert type(again) is ManifestError and str(again) == str(caught.value)


def test_an_unsupported_nemo_config_raises_nt308() -> None:
    with pytest.raises(NemoImportError, match="the config has no 'labels'") as caught:
        ctc_config_from_nemo({"encoder": {}, "preprocessor": {}}, "x.nemo")
    assert caught.value.code == "NT308" and caught.value.source == "x.nemo"
    assert isinstance(caught.value, NeuralTypesError)
