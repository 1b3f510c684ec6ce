"""`neuraltypes inspect` and the subcommand table."""

from __future__ import annotations

import json
import subprocess
import sys

import torch
import yaml
from common_archive_helpers import nemo_members, write_tar
from neuraltypes_collections.common import TinyRegressor, TinyRegressorConfig
from neuraltypes_collections.common._cli import SUBCOMMANDS, main


def test_inspect_prints_contract_config_and_artifacts(tmp_path, capsys):
    model = TinyRegressor(TinyRegressorConfig(features=3, hidden=2))
    model.add_artifact("labels.txt", b"yes\nno\n")
    model.save_to(tmp_path / "tiny.nta")
    assert main(["inspect", str(tmp_path / "tiny.nta"), "--weights"]) == 0
    out = capsys.readouterr().out
    assert f"{tmp_path / 'tiny.nta'}: neuraltypes archive" in out
    assert "model: common.tiny_regressor" in out
    assert "parameters: 11 in 4 tensors" in out
    assert "contract:" in out
    assert "  features: 3\n  hidden: 2\n" in out
    assert "  labels.txt (7 bytes)" in out
    assert "  hidden.weight: F32 [2, 3]" in out


def test_inspect_json_matches_the_archive(tmp_path, capsys):
    TinyRegressor(TinyRegressorConfig()).save_to(tmp_path / "tiny.nta")
    assert main(["inspect", str(tmp_path / "tiny.nta"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["model"] == "common.tiny_regressor" and data["config"] == {"features": 4, "hidden": 16}
    assert data["weights"]["output.bias"] == {"dtype": "F32", "shape": [1]}


def test_inspect_nemo(tmp_path, capsys):
    path = write_tar(tmp_path / "m.nemo", nemo_members(artifacts={"ab_vocab.txt": b"abc"}))
    assert main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "nemo archive" in out and "model: nemo.collections.asr.models.ctc_models.EncDecCTCModel" in out
    assert "written by: nemo 3.0.0" in out and "ab_vocab.txt (3 bytes)" in out
    assert yaml.safe_load(out.split("config:\n", 1)[1].split("artifacts:", 1)[0])["sample_rate"] == 16000


def test_inspect_errors_are_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.nta"
    bad.write_bytes(b"garbage" * 100)
    assert main(["inspect", str(bad)]) == 1
    assert main(["inspect", str(tmp_path / "absent.nta")]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2
    assert err[0].startswith(f"neuraltypes inspect: {bad}: not a readable tar archive")
    assert err[1] == f"neuraltypes inspect: no such file: {tmp_path / 'absent.nta'}"


def test_usage_and_unknown_command(capsys):
    assert main([]) == 2
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in SUBCOMMANDS:
        assert name in out
    assert main(["frobnicate"]) == 2
    assert "unknown command 'frobnicate'; commands: inspect" in capsys.readouterr().err


def test_subcommand_table_entries_resolve():
    from neuraltypes_collections.common._cli import _load

    for name, (_, reference) in SUBCOMMANDS.items():
        assert callable(_load(reference)), name


def test_subcommand_table_is_lazy():
    for name, (summary, reference) in SUBCOMMANDS.items():
        module, _, function = reference.partition(":")
        assert summary and module.startswith("neuraltypes_collections.") and function.isidentifier(), name


def test_inspect_does_not_build_the_model_or_import_collections(tmp_path):
    torch.manual_seed(0)
    TinyRegressor(TinyRegressorConfig()).save_to(tmp_path / "tiny.nta")
    code = (
        "import sys\n"
        "from neuraltypes_collections.common._cli import main\n"
        f"assert main(['inspect', {str(tmp_path / 'tiny.nta')!r}]) == 0\n"
        "loaded = [m for m in sys.modules if m.startswith(('neuraltypes_collections.asr', 'neuraltypes_collections.tts',"
        " 'neuraltypes_collections.nlp', 'lightning'))]\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
