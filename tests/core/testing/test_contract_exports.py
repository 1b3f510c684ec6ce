"""neuraltypes.testing has an explicit public surface, and stays out of `import neuraltypes`."""

from __future__ import annotations

import subprocess
import sys
import types

import neuraltypes.testing


def test_public_names_are_exported_explicitly_and_nothing_private_leaks() -> None:
    exported = set(neuraltypes.testing.__all__)
    assert not [name for name in exported if name.startswith("_")]
    assert not [name for name in exported if not hasattr(neuraltypes.testing, name)]
    public = {n for n, v in vars(neuraltypes.testing).items() if not n.startswith("_") and not isinstance(v, types.ModuleType)}
    assert public == exported


def test_neuraltypes_does_not_import_the_testing_extra_and_testing_does_not_import_pytest() -> None:
    code = (
        "import sys, neuraltypes\n"
        "assert 'neuraltypes.testing' not in sys.modules and 'hypothesis' not in sys.modules\n"
        "import neuraltypes.testing\n"
        "assert 'hypothesis' in sys.modules and 'pytest' not in sys.modules, 'pytest loaded'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
