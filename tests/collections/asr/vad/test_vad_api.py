"""The VAD package's public surface: exports, import hygiene, typed contracts, docstring examples."""

from __future__ import annotations

import doctest
import json
import re
import subprocess
import sys
from pathlib import Path

import neuraltypes_collections.asr.vad as vad
import pytest
import torch
from neuraltypes_collections.asr.vad import SileroVad, detect_speech, load_silero_vad

import neuraltypes as nt
from neuraltypes.errors import ContractViolation


def test_public_surface_is_explicit_and_private_free() -> None:
    assert sorted(vad.__all__) == vad.__all__
    for name in vad.__all__:
        assert not name.startswith("_")
        assert getattr(vad, name) is not None
    public = {name for name in vars(vad) if not name.startswith("_")}
    assert public == set(vad.__all__), f"names exported without __all__: {public - set(vad.__all__)}"


def test_import_and_load_stay_light_and_leave_threads_alone() -> None:
    code = (
        "import sys, torch; torch.set_num_threads(2); "
        "import neuraltypes_collections.asr.vad as vad; vad.load_silero_vad(); "
        "heavy = [m for m in ('silero_vad', 'lightning', 'hydra', 'omegaconf', 'torchaudio') if m in sys.modules]; "
        "print(heavy, torch.get_num_threads())"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[] 2", result.stdout + result.stderr


def test_sample_rate_is_part_of_the_contract() -> None:
    model = load_silero_vad(16000)
    audio_8k = nt.tag(torch.zeros(1, 4096), nt.tags.AudioSignal(8000))
    with pytest.raises(ContractViolation, match=r"parameter 'audio'[\s\S]*resample 8000 Hz -> 16000 Hz"):
        model.speech_probs(audio_8k)
    with pytest.raises(ContractViolation, match=r"parameter 'chunk'"):
        model(nt.tag(torch.zeros(1, 512), nt.tags.AudioSignal(8000)))


def test_outputs_carry_their_meaning() -> None:
    model = SileroVad()
    step = model(torch.zeros(2, 512))
    assert nt.tag_of(step.probs) == nt.tags.Probs()
    assert nt.tag_of(step.context) == nt.tags.AudioSignal(16000)
    probs, frames = model.speech_probs(torch.zeros(2, 1600))
    assert nt.tag_of(probs) == nt.tags.Probs() and nt.tag_of(frames) == nt.tags.Lengths()


def test_contract_is_derived_from_the_signatures() -> None:
    contract = json.loads(
        json.dumps(nt.contract_of(SileroVad(vad.SileroVadDimensions.for_sample_rate(8000))))
    )
    chunk = contract["forward"]["inputs"]["chunk"]
    assert (
        chunk["tag"] == "AudioSignal"
        and chunk["params"] == {"sample_rate": 8000}
        and chunk["shape"] == "batch time"
    )
    assert contract["speech_probs"]["output"]["tuple"][0]["shape"] == "batch frame"


def test_detect_speech_reads_the_rate_of_a_tagged_tensor(clips) -> None:
    _, waveform = clips[1]
    tagged = nt.tag(waveform.clone(), nt.tags.AudioSignal(16000))
    assert detect_speech(None, tagged) == detect_speech(None, waveform, sample_rate=16000)


def test_the_method_is_the_function(clips) -> None:
    _, waveform = clips[1]
    model = load_silero_vad(16000)
    assert model.detect_speech(waveform, threshold=0.6) == detect_speech(model, waveform, threshold=0.6)
    assert model.detect_speech([waveform]) == [detect_speech(model, waveform)]
    assert detect_speech(model, []) == []


@pytest.mark.parametrize("module", [vad._silero, vad._segments, vad._detect])
def test_docstring_examples_run(module) -> None:
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert tried > 0 and failures == 0


def test_docs_examples_run(monkeypatch, capsys) -> None:
    """Every Python block of docs/vad.md runs, in order, in one namespace, from the repository root."""
    root = Path(__file__).resolve().parents[4]
    text = (root / "docs" / "vad.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    assert len(blocks) >= 5
    monkeypatch.chdir(root)
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, "docs/vad.md", "exec"), namespace)
    assert "breaks its contract" in capsys.readouterr().out
