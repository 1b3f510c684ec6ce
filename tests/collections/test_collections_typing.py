"""mypy --strict passes on the whole collections package (asr, nlp, tts, common)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src/collections/neuraltypes_collections"


def _cache_dir(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    # mypy's incremental cache, kept between runs in pytest's cache when there is one (a cold run of the
    # ~90 modules takes about half a minute on two busy cores, a warm one a second); mypy revalidates every
    # entry against the sources and the installed packages, so a stale cache cannot hide an error.
    cache = getattr(request.config, "cache", None)
    return Path(cache.mkdir("mypy-collections")) if cache is not None else tmp_path / "mypy-cache"


def test_mypy_strict_passes_on_the_collections(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    # The interpreter running the tests, so mypy sees the packages installed beside it (torch, lightning...);
    # run from the root so pyproject's [tool.mypy] (mypy_path) applies.
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(_cache_dir(request, tmp_path)), str(PACKAGE)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert not errors, f"{len(errors)} mypy error(s) in the collections:\n" + "\n".join(errors)
    assert result.returncode == 0, result.stdout + result.stderr
    # Guard against checking nothing (a moved package, a wrong path): every module was analysed.
    checked = re.search(r"Success: no issues found in (\d+) source files", result.stdout)
    assert checked is not None, result.stdout + result.stderr
    expected = sum(1 for _ in PACKAGE.rglob("*.py"))
    assert int(checked.group(1)) == expected, f"mypy checked {checked.group(1)} files, the package has {expected}"


NEURAL_MODEL_CALLS = '''
import torch
from torch import Tensor

from neuraltypes_collections.common import MelConfig, MelFrontEnd
from neuraltypes_collections.tts.models import VitsModel, VitsOutput

mel, frames = MelFrontEnd(MelConfig())(torch.zeros(1, 16000), torch.tensor([16000]))
features: Tensor = mel


def speak(voice: VitsModel) -> VitsOutput:
    return voice(torch.zeros(1, 5, dtype=torch.long), torch.tensor([5]))


def wrong(voice: VitsModel) -> Tensor:
    return voice(torch.zeros(1, 5, dtype=torch.long), torch.tensor([5]), "slow")
'''


def test_a_collections_model_call_is_typed_as_its_forward(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    # A NeuralModule (MelFrontEnd) and a NeuralModel (VitsModel) called as modules: mypy reads the results from
    # their forwards (Tensor pairs, VitsOutput), so the only errors are the two deliberate ones of `wrong`.
    user = tmp_path / "model_calls.py"
    user.write_text(NEURAL_MODEL_CALLS)
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(_cache_dir(request, tmp_path)), str(user)],
        capture_output=True, text=True, cwd=ROOT,
    )
    errors = [line.split(": error: ")[1] for line in result.stdout.splitlines() if ": error: " in line]
    assert len(errors) == 2, result.stdout
    assert 'Argument 3 to "__call__" of "NeuralModule" has incompatible type "str"; expected "float | None"  [arg-type]' in errors
    assert 'Incompatible return value type (got "VitsOutput", expected "Tensor")  [return-value]' in errors
