"""`neuraltypes port` on snippets: what it converts, what it leaves with a reason, and that the result runs."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
import torch
from neuraltypes_collections.common._cli import main
from neuraltypes_collections.common._port import NOTE, port_source
from neuraltypes_collections.common._port_cli import check_ports

import neuraltypes as nt
from neuraltypes import Compatibility, ContractViolation

HEADER = """\
from collections import OrderedDict

import torch
from neuraltypes.nemo_compat import (
    AudioSignal, AxisKind, AxisType, LengthsType, LogprobsType, MelSpectrogramType, NeuralModule, NeuralType,
    typecheck,
)
"""

ENCODER = HEADER + '''

class Encoder(NeuralModule):
    """Halves the time axis and doubles the channels."""

    def __init__(self, feat_in):
        super().__init__()
        self.conv = torch.nn.Conv1d(feat_in, 2 * feat_in, 3, stride=2, padding=1)

    @property
    def input_types(self):
        """Input ports."""
        return OrderedDict(
            {
                "audio_signal": NeuralType(('B', 'D', 'T'), MelSpectrogramType()),
                "length": NeuralType(tuple('B'), LengthsType()),
            }
        )

    @property
    def output_types(self):
        return {
            "outputs": NeuralType(('B', 'D', 'T'), MelSpectrogramType()),
            "encoded_lengths": NeuralType(tuple('B'), LengthsType()),
        }

    @typecheck()
    def forward(self, audio_signal, length):
        return self.conv(audio_signal), (length + 1) // 2
'''


def run(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "ported"}
    exec(compile(source, "<ported>", "exec"), namespace)  # noqa: S102 - our own snippet, ported
    return namespace


def test_properties_and_typecheck_become_an_annotated_checked_forward_that_runs() -> None:
    result = port_source(ENCODER)
    new = result.new_source
    assert "def input_types" not in new and "def output_types" not in new and "@typecheck" not in new
    assert "import neuraltypes as nt\nfrom torch import Tensor\n" in new
    assert ('def forward(self, audio_signal: nt.MelSpectrogram[Tensor, "batch channel time"], length: '
            'nt.Lengths[Tensor, "batch"]) -> tuple[nt.MelSpectrogram[Tensor, "batch channel_outputs time_outputs"], '
            'nt.Lengths[Tensor, "batch"]]:') in new
    assert "    @nt.checked\n" in new and f"    {NOTE} give two ports one name" in new
    assert "\n\n\n    def __init__" not in new  # the blank line after a removed property goes with it
    encoder = run(new)["Encoder"](4)
    out, lengths = encoder(torch.zeros(2, 4, 10), torch.tensor([10, 7]))  # positional calls are checked too
    assert out.shape == (2, 8, 5) and nt.tag_of(out) is nt.tags.MelSpectrogram()
    with pytest.raises(ContractViolation, match="parameter 'length'"):
        encoder(torch.zeros(2, 4, 10), torch.zeros(2, 1, dtype=torch.long))
    with pytest.raises(ContractViolation, match="dim 'batch'"):
        encoder(torch.zeros(2, 4, 10), torch.tensor([10, 7, 3]))


def test_each_converted_port_compares_same_to_the_original() -> None:
    (ported,) = port_source(ENCODER).converted
    results = check_ports(ported)
    assert all(kinds is Compatibility.SAME for kinds, _ in results.values())
    assert results["outputs"][1] is Compatibility.INCOMPATIBLE  # renamed axes differ by name, not by kind
    assert results["audio_signal"][1] is Compatibility.SAME


def test_check_ports_can_fail() -> None:
    (ported,) = port_source(ENCODER).converted
    wrong = ported.inputs[0].__class__(**{**ported.inputs[0].__dict__,
                                          "annotation": 'nt.MelSpectrogram[Tensor, "batch time channel"]'})
    broken = ported.__class__(ported.name, (wrong,), ())
    assert check_ports(broken)["audio_signal"][0] is Compatibility.TRANSPOSE_SAME


def test_sample_rates_sizes_optional_and_list_ports_carry_over() -> None:
    source = HEADER + '''

class Front(NeuralModule):
    @property
    def input_types(self):
        return {
            "audio": NeuralType(('B', 'T'), AudioSignal(freq=self._sample_rate)),
            "mel": NeuralType((AxisType(AxisKind.Batch), AxisType(AxisKind.Dimension, 80), 'T'), MelSpectrogramType()),
            "extra": [NeuralType(('B',), LengthsType(), optional=True)],
        }

    @typecheck()
    def forward(self, audio, mel, extra=None):
        return audio
'''
    (ported,) = port_source(source).converted
    new = port_source(source).new_source
    assert f"    {NOTE} 'extra' defaults to None" not in new  # its port is optional
    texts = {p.name: p.annotation for p in ported.inputs}
    assert texts["audio"] == 'nt.AudioSignal[Tensor, "batch time", nt.attr(\'_sample_rate\')]'
    assert texts["mel"] == 'nt.MelSpectrogram[Tensor, "batch channel:80 time_mel"]'  # time is audio's
    assert texts["extra"] == 'list[nt.Lengths[Tensor, "batch"]] | None'
    assert "extra: list[nt.Lengths[Tensor, \"batch\"]] | None = None" in port_source(source).new_source
    assert all(kinds is Compatibility.SAME for kinds, _ in check_ports(ported).values())


def test_a_mandatory_port_defaulting_to_none_is_flagged() -> None:
    source = ENCODER.replace("def forward(self, audio_signal, length):", "def forward(self, audio_signal, length=None):")
    new = port_source(source).new_source
    assert (f"    {NOTE} 'length' defaults to None but its port is not optional: a checked call without it is "
            "refused (as by NeMo's typecheck); write `... | None` to allow it\n    @nt.checked\n") in new
    assert 'length: nt.Lengths[Tensor, "batch"] = None)' in new
    with pytest.raises(ContractViolation, match="parameter 'length'"):
        run(new)["Encoder"](4)(torch.zeros(2, 4, 10))


def test_an_inherited_forward_gets_an_annotated_override() -> None:
    source = HEADER + '''

class Base(NeuralModule):
    @typecheck()
    def forward(self, input_signal, length):
        return input_signal * 2, length


class Child(Base):
    @property
    def input_types(self):
        return {"input_signal": NeuralType(('B', 'T'), AudioSignal(16000)), "length": NeuralType(('B',), LengthsType())}

    @property
    def output_types(self):
        return {"out": NeuralType(('B', 'T'), AudioSignal(16000)), "out_length": NeuralType(('B',), LengthsType())}
'''
    new = port_source(source).new_source
    assert "return super().forward(input_signal=input_signal, length=length)" in new
    child = run(new)["Child"]()
    out, _ = child(torch.zeros(2, 100), torch.tensor([100, 50]))
    assert nt.tag_of(out) is nt.tags.AudioSignal(16000)
    with pytest.raises(ContractViolation, match="parameter 'input_signal'"):
        child(nt.tag(torch.zeros(2, 100), nt.tags.AudioSignal(8000)), torch.tensor([100, 50]))


@pytest.mark.parametrize(("body", "why"), [
    ("if self.flag:\n            return {'x': NeuralType(('B',), LengthsType())}\n        return None",
     "input_types chooses its types at run time (if self.flag)"),
    ("ports = {'x': NeuralType(('B',), LengthsType())}\n        return ports", "is not one `return {...}`"),
    ("return {'x': NeuralType(('B',), MyType())}", "element type 'MyType()' is not one of NeMo's"),
    ("return {'x': NeuralType(self.axes, LengthsType())}", "are not a literal tuple"),
    ("return {'y': NeuralType(('B',), LengthsType())}", "no parameter for port(s) ['y']"),
])
def test_what_cannot_be_converted_stays_with_the_reason(body: str, why: str) -> None:
    source = HEADER + f'''

class Odd(NeuralModule):
    @property
    def input_types(self):
        {body}

    @typecheck()
    def forward(self, x):
        return x
'''
    result = port_source(source)
    (ported,) = result.classes
    assert why in ported.why_not
    assert result.new_source.replace(f"    {NOTE} not converted: {ported.why_not}\n", "") == source
    added = [line for line in result.diff("odd.py").splitlines() if line.startswith("+") and line[:3] != "+++"]
    assert added == [f"+    {NOTE} not converted: {ported.why_not}"]


RECONSTRUCTION = HEADER + '''

class Reconstruction(NeuralModule):
    """NeMo 3.0's ConvASRDecoderReconstruction, reduced: its output's element type depends on a flag."""

    @property
    def input_types(self):
        return OrderedDict({"encoder_output": NeuralType(('B', 'D', 'T'), MelSpectrogramType())})

    @property
    def output_types(self):
        if self.apply_softmax:
            return OrderedDict({"out": NeuralType(('B', 'T', 'D'), LogprobsType())})
        else:
            return OrderedDict({"out": NeuralType(('B', 'T', 'D'), MelSpectrogramType())})

    def __init__(self, apply_softmax):
        super().__init__()
        self.apply_softmax = apply_softmax

    @typecheck()
    def forward(self, encoder_output):
        out = encoder_output.transpose(-2, -1)
        return out.log_softmax(-1) if self.apply_softmax else out
'''


def test_a_property_that_cannot_convert_stays_and_the_other_converts() -> None:
    result = port_source(RECONSTRUCTION)
    (ported,) = result.converted
    assert ported.kept == ("output_types chooses its types at run time (if self.apply_softmax); "
                           "an annotation holds one type",)
    assert [p.name for p in ported.inputs] == ["encoder_output"] and ported.outputs == ()
    new = result.new_source
    assert "def input_types" not in new and "@typecheck" not in new
    assert (f"    {NOTE} not converted: output_types chooses its types at run time (if self.apply_softmax); an "
            "annotation holds one type\n    @property\n    def output_types(self):\n") in new
    assert ('    @nt.checked\n    def forward(self, encoder_output: nt.MelSpectrogram[Tensor, "batch channel time"]):\n'
            in new)  # the return stays unannotated
    assert all(kinds is Compatibility.SAME for kinds, _ in check_ports(ported).values())
    assert port_source(new).new_source == new  # porting again adds no second note
    module = run(new)["Reconstruction"](apply_softmax=True)
    assert module(torch.zeros(2, 4, 10)).shape == (2, 10, 4)
    with pytest.raises(ContractViolation, match="parameter 'encoder_output'"):
        module(torch.zeros(2, 10))


def test_cli_says_what_stayed_of_a_module_converted_in_part(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "reconstruction.py"
    path.write_text(RECONSTRUCTION)
    assert main(["port", str(path), "--check"]) == 0
    err = capsys.readouterr().err
    assert "Reconstruction: converted in part; not converted: output_types chooses" in err
    assert "Reconstruction.encoder_output: SAME" in err and "1 of 1 module(s) converted (1 in part)" in err


def test_a_forward_without_typecheck_is_annotated_and_flagged() -> None:
    source = HEADER + '''

class Loose(NeuralModule):
    @property
    def input_types(self):
        return {"x": NeuralType(('B', 'T'), MelSpectrogramType())}

    def forward(self, x, **kwargs):
        return x
'''
    new = port_source(source).new_source
    assert f"{NOTE} NeMo did not @typecheck this forward: add @nt.checked" in new
    assert "@nt.checked" not in new.replace("add @nt.checked", "")
    ast.parse(new)


def test_porting_twice_changes_nothing_more() -> None:
    once = port_source(ENCODER).new_source
    again = port_source(once)
    assert again.classes == () and again.new_source == once


def test_cli_prints_a_diff_checks_and_writes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "encoder.py"
    path.write_text(ENCODER)
    assert main(["port", str(path), "--check"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith(f"--- a/{path}") and "+    @nt.checked" in captured.out
    assert "Encoder.outputs: SAME (as written: INCOMPATIBLE)" in captured.err
    assert path.read_text() == ENCODER
    assert main(["port", str(path), "--write"]) == 0
    assert "1 of 1 module(s) converted and written" in capsys.readouterr().err
    assert "@nt.checked" in path.read_text()


@pytest.mark.parametrize(("content", "says"), [(b"def (:\n", "not Python source"), (b"\xff\xfe", "not UTF-8")])
def test_cli_names_a_file_it_cannot_port(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes,
                                         says: str) -> None:
    path = tmp_path / "bad.py"
    path.write_bytes(content)
    assert main(["port", str(path)]) != 0
    err = capsys.readouterr().err
    assert str(path) in err and says in err and "Traceback" not in err


def test_the_before_and_after_of_the_porting_guide_are_what_port_does() -> None:
    page = (Path(__file__).resolve().parents[3] / "docs" / "porting-from-nemo.md").read_text()
    before = page.split("Before (NeMo 3.0's `ConvASRDecoder`, abridged):\n\n```text\n")[1].split("```")[0]
    after = page.split("After `neuraltypes port conv_asr.py --write`:\n\n```text\n")[1].split("```")[0]
    ported = port_source(before + "        return encoder_output\n").new_source.splitlines()
    shown = [line for line in after.splitlines() if line.strip() not in ("", "...")]
    assert [line for line in shown if line not in ported] == []
    assert not {"def input_types(self):", "def output_types(self):", "@typecheck()"} & {x.strip() for x in ported}


def test_the_port_nemo_modules_example_counts_modules_ports_and_what_stayed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import runpy

    (tmp_path / "encoder.py").write_text(ENCODER)
    (tmp_path / "reconstruction.py").write_text(RECONSTRUCTION)
    script = Path(__file__).resolve().parents[3] / "examples" / "nemo" / "port_nemo_modules.py"
    monkeypatch.setattr("sys.argv", [str(script), str(tmp_path / "encoder.py"), str(tmp_path / "reconstruction.py")])
    with pytest.raises(SystemExit) as exit_:
        runpy.run_path(str(script), run_name="__main__")
    out = capsys.readouterr().out
    assert exit_.value.code == 0
    assert "reconstruction.py: Reconstruction: converted in part; encoder_output SAME; kept: output_types chooses" in out
    assert out.splitlines()[-1].startswith("2 of 2 modules converted (1 in part); 5 of 5 converted ports compare SAME")
