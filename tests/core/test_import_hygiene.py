"""Importing neuraltypes loads torch and nothing heavier; the public surface is explicit."""

from __future__ import annotations

import subprocess
import sys

import neuraltypes
import neuraltypes.tags

HEAVY = ["lightning", "pytorch_lightning", "hydra", "omegaconf", "torchaudio", "neuraltypes_collections", "jaxtyping",
         "transformers", "hypothesis"]


def test_import_loads_no_heavy_package_and_keeps_stdlib_collections() -> None:
    code = (
        "import sys, neuraltypes, collections\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "assert collections.__file__.startswith(sys.base_prefix) or 'site-packages' not in collections.__file__, "
        "collections.__file__\n"
        "assert hasattr(collections, 'OrderedDict')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_public_names_are_exported_explicitly_and_nothing_private_leaks() -> None:
    for module in (neuraltypes, neuraltypes.tags):
        exported = set(module.__all__)
        assert not [name for name in exported if name.startswith("_")]
        missing = [name for name in exported if not hasattr(module, name)]
        assert not missing
        public_attributes = {n for n in vars(module) if not n.startswith("_") and not isinstance(vars(module)[n], type(sys))}
        assert public_attributes - exported - {"TYPE_CHECKING"} == set()


def test_every_tag_of_the_vocabulary_is_reachable_from_both_homes() -> None:
    for name in neuraltypes.tags.__all__:
        assert getattr(neuraltypes, name) is getattr(neuraltypes.tags, name)


def test_the_static_views_of_the_tag_names_match_their_one_list() -> None:
    """Static checkers need the top-level tag names written out (as ``Annotated`` aliases, and in ``__all__``);
    ``neuraltypes.tags`` is the list they must match."""
    import ast
    from pathlib import Path

    tree = ast.parse(Path(neuraltypes.__file__).read_text())
    block = next(node for node in tree.body if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING")
    aliases = {alias.asname for node in block.body if isinstance(node, ast.ImportFrom) for alias in node.names}
    assert aliases == set(neuraltypes.tags.__all__) - {"Tag"}
    assert set(neuraltypes.tags.__all__) <= set(neuraltypes.__all__)


def test_checking_modes_are_an_ordered_enum() -> None:
    assert neuraltypes.current_checking().mode is neuraltypes.Mode.FULL
    with neuraltypes.checking("shapes") as state:
        assert state.mode is neuraltypes.Mode.SHAPES and state.mode_name == "shapes"
        assert neuraltypes.Mode.OFF < state.mode < neuraltypes.Mode.FULL < neuraltypes.Mode.PARANOID
