"""Hostile inputs: each gives a clear error, executes nothing and writes nothing."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tarfile
from pathlib import Path

import neuraltypes_collections.common as common
import pytest
from common_archive_helpers import nemo_members, torch_bytes, write_tar
from neuraltypes_collections.common import (
    ArchiveError,
    ConfigError,
    SizeLimits,
    TinyRegressor,
    TinyRegressorConfig,
)
from neuraltypes_collections.common._archive import archive_members


class _Payload:
    """Unpickling this runs ``touch MARKER``: the attack that weights_only loading must stop."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (os.system, (f"touch {self.marker}",))


def _snapshot(root: Path) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*")}


@pytest.fixture
def guarded(tmp_path):
    """Asserts that the block wrote nothing in tmp_path (apart from what the test made before)."""

    class Guard:
        def __enter__(self) -> None:
            self.before = _snapshot(tmp_path)

        def __exit__(self, *exc: object) -> None:
            assert _snapshot(tmp_path) == self.before

    return Guard()


def _our_archive(
    tmp_path: Path, name: str = "model.nta", *, edit=None, fix_checksums: bool = True, extra=()
) -> Path:
    members = archive_members(TinyRegressor(TinyRegressorConfig()))
    if edit:
        members.update(edit)
    if fix_checksums:
        manifest = json.loads(members["neuraltypes.json"])
        manifest["files"] = {
            key: {"sha256": hashlib.sha256(value).hexdigest(), "size": len(value)}
            for key, value in members.items()
            if key != "neuraltypes.json"
        }
        members["neuraltypes.json"] = json.dumps(manifest).encode()
    return write_tar(tmp_path / name, [*members.items(), *extra])


def _link(name: str, kind: bytes, target: str = "/etc/passwd") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info


# ----------------------------------------------------------------------------- unsafe member names and types


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("../evil.txt", r"member '\.\./evil\.txt': the name contains '\.\.' \(path traversal\)"),
        ("./sub/../../evil.txt", r"contains '\.\.' \(path traversal\)"),
        ("/tmp/evil.txt", r"member '/tmp/evil\.txt': absolute member path"),
        ("..\\evil.txt", r"backslash"),
    ],
)
@pytest.mark.parametrize("kind", ["nemo", "neuraltypes"])
def test_path_traversal_and_absolute_names(tmp_path, guarded, name, message, kind):
    if kind == "nemo":
        path = write_tar(tmp_path / "m.nemo", [*nemo_members(), (name, b"owned")])
    else:
        path = _our_archive(tmp_path, fix_checksums=False, extra=[(name, b"owned")])
    with guarded, pytest.raises(ArchiveError, match=message):
        common.restore_from(path)
    assert not (tmp_path.parent / "evil.txt").exists()


@pytest.mark.parametrize(
    ("member", "message"),
    [
        (_link("./model_weights.ckpt", tarfile.SYMTYPE), "is a symbolic link; only regular files"),
        (_link("./vocab.txt", tarfile.LNKTYPE, "./model_config.yaml"), "is a hard link"),
        (_link("./null", tarfile.CHRTYPE), "is a device"),
        (_link("./fifo", tarfile.FIFOTYPE), "is a FIFO"),
    ],
)
def test_links_and_devices_are_refused(tmp_path, guarded, member, message):
    path = write_tar(tmp_path / "m.nemo", [*nemo_members(), member])
    with guarded, pytest.raises(ArchiveError, match=message):
        common.read_nemo(path)


def test_symlink_in_our_archive(tmp_path, guarded):
    path = _our_archive(tmp_path, fix_checksums=False, extra=[_link("artifacts/vocab.txt", tarfile.SYMTYPE)])
    with guarded, pytest.raises(ArchiveError, match=r"member 'artifacts/vocab\.txt': is a symbolic link"):
        common.restore_from(path)


def test_duplicate_member_is_refused(tmp_path):
    members = nemo_members()
    path = write_tar(tmp_path / "m.nemo", [*members, ("model_config.yaml", b"target: os.system\n")])
    with pytest.raises(ArchiveError, match="appears twice"):
        common.read_nemo(path)


# ------------------------------------------------------------------------------------------------ pickles


@pytest.mark.parametrize("container", ["torch.save", "raw pickle"])
def test_pickle_payload_in_nemo_weights_executes_nothing(tmp_path, guarded, container):
    marker = tmp_path / "pwned"
    payload = torch_bytes(_Payload(marker)) if container == "torch.save" else pickle.dumps(_Payload(marker))
    members = [nemo_members()[0], ("./model_weights.ckpt", payload)]
    path = write_tar(tmp_path / "m.nemo", members)
    with guarded, pytest.raises(ArchiveError, match=r"model_weights\.ckpt'.*(pickle payload|cannot be read)"):
        common.restore_from(path)
    assert not marker.exists()


def test_pickle_payload_in_nemo_weights_message(tmp_path):
    members = [nemo_members()[0], ("./model_weights.ckpt", torch_bytes(_Payload(tmp_path / "pwned")))]
    with pytest.raises(
        ArchiveError, match=r"holds a pickle payload that is not plain tensors.*nothing was executed"
    ):
        common.read_nemo(write_tar(tmp_path / "m.nemo", members))
    assert not (tmp_path / "pwned").exists()


def test_pickle_instead_of_safetensors_executes_nothing(tmp_path, guarded):
    marker = tmp_path / "pwned"
    path = _our_archive(tmp_path, edit={"weights.safetensors": torch_bytes(_Payload(marker))})
    with (
        guarded,
        pytest.raises(ArchiveError, match=r"member 'weights\.safetensors': not a valid safetensors file"),
    ):
        common.restore_from(path)
    assert not marker.exists()


def test_member_outside_the_manifest_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    path = _our_archive(tmp_path, fix_checksums=False, extra=[("weights.pt", torch_bytes(_Payload(marker)))])
    with pytest.raises(ArchiveError, match=r"member 'weights\.pt': is not listed in the manifest"):
        common.restore_from(path)
    assert not marker.exists()


# --------------------------------------------------------------------------------- truncation and checksums


@pytest.mark.parametrize("member", ["neuraltypes.json", "config.yaml", "weights.safetensors"])
@pytest.mark.parametrize("where", ["header", "data"])
def test_truncated_archive(tmp_path, member, where):
    TinyRegressor(TinyRegressorConfig(hidden=256)).save_to(tmp_path / "whole.nta")
    data = (tmp_path / "whole.nta").read_bytes()
    with tarfile.open(tmp_path / "whole.nta") as tar:
        info = tar.getmember(member)
    end = info.offset + 100 if where == "header" else info.offset_data + info.size // 2
    cut = tmp_path / "cut.nta"
    cut.write_bytes(data[:end])
    with pytest.raises(ArchiveError, match=r"cut\.nta.*(truncated|corrupted|missing)"):
        common.restore_from(cut)


def test_truncated_tar_gz_nemo(tmp_path):
    whole = write_tar(tmp_path / "whole.nemo", nemo_members(), gz=True)
    cut = tmp_path / "cut.nemo"
    cut.write_bytes(whole.read_bytes()[:-200])
    with pytest.raises(ArchiveError, match=r"cut\.nemo.*(truncated|corrupted)"):
        common.read_nemo(cut)


def test_not_an_archive(tmp_path):
    path = tmp_path / "noise.nta"
    path.write_bytes(os.urandom(4096))
    with pytest.raises(
        ArchiveError,
        match=r"noise\.nta: not a readable tar archive \(.*\); the file is truncated or corrupted$",
    ):
        common.restore_from(path)


def test_wrong_checksum(tmp_path, guarded):
    path = tmp_path / "model.nta"
    TinyRegressor(TinyRegressorConfig()).save_to(path)
    data = bytearray(path.read_bytes())
    with tarfile.open(path) as tar:
        info = tar.getmember("weights.safetensors")
    data[info.offset_data + info.size - 1] ^= 0xFF  # flip a bit in the last weight
    path.write_bytes(bytes(data))
    with guarded, pytest.raises(ArchiveError, match=r"member 'weights\.safetensors': checksum mismatch"):
        common.restore_from(path)
    with pytest.raises(ArchiveError, match="checksum mismatch"):
        common.inspect_archive(path)


def test_newer_format_version(tmp_path):
    members = archive_members(TinyRegressor(TinyRegressorConfig()))
    manifest = json.loads(members["neuraltypes.json"])
    manifest["version"] = 99
    members["neuraltypes.json"] = json.dumps(manifest).encode()
    path = write_tar(tmp_path / "m.nta", list(members.items()))
    with pytest.raises(ArchiveError, match="format version 99 is newer than this library reads"):
        common.restore_from(path)


# ------------------------------------------------------------------------------------------------- sizes


def test_oversized_member(tmp_path, guarded):
    path = write_tar(tmp_path / "m.nemo", [*nemo_members(), ("./big.bin", b"\0" * 5000)])
    with (
        guarded,
        pytest.raises(
            ArchiveError, match=r"member '\./big\.bin': is 5000 bytes, over the limit of 4096 bytes"
        ),
    ):
        common.read_nemo(path, limits=SizeLimits(max_member_bytes=4096))


def test_total_size_limit(tmp_path):
    path = write_tar(
        tmp_path / "m.nemo", [*nemo_members(), *[(f"./part{i}", b"\0" * 1000) for i in range(5)]]
    )
    with pytest.raises(ArchiveError, match="add up to more than 4000 bytes"):
        common.read_nemo(path, limits=SizeLimits(max_total_bytes=4000))


def test_member_count_limit(tmp_path):
    path = write_tar(tmp_path / "m.nemo", [*nemo_members(), *[(f"./f{i}", b"") for i in range(20)]])
    with pytest.raises(ArchiveError, match="more than 10 members"):
        common.read_nemo(path, limits=SizeLimits(max_members=10))


def test_restore_from_passes_limits(tmp_path):
    TinyRegressor(TinyRegressorConfig(hidden=64)).save_to(tmp_path / "m.nta")
    with pytest.raises(ArchiveError, match=r"'weights\.safetensors': is \d+ bytes, over the limit"):
        common.restore_from(tmp_path / "m.nta", limits=SizeLimits(max_member_bytes=1000))


# ------------------------------------------------------------------------------------------ YAML _target_


def test_target_outside_allow_list_in_our_config(tmp_path, guarded):
    config = b"features: 4\nhidden: 16\nhook:\n  _target_: os.system\n  command: touch pwned\n"
    path = _our_archive(tmp_path, edit={"config.yaml": config})
    with (
        guarded,
        pytest.raises(
            ConfigError,
            match=r"config\.yaml\.hook: _target_ 'os\.system' is not in the allow-list; nothing was imported",
        ),
    ):
        common.restore_from(path)


def test_target_outside_allow_list_in_nemo_config(tmp_path, guarded):
    config = {
        "target": "nemo.collections.asr.models.ctc_models.EncDecCTCModel",
        "preprocessor": {"_target_": "builtins.exec", "source": "open('pwned', 'w')"},
    }
    path = write_tar(tmp_path / "m.nemo", nemo_members(config=config))
    with (
        guarded,
        pytest.raises(
            ArchiveError, match=r"model_config\.yaml'.*_target_ 'builtins\.exec' is not in the allow-list"
        ),
    ):
        common.read_nemo(path)


def test_nemo_target_class_outside_nemo(tmp_path):
    path = write_tar(tmp_path / "m.nemo", nemo_members(config={"target": "subprocess.Popen"}))
    with pytest.raises(ArchiveError, match=r"target 'subprocess\.Popen' is not a NeMo class"):
        common.read_nemo(path)


@pytest.mark.parametrize("kind", ["nemo", "neuraltypes"])
def test_yaml_python_tags_are_not_constructed(tmp_path, guarded, kind):
    marker = tmp_path / "pwned"
    config = f"target: nemo.collections.asr.models.X\nx: !!python/object/apply:os.system ['touch {marker}']\n".encode()
    if kind == "nemo":
        path = write_tar(tmp_path / "m.nemo", [("model_config.yaml", config), nemo_members()[1]])
        expected = ArchiveError
    else:
        path = _our_archive(tmp_path, edit={"config.yaml": config})
        expected = ConfigError
    with guarded, pytest.raises(expected, match="not valid YAML"):
        common.restore_from(path)
    assert not marker.exists()


def test_unknown_config_key_is_refused(tmp_path):
    path = _our_archive(tmp_path, edit={"config.yaml": b"features: 4\nhiden: 3\n"})
    with pytest.raises(
        ConfigError, match=r"unknown key\(s\) 'hiden' for TinyRegressorConfig; valid keys: features, hidden"
    ):
        common.restore_from(path)


def test_nothing_is_extracted_even_on_success(tmp_path, guarded):
    TinyRegressor(TinyRegressorConfig()).save_to(tmp_path / "ok.nta")
    guarded.__enter__()
    common.restore_from(tmp_path / "ok.nta")
    common.inspect_archive(tmp_path / "ok.nta")
    guarded.__exit__()


def test_in_memory_reader_never_calls_extract(tmp_path, monkeypatch):
    def forbidden(*args, **kwargs):  # pragma: no cover - would fail the test
        raise AssertionError("extract/extractall must never be called")

    monkeypatch.setattr(tarfile.TarFile, "extractall", forbidden)
    monkeypatch.setattr(tarfile.TarFile, "extract", forbidden)
    TinyRegressor(TinyRegressorConfig()).save_to(tmp_path / "ok.nta")
    common.restore_from(tmp_path / "ok.nta")
    common.read_nemo(write_tar(tmp_path / "m.nemo", nemo_members()))


def test_a_nemo_config_missing_a_required_key_is_named_not_a_key_error(tmp_path):
    # the minimal CTC config has no encoder.jasper (the layer list every ConvASREncoder needs)
    import neuraltypes_collections.asr  # noqa: F401  (registers the CTC importer)
    from neuraltypes_collections.common import NemoImportError

    path = write_tar(tmp_path / "m.nemo", nemo_members())
    with pytest.raises(NemoImportError, match=r"m\.nemo: the config has no 'jasper' key, which the .*EncDecCTCModel importer needs"):
        common.restore_from(path)
