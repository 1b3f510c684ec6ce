"""Pieces of one inference call side by side (`common._threads`): each worker at one intra-op thread, results in
order, the caller's thread count and grad mode respected, windows that cover every step once and give the
computation of the whole; glibc keeping freed memory."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest
import torch
import torch.nn.functional as F
from neuraltypes_collections.common._threads import (
    fill_by_windows,
    map_pieces,
    per_thread,
    run_alone,
    side_by_side,
    time_windows,
)


@pytest.fixture
def two_threads() -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def _where() -> tuple[str, int, bool]:
    return threading.current_thread().name, torch.get_num_threads(), torch.is_inference_mode_enabled()


def test_pieces_run_on_workers_at_one_thread_each(two_threads: None) -> None:
    caller = threading.current_thread().name
    with torch.inference_mode():
        seen = map_pieces(lambda i: (i, *_where()), range(6))
    assert [s[0] for s in seen] == list(range(6))  # in order
    assert all(name != caller and name.startswith("neuraltypes-piece") for _, name, _, _ in seen)
    assert {threads for _, _, threads, _ in seen} == {1}
    assert all(inference for *_, inference in seen)  # the caller's mode, carried over
    assert torch.get_num_threads() == 2  # the caller's count is left as it was
    fresh: list[int] = []
    thread = threading.Thread(target=lambda: fresh.append(torch.get_num_threads()))
    thread.start()
    thread.join()
    assert fresh == [2]  # and so is that of threads made later


def test_pieces_stay_in_the_caller_while_autograd_records_or_at_one_thread(two_threads: None) -> None:
    caller = threading.current_thread().name
    assert side_by_side() == 1  # grad is on here
    assert {name for name, _, _ in map_pieces(lambda _: _where(), range(3))} == {caller}
    with torch.no_grad():
        assert side_by_side() == side_by_side(torch.zeros(1)) == 2
        assert side_by_side(torch.zeros(1, device="meta")) == 1  # off the CPU: one piece at a time
        assert per_thread(9) == 5 and per_thread(9, torch.zeros(1, device="meta")) == 9
        torch.set_num_threads(1)
        assert side_by_side() == 1
        assert {name for name, _, _ in map_pieces(lambda _: _where(), range(3))} == {caller}


def test_a_piece_does_not_split_again(two_threads: None) -> None:
    with torch.no_grad():
        inner = map_pieces(lambda _: (side_by_side(), map_pieces(lambda j: j * 2, range(4))), range(2))
        alone = run_alone(_where)
        off_the_cpu = run_alone(_where, torch.zeros(1, device="meta"))
    assert inner == [(1, [0, 2, 4, 6])] * 2  # no deadlock: the pieces' pieces run where they are
    assert alone[0].startswith("neuraltypes-piece") and alone[1] == 1
    assert off_the_cpu[0] == threading.current_thread().name


@pytest.mark.parametrize("same_width", [True, False])
@pytest.mark.parametrize(("length", "chunk", "halo"), [(100, 16, 5), (97, 30, 0), (40, 64, 3), (33, 11, 11)])
def test_windows_cover_every_step_once_with_their_halo(length: int, chunk: int, halo: int, same_width: bool) -> None:
    windows = time_windows(length, chunk, halo, same_width=same_width)
    assert [i for start, stop, _, _ in windows for i in range(start, stop)] == list(range(length))
    for start, stop, low, high in windows:
        assert 0 <= low <= start and stop <= high <= length
        assert start - low >= min(halo, start) and high - stop >= min(halo, length - stop)
        if not same_width:  # no wider than the halo asks
            assert start - low == min(halo, start) and high - stop == min(halo, length - stop)
    if same_width:
        assert len({high - low for _, _, low, high in windows}) == 1


def test_filled_by_windows_is_the_whole_computation(two_threads: None) -> None:
    torch.manual_seed(0)
    x, weight = torch.randn(2, 3, 200), torch.randn(4, 3, 9)

    def conv(signal: torch.Tensor) -> torch.Tensor:  # reaches 4 steps either side; 2 outputs a step
        return F.conv1d(signal, weight, padding=4).repeat_interleave(2, dim=-1)

    whole = conv(x)
    with torch.no_grad():
        windowed = fill_by_windows(torch.empty_like(whole), lambda lo, hi: conv(x[..., lo:hi]), 32, 4, scale=2)
        short = fill_by_windows(torch.empty_like(whole), lambda lo, hi: conv(x[..., lo:hi]), 32, 2, scale=2)
    assert (windowed - whole).abs().max() <= 1e-5
    assert (short - whole).abs().max() > 1e-2  # a halo short of the reach shows at the edges


_FAULTS = """
import resource, sys, torch
from neuraltypes_collections.common._threads import keep_freed_memory
from neuraltypes_collections.tts.modules._vits import Decoder, VitsConfig
if sys.argv[1] == "keep":
    keep_freed_memory()
torch.set_num_threads(1)
torch.manual_seed(0)
decoder = Decoder(VitsConfig()).eval()
faults = []
with torch.inference_mode():
    for frames in (300, 150, 300, 150, 300, 150):  # sentences of two lengths, one after the other
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        decoder(torch.randn(1, 192, frames))
        faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
print(sum(faults[2:]))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt is glibc's")
def test_kept_memory_spares_each_call_its_page_faults() -> None:
    """Without `keep_freed_memory`, glibc maps a VITS decoder's large blocks afresh at every call (measured here:
    ~9,000-21,000 page faults a call); with it, next to none once each length has been seen."""

    def faults(mode: str) -> int:
        run = subprocess.run([sys.executable, "-c", _FAULTS, mode], capture_output=True, text=True, check=True)
        return int(run.stdout.split()[-1])

    kept, default = faults("keep"), faults("default")
    assert default > 20_000 and kept * 10 < default, (kept, default)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX's")
def test_a_forked_child_makes_its_own_workers(two_threads: None) -> None:
    """A child forked after the pool exists (a DataLoader worker, say) has none of its threads: it must make its
    own instead of waiting forever on the parent's."""
    with torch.no_grad():
        map_pieces(lambda i: i, range(2))  # the parent's pool exists now
    pid = os.fork()
    if pid == 0:  # the child: answer within the parent's timeout, or be killed
        with torch.no_grad():
            ok = map_pieces(lambda i: i * 2, range(4)) == [0, 2, 4, 6]
        os._exit(0 if ok else 1)
    for _ in range(200):
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.05)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        pytest.fail("the forked child's pieces never ran")
    assert os.waitstatus_to_exitcode(status) == 0
