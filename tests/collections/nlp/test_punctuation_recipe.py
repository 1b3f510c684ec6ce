"""The Hydra training recipe end to end on a tiny text-punct folder: train, calibrate, save, index, report."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from neuraltypes_collections.common import from_pretrained
from neuraltypes_collections.nlp import PunctuationCapitalizationModel

ROOT = Path(__file__).resolve().parents[3]
LINES = [
    ("fortunes/a", "Hello world, how are you today?"),
    ("foldoc/b", "We met in New York on Monday. It was great."),
    ("jargon/c", "Is this the real life, or is it fantasy?"),
    ("shakespeare/hamlet", "What say you, my lord?"),
    ("shakespeare/lear", "Nothing will come of nothing."),
]


def _corpus(folder: Path) -> None:
    folder.mkdir()
    for split, copies in (("train", 6), ("dev", 1), ("test", 1)):
        lines = [line for line in LINES if split == "train" or not line[0].startswith("shakespeare")] * copies
        (folder / f"{split}.txt").write_text("".join(text + "\n" for _, text in lines), encoding="utf-8")
        (folder / f"{split}.src").write_text("".join(src + "\n" for src, _ in lines), encoding="utf-8")


def test_recipe_trains_saves_an_indexed_archive_and_reports(tmp_path: Path) -> None:
    _corpus(tmp_path / "data")
    out = tmp_path / "out"
    command = [
        sys.executable, str(ROOT / "examples" / "nlp" / "train_punctuation.py"),
        f"data_dir={tmp_path / 'data'}", f"output_dir={out}", f"cache_dir={tmp_path / 'cache'}", "name=tiny_punct",
        "threads=1", "eval_batch_size=4", "model.max_length=32", "train.trainable_layers=1", "train.max_steps=3",
        "train.max_tokens=128", "train.log_every=1", "train.warmup_fraction=0.0",
    ]
    run = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-3000:]
    # modern lines, plus the Shakespeare lines with a question (extra_sources): 3 * 6 + 6
    assert "train lines: 24, test lines: 3" in run.stdout
    assert "trained 3 steps" in run.stdout and "logit offsets from dev" in run.stdout
    report = (out / "test_report.txt").read_text(encoding="utf-8")
    assert "punctuation macro F1 over , . ?" in report and "dev: punctuation macro F1 " in report
    [entry] = json.loads((out / "index.json").read_text(encoding="utf-8"))
    archive = out / "tiny_punct.nta"
    assert entry["name"] == "tiny_punct" and entry["sha256"] == hashlib.sha256(archive.read_bytes()).hexdigest()
    model = from_pretrained("tiny_punct", index=out / "index.json")
    assert isinstance(model, PunctuationCapitalizationModel)
    assert model.config.stored_layers == 1 and model.config.max_length == 32 and model.config.punct_logit_bias
    assert len(model.add_punctuation_capitalization(["hello world how are you today"])[0].split()) == 6
