"""mypy --strict passes on the core (its example modules included) and reads neural types as torch.Tensor."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

MISUSE = '''
import torch
from torch import Tensor
from neuraltypes import AudioSignal, checked


@checked
def gain(audio: AudioSignal[Tensor, "batch time", 16000]) -> AudioSignal[Tensor, "batch time"]:
    return audio * 2


louder: Tensor = gain(torch.zeros(1, 10))
wrong: int = gain(torch.zeros(1, 10))
'''


def test_mypy_strict_on_the_core_and_on_a_typed_user_module(tmp_path: Path) -> None:
    user = tmp_path / "user_module.py"
    user.write_text(MISUSE)
    mypy = [sys.executable, "-m", "mypy"] if shutil.which("mypy") is None else [shutil.which("mypy") or "mypy"]
    result = subprocess.run(
        [*mypy, "--strict", "--no-incremental", "--cache-dir", str(tmp_path / "cache"),
         str(ROOT / "src/neuraltypes"), str(user)],
        capture_output=True, text=True, cwd=ROOT,
    )
    lines = [line for line in result.stdout.splitlines() if ": error:" in line]
    # The only error is the deliberate one: mypy sees the annotated result as a Tensor, not an int.
    assert len(lines) == 1, result.stdout
    assert "user_module.py:13" in lines[0] and 'expression has type "Tensor", variable has type "int"' in lines[0]
