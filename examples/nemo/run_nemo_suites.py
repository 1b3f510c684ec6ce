"""Run NeMo's own tests of its type system against `neuraltypes.nemo_compat`, with only their imports changed.

NeMo's files are not part of this repository, nor of the nemo-toolkit wheel: give the path of a clone of NVIDIA/NeMo
(or of its ``tests/core`` folder); NeMo itself need not be installed, the suites run in this interpreter.
The two files ``test_neural_types.py`` and ``test_typecheck.py`` are copied to a temporary folder, every
``from nemo.core... import`` line is pointed at ``neuraltypes.nemo_compat`` (nothing else is changed; the lines
rewritten are printed), and pytest runs them. The exit status is pytest's.

Run: ``python examples/nemo/run_nemo_suites.py PATH/TO/NeMo [-- extra pytest arguments]``
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

SUITES = ("test_neural_types.py", "test_typecheck.py")
#: ``from nemo.core import X``, ``from nemo.core.neural_types import (...)``, ``from nemo.core.classes import X``
NEMO_IMPORT = re.compile(r"^from nemo\.core(?:\.neural_types|\.classes)?(?:\.[\w.]+)? import", re.MULTILINE)


def rewrite(source: str) -> tuple[str, list[str]]:
    """`source` with its NeMo import lines pointed at nemo_compat, and the lines changed."""
    changed = [m.group(0) for m in NEMO_IMPORT.finditer(source)]
    return NEMO_IMPORT.sub("from neuraltypes.nemo_compat import", source), changed


def find_suites(path: Path) -> list[Path]:
    for folder in (path, path / "tests" / "core"):
        found = [folder / name for name in SUITES if (folder / name).is_file()]
        if len(found) == len(SUITES):
            return found
    raise SystemExit(f"{path}: neither it nor its tests/core holds {' and '.join(SUITES)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, help="a NeMo checkout, or its tests/core folder")
    parser.add_argument("pytest_args", nargs="*", help="passed to pytest (after --)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nemo-suites-") as folder:
        for suite in find_suites(args.path):
            text, changed = rewrite(suite.read_text())
            print(f"{suite.name}: {len(changed)} import line(s) rewritten: {changed}")
            (Path(folder) / suite.name).write_text(text)
        command = [sys.executable, "-m", "pytest", folder, "-q", "-p", "no:cacheprovider", "-o", "markers=unit",
                   "--rootdir", folder, *args.pytest_args]
        return subprocess.call(command)


if __name__ == "__main__":
    raise SystemExit(main())
