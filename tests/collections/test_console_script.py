"""The ``neuraltypes`` console script sets passive OpenMP waits before torch loads, then runs the CLI."""

import os
import subprocess
import sys
from importlib.metadata import entry_points

CHILD = """
import os, sys
from neuraltypes_collections._main import main
assert "torch" not in sys.modules
sys.argv = ["neuraltypes", "--help"]
status = main()
print(os.environ.get("OMP_WAIT_POLICY"), status)
"""


def test_the_console_script_is_the_entry_that_sets_passive_waits() -> None:
    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "neuraltypes"]
    assert script.value == "neuraltypes_collections._main:main"


def test_passive_waits_are_set_unless_the_environment_says_otherwise() -> None:
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, env=env, check=True).stdout
    assert out.splitlines()[-1] == "PASSIVE 0"
    env["OMP_WAIT_POLICY"] = "ACTIVE"
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, env=env, check=True).stdout
    assert out.splitlines()[-1] == "ACTIVE 0"
