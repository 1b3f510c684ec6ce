"""The ```python blocks of docs/nlp.md run, in order, in one namespace, in a temporary directory."""

import re
import shutil
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[3] / "docs" / "nlp.md"
NEMO = Path(__file__).parent / "fixtures" / "punctuation_capitalization_nemo24" / "model.nemo"
NER = Path(__file__).parent / "fixtures" / "token_classification_nemo24" / "model.nemo"
QA = Path(__file__).parent / "fixtures" / "question_answering_nemo24" / "model.nemo"


def test_nlp_page_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = re.findall(r"^```python\n(.*?)^```", DOC.read_text(encoding="utf-8"), flags=re.S | re.M)
    assert len(blocks) >= 5
    shutil.copy(NEMO, tmp_path / "punctuation.nemo")
    shutil.copy(NER, tmp_path / "ner.nemo")
    shutil.copy(QA, tmp_path / "qa.nemo")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "docs_nlp"}
    for number, block in enumerate(blocks, 1):
        try:
            exec(compile(block, f"{DOC.name}[python block {number}]", "exec"), namespace)
        except Exception as error:  # reported with the block number
            raise AssertionError(f"docs/nlp.md python block {number} failed: {error!r}") from error
    assert (tmp_path / "my_punctuation.nta").stat().st_size < 10_000_000
    assert (tmp_path / "punctuation.nta").exists()
    assert (tmp_path / "ner.nta").exists()
