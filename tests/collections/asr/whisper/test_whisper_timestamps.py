"""Word timestamps of Whisper tiny.en against faster-whisper's `word_timestamps=True` (greedy, float32).

The oracle's words are recorded by `fixtures/make_fixture.py --words` in `faster_whisper_tiny_en_words.json`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from neuraltypes_collections.asr import WordTimestamp, read_audio
from neuraltypes_collections.asr.whisper import WhisperConfig, WhisperModel
from neuraltypes_collections.asr.whisper._timestamps import negative_dtw
from neuraltypes_collections.common import InputError
from whisper_helpers import TINY

FIXTURES = Path(__file__).parent / "fixtures"
ORACLE = json.loads((FIXTURES / "faster_whisper_tiny_en_words.json").read_text())
ENTRIES = [json.loads(line) for line in (FIXTURES / "manifest.jsonl").read_text().splitlines() if line]
CLIPS = [(FIXTURES / entry["audio_filepath"]).resolve() for entry in ENTRIES]
SPEECH = sorted((FIXTURES.parents[1] / "fixtures" / "speech" / "audio").glob("*.wav"))
#: The acceptance bound of the issue: median absolute difference of the word times to faster-whisper's.
MEDIAN_BOUND_S = 0.05


def _differences(found: tuple[WordTimestamp, ...], expected: list[list[object]]) -> np.ndarray:
    assert [w.word for w in found] == [word for word, *_ in expected]
    return np.array(
        [abs(w.start_s - float(e[1])) for w, e in zip(found, expected, strict=True)]  # type: ignore[arg-type]
        + [abs(w.end_s - float(e[2])) for w, e in zip(found, expected, strict=True)]  # type: ignore[arg-type]
    )


def test_word_times_of_the_librivox_clips_match_faster_whisper(tiny_en: WhisperModel) -> None:
    results = tiny_en.transcribe(CLIPS, timestamps=True, batch_size=2)
    differences = []
    for path, result in zip(CLIPS, results, strict=True):
        expected = ORACLE["clips"][path.stem]
        assert result.words is not None
        differences.append(_differences(result.words, expected["words"]))
        probabilities = [w.probability for w in result.words]
        assert probabilities == pytest.approx([e[3] for e in expected["words"]], abs=2e-3)
        assert result.segments is not None
        times = [time for s in result.segments for time in (s.start_s, s.end_s)]
        assert times == pytest.approx([time for s in expected["segments"] for time in s[:2]], abs=0.02)
        starts = [w.start_s for w in result.words]
        assert starts == sorted(starts) and all(w.start_s <= w.end_s for w in result.words)
    assert float(np.median(np.concatenate(differences))) <= MEDIAN_BOUND_S
    assert float(np.concatenate(differences).max()) <= 0.1


def test_word_times_of_a_long_recording_match_faster_whisper(tiny_en: WhisperModel) -> None:
    # 82 s in three windows: with word times, each window after the first starts at the last word's end
    gap = torch.zeros(int(0.7 * 16000))
    audio = torch.cat([part for path in [*CLIPS, *SPEECH] for part in (read_audio(path)[0], gap)])
    result = tiny_en.transcribe(audio, timestamps=True)
    expected = ORACLE["long"]
    assert result.segments is not None and result.words is not None
    assert [s.text for s in result.segments] == [s[2].strip() for s in expected["segments"]]
    assert float(np.median(_differences(result.words, expected["words"]))) <= MEDIAN_BOUND_S


def test_no_words_unless_asked_and_a_model_without_alignment_heads_says_so(
    tiny_en: WhisperModel, tokenizer_json: bytes
) -> None:
    plain = tiny_en.transcribe(CLIPS[1])
    assert plain.words is None and plain.segments
    headless = WhisperModel(WhisperConfig(dimensions=TINY), tokenizer_json)
    with pytest.raises(InputError, match="word timestamps need the model's alignment_heads"):
        headless.transcribe(torch.zeros(16000), timestamps=True)


def _dtw_by_definition(cost: np.ndarray) -> list[tuple[int, int]]:
    """The same path, cell by cell: the cheapest of diagonal, down, right (ties: right, then down)."""
    n, m = cost.shape
    total = np.full((n + 1, m + 1), np.inf)
    total[0, 0] = 0.0
    moves = {}
    for j in range(1, m + 1):
        for i in range(1, n + 1):
            options = [total[i - 1, j - 1], total[i - 1, j], total[i, j - 1]]
            if options[0] < options[1] and options[0] < options[2]:
                move = 0
            elif options[1] < options[0] and options[1] < options[2]:
                move = 1
            else:
                move = 2
            total[i, j] = -cost[i - 1, j - 1] + options[move]
            moves[i, j] = move
    path, i, j = [], n, m
    while i > 0 or j > 0:
        path.append((i - 1, j - 1))
        move = moves.get((i, j), 2 if i == 0 else 1)
        i, j = (i - 1, j - 1) if move == 0 else (i - 1, j) if move == 1 else (i, j - 1)
    return path[::-1]


@pytest.mark.parametrize("shape", [(1, 1), (3, 9), (7, 5), (12, 40)])
def test_dtw_follows_the_definition(shape: tuple[int, int]) -> None:
    cost = np.random.default_rng(sum(shape)).normal(size=shape).astype(np.float32)
    cost[:, 2 % shape[1]] = cost[0, 0]  # ties
    rows, columns = negative_dtw(cost)
    assert list(zip(rows.tolist(), columns.tolist(), strict=True)) == _dtw_by_definition(cost)
    assert rows[0] == columns[0] == 0 and (rows[-1], columns[-1]) == (shape[0] - 1, shape[1] - 1)
