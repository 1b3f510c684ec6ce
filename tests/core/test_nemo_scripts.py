"""The NeMo scripts run without NeMo: run_nemo_suites.py changes only import lines and runs the suites it is given;
nemo_compat_overhead.py's module refuses the violating call before anything is timed."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SUITE = '''\
import pytest
from nemo.core import Typing, typecheck
from nemo.core.neural_types import *
from nemo.core.neural_types import (
    NeuralType,
)

TEXT = "from nemo.core import nothing: a string, not an import"


def test_types():
    assert NeuralType(("B", "T"), AudioSignal()).compare(NeuralType(("B", "T"), AudioSignal())) \\
        == NeuralTypeComparisonResult.SAME
    assert callable(typecheck) and isinstance(Typing, type)
'''


def test_rewrite_changes_only_the_nemo_import_lines() -> None:
    suites = load(ROOT / "examples" / "nemo" / "run_nemo_suites.py")
    text, changed = suites.rewrite(SUITE)
    assert changed == ["from nemo.core import", "from nemo.core.neural_types import",
                       "from nemo.core.neural_types import"]
    before, after = SUITE.splitlines(), text.splitlines()
    assert len(before) == len(after)
    differ = [(b, a) for b, a in zip(before, after, strict=True) if b != a]
    assert [a for _, a in differ] == ["from neuraltypes.nemo_compat import Typing, typecheck",
                                      "from neuraltypes.nemo_compat import *",
                                      "from neuraltypes.nemo_compat import ("]


def test_run_nemo_suites_runs_both_files_against_nemo_compat_and_fails_with_them(tmp_path: Path) -> None:
    (tmp_path / "tests" / "core").mkdir(parents=True)
    (tmp_path / "tests" / "core" / "test_neural_types.py").write_text(SUITE)
    failing = "\n\ndef test_fails():\n    assert NeuralType(('B',)).compare(NeuralType(('B', 'T'))) == 0\n"
    (tmp_path / "tests" / "core" / "test_typecheck.py").write_text(SUITE + failing)
    done = subprocess.run([sys.executable, str(ROOT / "examples" / "nemo" / "run_nemo_suites.py"), str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert "test_typecheck.py: 3 import line(s) rewritten" in done.stdout
    assert done.returncode == 1 and "1 failed, 2 passed" in done.stdout, done.stdout + done.stderr


def test_the_benchmark_module_refuses_the_violating_call_and_runs_the_good_one() -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        overhead = load(ROOT / "benchmarks" / "nemo_compat_overhead.py")
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    for op in ("identity", "conv"):
        module = overhead.Typed(op)
        assert overhead.rejection(module).startswith("ContractViolation: [NT203] Typed.forward: port 'lengths'")
        features, lengths = overhead.inputs()
        out, out_lengths = module(features=features, lengths=lengths)
        assert out.shape == features.shape and torch.equal(out_lengths, lengths)
    with pytest.raises(SystemExit, match="accepted a violating call"):
        overhead.rejection(overhead.Plain("identity"))
