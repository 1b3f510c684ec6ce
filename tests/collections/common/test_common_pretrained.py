"""The pretrained registry: index files, cache, checksums, and the offline one-line error."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import urllib.error
import urllib.request

import neuraltypes_collections.common as common
import pytest
import torch
from neuraltypes_collections.common import (
    ArchiveError,
    ConfigError,
    ModelNotAvailableError,
    PretrainedEntry,
    TinyRegressor,
    TinyRegressorConfig,
    UnknownModelError,
)

URL = "https://models.invalid/tiny.nta"


@pytest.fixture
def archive(tmp_path):
    torch.manual_seed(0)
    model = TinyRegressor(TinyRegressorConfig(features=3, hidden=5))
    path = tmp_path / "store" / "tiny.nta"
    path.parent.mkdir()
    model.save_to(path)
    return model, path, hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("NEURALTYPES_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("NEURALTYPES_REGISTRY", raising=False)
    monkeypatch.delenv("NEURALTYPES_OFFLINE", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)


def _index(tmp_path, entries, name="index.json"):
    path = tmp_path / name
    path.write_text(json.dumps({"models": entries}))
    return path


def _entry(name, location, sha256, description="a tiny regressor"):
    return {
        "name": name,
        "description": description,
        "location": location,
        "sha256": sha256,
        "class": "common.tiny_regressor",
    }


def _no_network(monkeypatch):
    calls = []

    def refuse(*args, **kwargs):
        calls.append(args)
        raise urllib.error.URLError(OSError(101, "Network is unreachable"))

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    return calls


def test_local_relative_and_file_url_locations(tmp_path, archive, monkeypatch):
    model, path, digest = archive
    calls = _no_network(monkeypatch)
    index = _index(
        tmp_path, [_entry("relative", "store/tiny.nta", digest), _entry("url", path.as_uri(), digest)]
    )
    names = [entry.name for entry in common.list_available_models(index)]
    assert {"relative", "url"} <= set(names)
    for name in ("relative", "url"):
        restored = common.from_pretrained(name, index=index)
        features = torch.randn(4, 3)
        assert torch.equal(restored(features), model.eval()(features))
    assert calls == []


def test_registry_env_var_points_at_a_company_index(tmp_path, archive, monkeypatch):
    _, _, digest = archive
    index = _index(tmp_path, [_entry("company-tiny", "store/tiny.nta", digest)])
    monkeypatch.setenv("NEURALTYPES_REGISTRY", str(index))
    assert "company-tiny" in [entry.name for entry in common.list_available_models()]
    assert isinstance(common.from_pretrained("company-tiny"), TinyRegressor)


def test_cached_file_is_used_without_network(tmp_path, archive, monkeypatch):
    _, path, digest = archive
    calls = _no_network(monkeypatch)
    cached = tmp_path / "cache" / digest / "tiny.nta"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(path.read_bytes())
    index = _index(tmp_path, [_entry("remote", URL, digest)])
    assert isinstance(common.from_pretrained("remote", index=index), TinyRegressor)
    assert common.pretrained_file(common.load_index(index)[0]) == cached
    assert calls == []


def test_offline_error_is_one_line_with_one_attempt(tmp_path, archive, monkeypatch):
    _, _, digest = archive
    calls = _no_network(monkeypatch)
    index = _index(tmp_path, [_entry("remote", URL, digest)])
    with pytest.raises(ModelNotAvailableError) as info:
        common.from_pretrained("remote", index=index)
    message = str(info.value)
    expected = (
        "pretrained model 'remote' is not in the cache and cannot be downloaded ([Errno 101] Network is unreachable); "
        f"download {URL} elsewhere and copy it to {tmp_path / 'cache' / digest / 'tiny.nta'} (or set NEURALTYPES_CACHE)"
    )
    assert message == expected
    assert "\n" not in message
    assert info.value.__cause__ is None and info.value.__suppress_context__  # no chained download trace
    assert len(calls) == 1  # no retry storm
    assert not (tmp_path / "cache" / digest).exists() or not any((tmp_path / "cache" / digest).iterdir())


def test_offline_env_var_never_touches_the_network(tmp_path, archive, monkeypatch):
    _, _, digest = archive
    calls = _no_network(monkeypatch)
    monkeypatch.setenv("NEURALTYPES_OFFLINE", "1")
    index = _index(tmp_path, [_entry("remote", URL, digest)])
    with pytest.raises(
        ModelNotAvailableError,
        match=r"^pretrained model 'remote' is not in the cache and NEURALTYPES_OFFLINE is set; download ",
    ):
        common.from_pretrained("remote", index=index)
    assert calls == []


def test_download_goes_to_the_cache_and_is_verified(tmp_path, archive, monkeypatch):
    model, path, digest = archive
    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout: open(path, "rb"))
    index = _index(
        tmp_path, [_entry("remote", URL, digest), _entry("bad", URL.replace("tiny", "bad/tiny"), "0" * 64)]
    )
    restored = common.from_pretrained("remote", index=index)
    assert (tmp_path / "cache" / digest / "tiny.nta").read_bytes() == path.read_bytes()
    assert restored.config == model.config
    with pytest.raises(ArchiveError, match=r"sha256 is [0-9a-f]{64}, the registry entry 'bad' expects 0{64}"):
        common.from_pretrained("bad", index=index)
    assert not (tmp_path / "cache" / ("0" * 64) / "tiny.nta").exists()  # a bad download is not kept


def test_wrong_checksum_of_a_local_file(tmp_path, archive):
    _, _, digest = archive
    index = _index(tmp_path, [_entry("tiny", "store/tiny.nta", "f" * 64)])
    with pytest.raises(ArchiveError, match="expects f{64}; the file is corrupted"):
        common.from_pretrained("tiny", index=index)


def test_missing_local_file(tmp_path):
    index = _index(tmp_path, [_entry("gone", "store/gone.nta", "a" * 64)])
    with pytest.raises(
        ModelNotAvailableError, match=r"needs the file .*store/gone\.nta, which does not exist"
    ):
        common.from_pretrained("gone", index=index)


def test_unknown_name_lists_available(tmp_path, archive):
    index = _index(tmp_path, [_entry("tiny", "store/tiny.nta", archive[2])])
    with pytest.raises(UnknownModelError, match=r"no pretrained model named 'nope'; available: .*tiny"):
        common.from_pretrained("nope", index=index)


def test_class_mismatch(tmp_path, archive):
    entry = _entry("tiny", "store/tiny.nta", archive[2])
    entry["class"] = "common.nothing_like_it"
    with pytest.raises(UnknownModelError, match="no model class is registered as 'common.nothing_like_it'"):
        common.from_pretrained("tiny", index=_index(tmp_path, [entry]))


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"name": "x", "location": "a", "sha256": "0" * 64, "class": "c"}, "lacks description"),
        ({**_entry("x", "a", "0" * 64), "extra": 1}, "has unknown keys extra"),
        (_entry("x", "a", "1234"), "sha256 must be 64 hex digits"),
        (_entry("x", "ftp://host/a.nta", "0" * 64), "must be a path, file:// or https:// URL"),
    ],
)
def test_bad_index_entries(tmp_path, entry, message):
    with pytest.raises(ConfigError, match=message):
        common.load_index(_index(tmp_path, [entry]))


def test_cache_dir_override(monkeypatch, tmp_path):
    monkeypatch.setenv("NEURALTYPES_CACHE", str(tmp_path / "elsewhere"))
    assert common.cache_dir() == tmp_path / "elsewhere"
    monkeypatch.delenv("NEURALTYPES_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert common.cache_dir() == tmp_path / "xdg" / "neuraltypes"


def test_entry_is_frozen_and_normalises_digest():
    entry = PretrainedEntry("n", "d", "/x.nta", "A" * 64, "common.tiny_regressor")
    assert entry.sha256 == "a" * 64 and entry.file_name == "x.nta"


def test_cli_offline_error_is_one_line_without_traceback(tmp_path, archive):
    """With sockets blocked in a fresh process, `neuraltypes fetch` prints exactly one line on stderr."""
    _, _, digest = archive
    index = _index(tmp_path, [_entry("remote", URL, digest)])
    code = (
        "import socket, sys\n"
        "def blocked(*a, **k): raise OSError(101, 'Network is unreachable')\n"
        "socket.socket.connect = blocked; socket.getaddrinfo = blocked; socket.create_connection = blocked\n"
        "from neuraltypes_collections.common._cli import main\n"
        f"sys.exit(main(['fetch', 'remote', '--index', {str(index)!r}]))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(
        "neuraltypes fetch: pretrained model 'remote' is not in the cache and cannot be downloaded ("
    )
    assert lines[0].endswith("(or set NEURALTYPES_CACHE)")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("name", ["../../escape", "a/b", "", ".hidden"])
def test_entry_names_cannot_become_paths(name):
    with pytest.raises(ConfigError, match="must be non-empty, without"):
        PretrainedEntry(name, "d", "https://host/", "a" * 64, "common.tiny_regressor")


def test_remote_location_without_file_name_stays_in_the_cache(tmp_path, monkeypatch):
    entry = PretrainedEntry("plain", "d", "https://host/models/..", "a" * 64, "common.tiny_regressor")
    assert entry.file_name == "plain.nta"
    _no_network(monkeypatch)
    with pytest.raises(ModelNotAvailableError, match=r"copy it to .*/cache/a{64}/plain\.nta"):
        common.pretrained_file(entry)


def test_from_pretrained_with_an_index_does_not_import_collections(tmp_path, archive):
    _, _, digest = archive
    index = _index(tmp_path, [_entry("tiny", "store/tiny.nta", digest)])
    code = (
        "import sys\n"
        "from neuraltypes_collections.common import from_pretrained\n"
        f"from_pretrained('tiny', index={str(index)!r})\n"
        "loaded = [m for m in sys.modules if m.startswith(('neuraltypes_collections.asr', 'neuraltypes_collections.nlp', 'neuraltypes_collections.tts'))]\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
