"""The CTranslate2 reader: the real tiny.en file, every dtype, and hostile files (truncated, corrupt, absurd)."""

from __future__ import annotations

import struct
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import torch
from neuraltypes_collections.asr.whisper import read_ctranslate2
from neuraltypes_collections.asr.whisper._ctranslate2 import dequantized
from neuraltypes_collections.common import ArchiveError
from whisper_helpers import ct2_bytes

VARIABLES = {
    "a/weight": np.arange(6, dtype=np.float32).reshape(2, 3),
    "a/bias": np.array([1.5, -2.0], dtype=np.float16),
    "q/weight": np.array([[2, -4], [10, 20]], dtype=np.int8),
    "q/weight_scale": np.array([2.0, 10.0], dtype=np.float32),
    "n/count": np.array(7, dtype=np.int32),
    "n/short": np.array([3, -3], dtype=np.int16),
}


def _write(tmp_path: Path, data: bytes, name: str = "model.bin") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_reads_every_dtype_and_alias(tmp_path: Path) -> None:
    path = _write(tmp_path, ct2_bytes(VARIABLES, {"tied/weight": "a/weight"}, spec="TestSpec"))
    weights = read_ctranslate2(path)
    assert (weights.spec, weights.revision) == ("TestSpec", 3)
    assert set(weights.variables) == {*VARIABLES, "tied/weight"}
    for name, array in VARIABLES.items():
        assert np.array_equal(weights.variables[name].numpy(), array), name
    assert weights.variables["tied/weight"] is weights.variables["a/weight"]
    assert torch.equal(dequantized(weights, "q/weight"), torch.tensor([[1.0, -2.0], [1.0, 2.0]]))
    assert dequantized(weights, "a/bias").dtype == torch.float32


def test_bfloat16_is_read_bit_for_bit(tmp_path: Path) -> None:
    values = torch.tensor([1.0, -0.5, 3.25], dtype=torch.bfloat16)
    data = bytearray(ct2_bytes({"b": values.view(torch.int16).numpy()}))
    data[data.index(b"b\0") + 2 + 1 + 4] = 5  # dtype byte after name, rank, one dim: int16 -> bfloat16
    weights = read_ctranslate2(_write(tmp_path, bytes(data)))
    assert torch.equal(weights.variables["b"], values)


def test_the_real_tiny_en_file(tiny_en_directory: Path) -> None:
    weights = read_ctranslate2(tiny_en_directory / "model.bin", spec="WhisperSpec")
    assert len(weights.variables) == 149  # 148 variables and the tied projection
    assert weights.variables["decoder/embeddings/weight"].shape == (51864, 384)
    assert weights.variables["decoder/projection/weight"] is weights.variables["decoder/embeddings/weight"]


@pytest.mark.parametrize("fraction", [0.0, 0.001, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.999])
def test_a_truncated_file_is_refused_naming_it(tmp_path: Path, fraction: float) -> None:
    data = ct2_bytes(VARIABLES, {"tied/weight": "a/weight"})
    path = _write(tmp_path, data[: int(len(data) * fraction)])
    with pytest.raises(ArchiveError, match=r"model\.bin.*truncated") as error:
        read_ctranslate2(path)
    assert error.value.code == "NT301"


def test_every_cut_is_refused(tmp_path: Path) -> None:
    data = ct2_bytes(VARIABLES, {"tied/weight": "a/weight"})
    for size in range(len(data)):
        with pytest.raises(ArchiveError):
            read_ctranslate2(_write(tmp_path, data[:size]))


def test_bad_version_spec_dtype_and_trailing_bytes(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="binary version 5, this reader knows version 6"):
        read_ctranslate2(_write(tmp_path, ct2_bytes(VARIABLES, version=5)))
    with pytest.raises(ArchiveError, match="binary version 1179403647"):  # an ELF file
        read_ctranslate2(_write(tmp_path, b"\x7fELF" + bytes(100)))
    with pytest.raises(ArchiveError, match="the model is a 'TransformerSpec', expected a 'WhisperSpec'"):
        read_ctranslate2(_write(tmp_path, ct2_bytes(VARIABLES, spec="TransformerSpec")), spec="WhisperSpec")
    data = bytearray(ct2_bytes({"x": np.zeros(2, np.float32)}))
    data[data.index(b"x\0") + 2 + 1 + 4] = 9
    with pytest.raises(
        ArchiveError, match=r"member 'x': unsupported dtype code 9; this reader knows 0 float32"
    ):
        read_ctranslate2(_write(tmp_path, bytes(data)))
    with pytest.raises(ArchiveError, match="3 unexpected bytes after the aliases"):
        read_ctranslate2(_write(tmp_path, ct2_bytes(VARIABLES) + b"abc"))
    with pytest.raises(ArchiveError, match="alias of the unknown variable 'nope'"):
        read_ctranslate2(_write(tmp_path, ct2_bytes(VARIABLES, {"t": "nope"})))
    with pytest.raises(ArchiveError, match="cannot read the CTranslate2 model"):
        read_ctranslate2(tmp_path / "missing.bin")


def _header(count: int) -> bytes:
    return struct.pack("<I", 6) + struct.pack("<H", 5) + b"Spec\0" + struct.pack("<II", 3, count)


def test_absurd_sizes_allocate_nothing(tmp_path: Path) -> None:
    name = struct.pack("<H", 2) + b"x\0"
    hostile = {
        "variable count": _header(2**32 - 1),
        "byte count": _header(1) + name + struct.pack("<BI", 1, 2**30) + struct.pack("<BI", 0, 2**32 - 4),
        "shape": _header(1) + name + struct.pack("<B4I", 4, *(2**32 - 1,) * 4) + struct.pack("<BI", 0, 16),
        "rank": _header(1) + name + struct.pack("<B", 200),
        "name length": _header(1) + struct.pack("<H", 65535) + b"x",
    }
    tracemalloc.start()
    try:
        for what, data in hostile.items():
            with pytest.raises(ArchiveError):
                read_ctranslate2(_write(tmp_path, data + bytes(64), f"{what}.bin"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10 * 2**20


def test_int8_without_scale_is_refused(tmp_path: Path) -> None:
    weights = read_ctranslate2(_write(tmp_path, ct2_bytes({"q/weight": np.ones((2, 2), np.int8)})))
    with pytest.raises(ArchiveError, match=r"member 'q/weight': torch.int8 weight without a q/weight_scale"):
        dequantized(weights, "q/weight")
