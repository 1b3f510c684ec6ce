"""The runnable examples in the speaker docstrings are executed."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "neuraltypes_collections.asr.speaker._ge2e",
    "neuraltypes_collections.asr.speaker._embed",
    "neuraltypes_collections.asr.speaker._diarize",
    "neuraltypes_collections.asr.speaker._label_model",
    "neuraltypes_collections.asr.speaker._ecapa",
    "neuraltypes_collections.asr.speaker._angular",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, extraglobs={"torch": importlib.import_module("torch")}, verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
    assert result.attempted > 0, f"{name} has no runnable example"
