"""ASR inference speed: neuraltypes' CTCModel vs NeMo's EncDecCTCModel on the same `.nemo` weights and audio.

    python benchmarks/asr_inference.py --nemo-python /path/to/nemo-venv/bin/python
    python benchmarks/asr_inference.py --nemo-python ... --model model.nemo --audio ../shared/data/real-speech/audio

NeMo is not a dependency of this project: `--nemo-python` is the interpreter of a side environment where
`nemo-toolkit` is installed. One way to make one that reuses this environment's torch:

    python -m venv /tmp/nemo-venv
    echo "$(python -c 'import site; print(site.getsitepackages()[0])')" > /tmp/nemo-venv/lib/python3.11/site-packages/main.pth
    /tmp/nemo-venv/bin/pip install "nemo-toolkit[asr]==3.0.0"      # or --no-deps plus the modules it asks for

Both sides run the same 60 s of audio, cut into 8 clips of 5.5-10 s: once one clip at a time (batch 1) and once as
one padded batch (batch 8), plus the mel front-end alone on the batch, and batch 8 on the exact (bit-for-bit NeMo)
path. Each timing is the best of `--repeats` runs
(NeMo and neuraltypes interleaved, after a warm-up), in seconds of wall time per second of audio, with `--threads` torch threads on both sides. The
outputs agree when every clip's greedy transcript is identical and the log-probabilities inside the valid frames
differ by at most 1e-4 (the parity tolerance). Bit-for-bit identity is no property of NeMo's own outputs: the table
also prints how far NeMo's log-probs for a clip alone differ from the same clip inside the batch (~1e-5). The last
line is machine-readable:

    asr_speedup b1=<x> b8=<x> features=<x> outputs_equal=<true|false>
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MODEL = ROOT / "tests" / "collections" / "asr" / "fixtures" / "quartznet5x1_small" / "model.nemo"
DEFAULT_AUDIO = [ROOT.parent / "shared" / "data" / "real-speech" / "audio", ROOT / "tests" / "collections" / "asr" / "fixtures" / "speech" / "audio"]
CLIP_SECONDS = (9.0, 6.5, 8.0, 5.5, 7.0, 10.0, 6.0, 8.0)  # 60 s in all
SAMPLE_RATE = 16000

NEMO_RUNNER = r"""
import json, sys, time
import numpy as np, torch
args = json.loads(sys.argv[1])
torch.set_num_threads(args["threads"])
from nemo.collections.asr.models import EncDecCTCModel
import nemo
model = EncDecCTCModel.restore_from(args["model"], map_location="cpu").eval()
data = np.load(args["audio"])
audio, lengths = torch.from_numpy(data["audio"]), torch.from_numpy(data["lengths"])
runs = {
    "b1": lambda: [model(input_signal=audio[i:i+1, :int(n)], input_signal_length=lengths[i:i+1]) for i, n in enumerate(lengths)],
    "b8": lambda: model(input_signal=audio, input_signal_length=lengths),
    "features": lambda: model.preprocessor(input_signal=audio, length=lengths),
}
with torch.inference_mode():
    for run in runs.values():
        run()
    log_probs, encoded_lengths, _ = runs["b8"]()
    singles = [out[0][0] for out in runs["b1"]()]
    np.savez(args["out"], log_probs=log_probs.numpy(), encoded_lengths=encoded_lengths.numpy(),
             **{f"single_{i}": s.numpy() for i, s in enumerate(singles)})
    print("READY " + nemo.__version__, flush=True)
    for line in sys.stdin:  # one measurement name per line; answers with its wall time
        start = time.perf_counter()
        runs[line.strip()]()
        print(f"TIME {time.perf_counter() - start!r}", flush=True)
"""


# glibc returns large freed blocks to the OS and faults them back in on the next call; for 8 clips of 10 s that
# page-fault traffic costs as much as the mel front-end itself and varies with each process's heap history. Both
# sides therefore run with malloc keeping freed memory (same settings), unless --default-malloc is given.
MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": str(32 * 1024 * 1024), "MALLOC_TRIM_THRESHOLD_": str(1 << 30)}


def keep_freed_memory() -> bool:
    """Apply MALLOC_ENV to this process through mallopt (glibc only); returns whether it took effect."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        m_trim_threshold, m_mmap_threshold = -1, -3
        return bool(libc.mallopt(m_mmap_threshold, int(MALLOC_ENV["MALLOC_MMAP_THRESHOLD_"])) and
                    libc.mallopt(m_trim_threshold, int(MALLOC_ENV["MALLOC_TRIM_THRESHOLD_"])))
    except (OSError, AttributeError):
        return False


def load_benchmark_audio(sources: list[Path]) -> tuple[torch.Tensor, torch.Tensor]:
    """60 s of speech (the first source folder that exists, clips concatenated and tiled) cut into 8 clips."""
    from neuraltypes_collections.asr import read_audio

    folder = next((s for s in sources if s.is_dir() and any(s.glob("*.wav"))), None)
    if folder is None:
        raise SystemExit(f"no folder of .wav files among {', '.join(map(str, sources))}; pass --audio DIR")
    speech = torch.cat([read_audio(p, SAMPLE_RATE)[0] for p in sorted(folder.glob("*.wav"))])
    total = int(sum(CLIP_SECONDS) * SAMPLE_RATE)
    speech = speech.repeat(total // speech.shape[0] + 1)[:total]
    lengths = torch.tensor([int(s * SAMPLE_RATE) for s in CLIP_SECONDS])
    audio = torch.zeros(len(CLIP_SECONDS), int(lengths.max()))
    start = 0
    for row, n in enumerate(lengths.tolist()):
        audio[row, :n] = speech[start : start + n]
        start += n
    return audio, lengths


def best_of(function: Callable[[], object], repeats: int) -> float:
    """The best wall time of `repeats` calls of `function`, after one warm-up call."""
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nemo-python", required=True, help="python of a side environment with nemo-toolkit")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="a NeMo EncDecCTCModel .nemo file")
    parser.add_argument("--audio", type=Path, action="append", help="a folder of .wav files (default: real-speech)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads on both sides (default 1)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per measurement; the best counts")
    parser.add_argument("--default-malloc", action="store_true", help="leave glibc's malloc settings alone")
    options = parser.parse_args()
    malloc_note = "default malloc"
    child_env = dict(os.environ)
    if not options.default_malloc and keep_freed_memory():
        child_env.update(MALLOC_ENV)
        malloc_note = "malloc keeps freed memory (both sides)"

    torch.set_num_threads(options.threads)
    from neuraltypes_collections.asr import CTCModel, greedy_decode
    from neuraltypes_collections.common import NeuralModel

    audio, lengths = load_benchmark_audio(options.audio or DEFAULT_AUDIO)
    seconds = float(lengths.sum()) / SAMPLE_RATE
    model = NeuralModel.restore_from(options.model)
    if not isinstance(model, CTCModel):
        raise SystemExit(f"{options.model} is not a CTC model")

    def exact_b8() -> object:
        model.encoder.fast_inference = model.preprocessor.fast_inference = False
        try:
            return model(audio, lengths)
        finally:
            model.encoder.fast_inference = model.preprocessor.fast_inference = True

    runs = {
        "b1": lambda: [model(audio[i : i + 1, : int(n)], lengths[i : i + 1]) for i, n in enumerate(lengths)],
        "b8": lambda: model(audio, lengths),
        "features": lambda: model.preprocessor(audio, lengths),
        "b8_exact": exact_b8,
    }
    ours: dict[str, float] = {key: float("inf") for key in runs}
    nemo: dict[str, float] = {key: float("inf") for key in runs}
    with tempfile.TemporaryDirectory() as folder, torch.inference_mode():
        audio_file, nemo_out = os.path.join(folder, "audio.npz"), os.path.join(folder, "nemo_out.npz")
        np.savez(audio_file, audio=audio.numpy(), lengths=lengths.numpy())
        runner = {"model": str(options.model), "audio": audio_file, "out": nemo_out, "threads": options.threads}
        process = subprocess.Popen(
            [options.nemo_python, "-c", NEMO_RUNNER, json.dumps(runner)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env,
        )
        assert process.stdin is not None and process.stdout is not None
        ready = ""
        for line in process.stdout:
            if line.startswith("READY "):
                ready = line.split()[1]
                break
        if not ready:
            raise SystemExit(f"the NeMo side failed (exit {process.wait()}):\n{process.stderr.read()[-4000:]}")
        reference = dict(np.load(nemo_out))
        for run in runs.values():
            run()
        # interleaved: NeMo and neuraltypes take turns, so that load on a shared machine hits both alike
        for _ in range(options.repeats):
            for key, run in runs.items():
                process.stdin.write(key.removesuffix("_exact") + "\n")
                process.stdin.flush()
                answer = process.stdout.readline()
                if not answer.startswith("TIME "):
                    raise SystemExit(f"the NeMo side stopped: {answer!r}\n{process.stderr.read()[-4000:]}")
                nemo[key] = min(nemo[key], float(answer.split()[1]))
                start = time.perf_counter()
                run()
                ours[key] = min(ours[key], time.perf_counter() - start)
        process.stdin.close()
        process.wait()
        exact_equal = torch.equal(exact_b8().log_probs, torch.from_numpy(reference["log_probs"]))  # type: ignore[attr-defined]
        batch = model(audio, lengths)
        singles = [model(audio[i : i + 1, : int(n)], lengths[i : i + 1]).log_probs[0] for i, n in enumerate(lengths)]
    nemo_version = ready

    # agreement: identical lengths and transcripts, log-probs within 1e-4 inside the valid frames
    steps = batch.encoded_lengths
    equal = steps.tolist() == reference["encoded_lengths"].tolist()
    max_diff = nemo_self = 0.0  # nemo_self: NeMo's own clip alone vs. the same clip inside the batch
    nemo_batch = torch.from_numpy(reference["log_probs"])
    ours_text = greedy_decode(batch.log_probs, steps, model.tokenizer)
    equal &= ours_text == greedy_decode(nemo_batch, steps, model.tokenizer)
    for i, n in enumerate(steps.tolist()):
        max_diff = max(max_diff, (batch.log_probs[i, :n] - nemo_batch[i, :n]).abs().max().item())
        single_ref = torch.from_numpy(reference[f"single_{i}"])
        max_diff = max(max_diff, (singles[i][:n] - single_ref[:n]).abs().max().item())
        nemo_self = max(nemo_self, (nemo_batch[i, :n] - single_ref[:n]).abs().max().item())
        equal &= greedy_decode(singles[i][None], steps[i : i + 1], model.tokenizer) == greedy_decode(
            single_ref[None], steps[i : i + 1], model.tokenizer
        )
    equal &= max_diff <= 1e-4

    nemo["b8_exact"] = nemo["b8"]
    speedup = {key: nemo[key] / ours[key] for key in ours}
    print(f"model: {options.model.name}   audio: {seconds:.1f} s in {len(lengths)} clips   threads: {options.threads}   "
          f"best of {options.repeats} (interleaved)   {malloc_note}   NeMo {nemo_version}   torch {torch.__version__}")
    print(f"| {'measurement':<26} | {'NeMo (ms per s audio)':>21} | {'neuraltypes (ms per s audio)':>28} | {'speedup':>7} |")
    print(f"|{'-' * 28}|{'-' * 23}|{'-' * 30}|{'-' * 9}|")
    names = {"b1": "CTC forward, batch 1", "b8": "CTC forward, batch 8", "features": "mel features, batch 8",
             "b8_exact": "batch 8, exact path"}
    for key, label in names.items():
        print(f"| {label:<26} | {1000 * nemo[key] / seconds:>21.2f} | {1000 * ours[key] / seconds:>28.2f} | "
              f"{speedup[key]:>6.2f}x |")
    print(f"outputs (fast path): max |log_probs difference| inside valid frames {max_diff:.2e}; greedy transcripts "
          f"{'identical' if equal else 'DIFFERENT'}; exact path bit-identical to NeMo: {'yes' if exact_equal else 'no'}")
    print(f"NeMo against itself (a clip alone vs. inside the batch): max |log_probs difference| {nemo_self:.2e}")
    print(f"asr_speedup b1={speedup['b1']:.2f} b8={speedup['b8']:.2f} features={speedup['features']:.2f} "
          f"outputs_equal={'true' if equal else 'false'}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
