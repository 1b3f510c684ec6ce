"""A save killed with SIGKILL half-way leaves the previous archive intact and loadable."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest
import torch
from neuraltypes_collections.common import NeuralModel, TinyRegressor, TinyRegressorConfig

# The child saves a different model over the same path, with tarfile's copy loop slowed down so that the
# parent can kill it while the archive is half written. It prints "writing" once bytes are on disk.
CHILD = textwrap.dedent(
    """
    import sys, tarfile, time
    import torch
    from neuraltypes_collections.common import TinyRegressor, TinyRegressorConfig

    def slow_copy(source, destination, length=None, exception=OSError, bufsize=None):
        announced = False
        while length:
            block = source.read(min(length, 1024))
            destination.write(block)
            destination.flush()
            length -= len(block)
            if not announced:
                print("writing", flush=True)
                announced = True
            time.sleep(0.05)

    tarfile.copyfileobj = slow_copy
    torch.manual_seed(1)
    TinyRegressor(TinyRegressorConfig(features=8, hidden=64)).save_to(sys.argv[1])
    print("finished", flush=True)
    """
)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL is POSIX-only")
def test_sigkill_mid_save_keeps_previous_archive(tmp_path):
    path = tmp_path / "model.nta"
    torch.manual_seed(0)
    previous = TinyRegressor(TinyRegressorConfig(features=8, hidden=32))
    previous.save_to(path)
    before = path.read_bytes()

    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        line = child.stdout.readline()  # type: ignore[union-attr]
        assert line.strip() == "writing", child.stderr.read()  # type: ignore[union-attr]
        partial = list(tmp_path.glob(".model.nta.*.tmp"))
        assert len(partial) == 1 and partial[0].stat().st_size > 0  # the new archive is half written
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL

    assert path.read_bytes() == before
    restored = NeuralModel.restore_from(path)
    assert restored.config == TinyRegressorConfig(features=8, hidden=32)
    features = torch.randn(5, 8)
    assert torch.equal(restored(features), previous.eval()(features))

    # A later save over the same path still works; the stale temporary file is ignored by loading.
    TinyRegressor(TinyRegressorConfig(features=8, hidden=16)).save_to(path)
    assert NeuralModel.restore_from(path).config.hidden == 16


def test_failed_save_removes_its_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "model.nta"
    TinyRegressor(TinyRegressorConfig()).save_to(path)
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        TinyRegressor(TinyRegressorConfig(hidden=3)).save_to(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.nta"]
