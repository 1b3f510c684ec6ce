"""Every subcommand of the command line, fed every kind of bad input, answers with one line naming the input.

The cases run in one child interpreter through ``neuraltypes_collections.common._cli.main``, the function the
``neuraltypes`` console script calls, so that the models load once: an exception escaping ``main`` is what would
print a traceback, and the child reports it as one. Each command's own test file runs the real console script on a
batch with one bad file (``test_asr_cli.py``, ``test_classification_cli.py``, ``test_vad_cli.py``,
``test_tts_cli.py``, ``nlp/test_cli_and_exports.py``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

TESTS = Path(__file__).resolve().parents[2]
CTC = TESTS / "collections/asr/fixtures/quartznet5x1_small/model.nemo"
CLASSIFIER = TESTS / "collections/asr/classification/fixtures/matchboxnet3x1x64/model.nemo"
FASTPITCH = TESTS / "collections/tts/fixtures/fastpitch_small/model.nemo"
QA = TESTS / "collections/nlp/fixtures/question_answering_nemo24/model.nemo"
SPEECH = TESTS / "collections/tts/fixtures/real_speech/audio/sense_and_sensibility_01_austen_64kb-0880.wav"

CHILD = r"""
import contextlib, io, json, sys, traceback
from neuraltypes_collections.common._cli import main
results = []
for argv in json.load(sys.stdin):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(argv)
        except SystemExit as stop:  # argparse's usage errors
            status = stop.code
        except BaseException:
            status = "Traceback"
            err.write(traceback.format_exc())
    results.append({"argv": argv, "status": status, "stdout": out.getvalue(), "stderr": err.getvalue()})
json.dump(results, sys.stdout)
"""


@pytest.fixture(scope="module")
def bad(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    import soundfile

    folder = tmp_path_factory.mktemp("bad inputs")
    files = {
        "missing": folder / "missing.wav",
        "empty": folder / "empty.wav",
        "text": folder / "notes.wav",
        "nan": folder / "nan.wav",
        "empty_text_file": folder / "empty.txt",
        "truncated": folder / "truncated.nemo",
        "good": folder / "good.wav",
    }
    files["empty"].write_bytes(b"")
    files["text"].write_text("this is not audio\n", encoding="utf-8")
    soundfile.write(files["nan"], np.full(1600, np.nan, dtype=np.float32), 16000, subtype="FLOAT")
    files["empty_text_file"].write_text("", encoding="utf-8")
    files["truncated"].write_bytes(CTC.read_bytes()[: CTC.stat().st_size // 2])
    shutil.copy(SPEECH, files["good"])
    return {name: str(path) for name, path in files.items()}


BAD_AUDIO = ("missing", "empty", "text", "nan")


def cases(bad: dict[str, str], out: str) -> dict[str, list[tuple[list[str], str]]]:
    """subcommand -> [(argv, the input its message must name)]."""
    audio = [bad[name] for name in BAD_AUDIO]

    def models(command: str, extra: list[str]) -> list[tuple[list[str], str]]:
        return [
            ([command, *extra, "--model", "no/such/model.nta"], "no/such/model.nta"),
            ([command, *extra, "--model", bad["truncated"]], bad["truncated"]),
        ]

    def files(command: str, model: list[str]) -> list[tuple[list[str], str]]:
        return [([command, *model, path], path) for path in audio] + models(command, [bad["good"]])

    return {
        "transcribe": files("transcribe", ["--model", str(CTC)]),
        "classify": files("classify", ["--model", str(CLASSIFIER)])
        + [(["classify", "--model", str(CLASSIFIER), "--top", "0", bad["good"]], "--top")],
        "detect-speech": files("detect-speech", []),
        "vad": files("vad", [])[:1],
        "synthesize": [(["synthesize", "--copy", path, "-o", out], path) for path in audio]
        + [(["synthesize", "", "-o", out, "--model", str(FASTPITCH)], "text")]
        + models("synthesize", ["Hello.", "-o", out])
        + [(["synthesize", "Hello.", "-o", str(Path(out).parent / "no" / "out.wav")], str(Path(out).parent / "no"))]
        + [(["synthesize", "Hello.", "-o", out, "--seed", "9" * 30], "--seed")],
        "voice-swap": [(["voice-swap", path, "-o", out], path) for path in audio]
        + [(["voice-swap", bad["good"], "-o", out, "--asr", "no/such/model.nta"], "no/such/model.nta")]
        + [(["voice-swap", bad["good"], "-o", out, "--tts", bad["truncated"]], bad["truncated"])]
        + [(["voice-swap", bad["good"], "-o", str(Path(out).parent / "no" / "out.wav")], str(Path(out).parent / "no"))],
        "punctuate": [
            (["punctuate", ""], "text"),
            (["punctuate", bad["empty_text_file"]], bad["empty_text_file"]),
            (["punctuate", bad["nan"]], bad["nan"]),
        ]
        + models("punctuate", ["hello there"]),
        "ner": [(["ner", ""], "text"), (["ner", bad["empty_text_file"]], bad["empty_text_file"]),
                (["ner", bad["nan"]], bad["nan"]), (["ner", bad["missing"].replace(".wav", ".txt")], "missing.txt")]
        + models("ner", ["john went to paris"]),
        "answer": [(["answer", "who?", "--context", bad["missing"].replace(".wav", ".txt"), "--model", str(QA)],
                    "missing.txt"),
                   (["answer", "", "--context", "some text", "--model", str(QA)], "text"),
                   (["answer", "who?", "--context", bad["empty_text_file"], "--model", str(QA)],
                    bad["empty_text_file"])]
        + models("answer", ["who?", "--context", "john went to paris"]),
        "inspect": [(["inspect", bad[name]], bad[name]) for name in (*BAD_AUDIO, "truncated")]
        + [(["inspect", str(Path(out).parent)], str(Path(out).parent))],
        "models": [(["models", "--index", bad[name]], bad[name]) for name in ("missing", "empty", "text")],
        "port": [(["port", bad[name]], bad[name]) for name in ("missing", "nan", "truncated")]
        + [(["port", str(Path(out).parent)], str(Path(out).parent))],
        "speakers": [(["speakers", "embed", path], path) for path in audio]
        + [(["speakers", "verify", bad["good"], path], path) for path in audio]
        + [(["speakers", "identify", bad["good"], "--enroll", f"a={path}"], path) for path in audio[:2]]
        + [(["speakers", "identify", bad["good"], "--enroll", "a"], "--enroll")]
        + [(["speakers", "diarize", path], path) for path in audio[:2]]
        + [(["speakers", "diarize", "--num-speakers", "0", bad["good"]], "num_speakers")]
        + [(["speakers", "diarize", bad["good"], "-o", str(Path(out).parent / "no" / "x.rttm")], str(Path(out).parent / "no"))]
        + [(["speakers", "verify", bad["good"], bad["good"], "--threshold", "7"], "threshold")]
        + [(["speakers", "nonsense"], "speakers")]
        + models("speakers", ["embed", bad["good"]]),
        "fetch": [(["fetch", "no-such-model"], "no-such-model")]
        + [(["fetch", "x", "--index", bad[name]], bad[name]) for name in ("missing", "text")],
    }


def test_every_subcommand_names_a_bad_input_in_one_line(bad, tmp_path):
    from neuraltypes_collections.common._cli import SUBCOMMANDS

    out = str(tmp_path / "out.wav")
    table = cases(bad, out)
    assert set(table) == set(SUBCOMMANDS), f"subcommands without bad-input cases: {set(SUBCOMMANDS) - set(table)}"
    argvs = [argv for rows in table.values() for argv, _ in rows]
    child = subprocess.run(
        [sys.executable, "-c", CHILD], input=json.dumps(argvs), capture_output=True, text=True, timeout=600
    )
    assert child.returncode == 0, child.stderr[-3000:]
    results = json.loads(child.stdout)
    expected = [named for rows in table.values() for _, named in rows]
    problems = []
    for result, named in zip(results, expected, strict=True):
        stderr = result["stderr"]
        if result["status"] in (0, None) or "Traceback" in stderr or result["status"] == "Traceback":
            problems.append(f"{result['argv']}: status {result['status']}, stderr {stderr[-600:]!r}")
        elif named not in stderr:
            problems.append(f"{result['argv']}: the message does not name {named!r}: {stderr!r}")
        elif len([line for line in stderr.splitlines() if line.strip() and not line.startswith(("usage:", " "))]) > 1:
            problems.append(f"{result['argv']}: more than one line: {stderr!r}")
    assert not problems, "\n".join(problems)
    assert not Path(out).exists(), "a failed synthesis left an output file"
