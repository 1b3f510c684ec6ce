"""The `punctuate` command and the collection's public surface."""

import subprocess
import sys
from pathlib import Path

import neuraltypes_collections.nlp as nlp
import pytest
from neuraltypes_collections.nlp._cli import punctuate_command

NEMO = Path(__file__).parent / "fixtures" / "punctuation_capitalization_nemo24" / "model.nemo"


def test_punctuate_text_and_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert punctuate_command(["hello world how are you today", "--model", str(NEMO)]) == 0
    assert capsys.readouterr().out == "Hello World How Are You Today\n"
    queries = tmp_path / "queries.txt"
    queries.write_text("is this the real life\nwe met in new york on monday and it was great\n")
    assert punctuate_command([str(queries), "--model", str(NEMO), "--batch-size", "1"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Is This The Real Life", "We Met In New York On Monday And It was? Great"]


def test_public_surface_is_explicit() -> None:
    assert nlp.__all__ == sorted(set(nlp.__all__))  # written out for griffe: sorted, each name once
    for name in nlp.__all__:
        assert not name.startswith("_") and hasattr(nlp, name)
    public = {name for name in dir(nlp) if not name.startswith("_")}
    assert public - set(nlp.__all__) <= {"annotations"}, public - set(nlp.__all__)


def test_import_stays_light() -> None:
    code = ("import sys, neuraltypes_collections.nlp; "
            "print(sorted(m for m in ('lightning', 'hydra', 'omegaconf', 'transformers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
