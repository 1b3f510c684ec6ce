"""`examples/nlp/augment_entity_text.py`: new lines for the entity teacher, made from train's modern lines alone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from neuraltypes_collections.nlp import split_words, word_shape

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "examples" / "nlp" / "augment_entity_text.py"
LINES = [
    ("foldoc/unix", "Unix was written at Bell Labs in 1969, by Ken Thompson."),
    ("fortunes/a", "Never trust a computer you can't throw out a window."),
    ("jargon/b", "The PDP-10s ran ITS at MIT (mostly)."),
    ("kjv/genesis", "In the beginning God created the heaven and the earth."),
]


def _augment(tmp_path: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / "train.txt").write_text("".join(text + "\n" for _, text in LINES), encoding="utf-8")
    (data / "train.src").write_text("".join(source + "\n" for source, _ in LINES), encoding="utf-8")
    return subprocess.run([sys.executable, str(SCRIPT), str(tmp_path / "out" / "aug.txt"), "--data-dir", str(data),
                           *flags], capture_output=True, text=True, timeout=120, cwd=ROOT)


def _content(text: str) -> list[str]:
    return [text[w.start:w.end] for w in split_words(text) if not w.punctuation]


def test_each_modern_line_comes_back_with_words_of_its_shape_from_train(tmp_path: Path) -> None:
    run = _augment(tmp_path, "--copies", "2", "--rate", "0.5", "--name-rate", "1.0")
    assert run.returncode == 0, run.stderr
    lines = (tmp_path / "out" / "aug.txt").read_text(encoding="utf-8").splitlines()
    sources = (tmp_path / "out" / "aug.src").read_text(encoding="utf-8").splitlines()
    assert sources == ["foldoc/unix#aug0", "fortunes/a#aug0", "jargon/b#aug0",
                       "foldoc/unix#aug1", "fortunes/a#aug1", "jargon/b#aug1"]  # no King James line
    modern = [text for source, text in LINES if not source.startswith("kjv")] * 2
    vocabulary = {word for text in modern for word in _content(text)}
    changed = 0
    for new, old in zip(lines, modern, strict=True):
        new_words, old_words = _content(new), _content(old)
        assert [word_shape(w) for w in new_words] == [word_shape(w) for w in old_words]
        assert set(new_words) <= vocabulary  # "God" and "heaven" (King James) never come in
        changed += sum(a != b for a, b in zip(new_words, old_words, strict=True))
        # the punctuation and spacing around the words are the line's own
        assert [new[w.start:w.end] for w in split_words(new) if w.punctuation] == \
            [old[w.start:w.end] for w in split_words(old) if w.punctuation]
    assert changed > 0


def test_the_same_seed_gives_the_same_lines_and_rates_of_zero_give_train_back(tmp_path: Path) -> None:
    assert _augment(tmp_path, "--seed", "3").returncode == 0
    first = (tmp_path / "out" / "aug.txt").read_bytes()
    assert _augment(tmp_path, "--seed", "3").returncode == 0
    assert (tmp_path / "out" / "aug.txt").read_bytes() == first
    assert _augment(tmp_path, "--rate", "0", "--name-rate", "0").returncode == 0
    assert (tmp_path / "out" / "aug.txt").read_text(encoding="utf-8").splitlines() == \
        [text for source, text in LINES if not source.startswith("kjv")]


def test_bad_rates_are_a_usage_error(tmp_path: Path) -> None:
    run = _augment(tmp_path, "--rate", "1.5")
    assert run.returncode == 2 and "--copies must be at least 1 and the rates within [0, 1]" in run.stderr
    assert "Traceback" not in run.stderr and not (tmp_path / "out").exists()


@pytest.mark.parametrize(("flags", "message"), [
    (["--extra-text", "aug.txt"], "--extra-text and --extra-teacher go together"),
    (["--word-feature-rows", "1,x"], "invalid literal for int()"),
])
def test_the_training_script_refuses_bad_flags_before_reading_data(tmp_path: Path, flags: list[str],
                                                                   message: str) -> None:
    run = subprocess.run([sys.executable, str(ROOT / "examples" / "nlp" / "train_entities.py"), "--data-dir",
                          str(tmp_path / "absent"), "--output", str(tmp_path / "out"), *flags],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert run.returncode == 2 and message in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "out").exists()
