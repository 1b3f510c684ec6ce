"""Per-call cost of neuraltypes' contract checks, against a plain module, jaxtyping + beartype and NeMo's @typecheck.

Every variant is a module with 2 tensor inputs (a mel spectrogram and its lengths) and 2 tensor outputs, on an
identity op and on a small conv. Before anything is timed, each checking variant is shown to reject one violating
call (lengths given as a float32[4, 8] tensor where integer lengths of shape ``batch`` are declared); a variant that
accepts it stops the script, since its time would measure no check at all. Then all variants are timed in one
interleaved run: each round times every variant once (`--calls` calls), in a shuffled order, so that load on a
shared machine falls on all alike; the table shows each variant's best round (other load only ever adds time, so
the best round is the least disturbed one). The last line is machine-readable:

    overhead_us full=<x> shapes=<x> off=<x> jaxtyping_beartype=<x> [nemo_typecheck=<x>]

(identity op, microseconds per call over the plain call; NeMo's over a plain call in its own interpreter). It also
prints the time ``import neuraltypes`` takes once torch is loaded.

NeMo is not a dependency: ``--nemo-python PATH`` names the interpreter of a side environment with nemo-toolkit (see
``benchmarks/asr_inference.py`` for one way to make it); without it the NeMo variant is skipped, with a line that
says so. For the README's figures the side environment reused this one's packages (a ``.pth`` file, as in
``asr_inference.py``) plus ``pip install --no-deps nemo-toolkit==2.4.0 wrapt wget``. This module has no ``from __future__ import annotations``: jaxtyping and beartype must see real
annotations, not strings naming local variables (which they cannot resolve, and so they silently check nothing).

Run: ``python benchmarks/contract_overhead.py [--rounds 30] [--calls 2000] [--nemo-python PATH]``
"""

import argparse
import json
import statistics
import subprocess
import sys
import warnings
from collections.abc import Callable

import torch
from _timing import interleaved_times
from beartype import beartype
from jaxtyping import Float, Int, jaxtyped
from torch import Tensor

import neuraltypes as nt
from neuraltypes import Lengths, MelSpectrogram, NeuralModule

OPS = ("identity", "conv")
CHANNELS, FRAMES, BATCH = 8, 50, 4


class _Body(torch.nn.Module):
    """The op every variant runs: the features unchanged, or through a small conv."""

    def __init__(self, op: str) -> None:
        super().__init__()
        self.conv = torch.nn.Conv1d(CHANNELS, CHANNELS, 3, padding=1) if op == "conv" else None

    def run(self, features: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor]:
        return (features if self.conv is None else self.conv(features)), lengths


class Plain(_Body):
    def forward(self, features: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor]:
        return self.run(features, lengths)


class Typed(NeuralModule, _Body):
    def forward(
        self, features: MelSpectrogram[Tensor, "batch mel frame"], lengths: Lengths[Tensor, "batch"]
    ) -> tuple[MelSpectrogram[Tensor, "batch mel frame"], Lengths[Tensor, "batch"]]:
        return self.run(features, lengths)


class JaxtypingBeartype(_Body):
    @jaxtyped(typechecker=beartype)
    def forward(
        self, features: Float[Tensor, "batch mel frame"], lengths: Int[Tensor, " batch"]
    ) -> tuple[Float[Tensor, "batch mel frame"], Int[Tensor, " batch"]]:
        return self.run(features, lengths)


NEMO_RUNNER = r"""
import json, random, sys, time, warnings
warnings.filterwarnings("ignore")
import torch
torch.set_num_threads(1)
import nemo
from nemo.core.classes import NeuralModule, typecheck
from nemo.core.neural_types import LengthsType, MelSpectrogramType, NeuralType

args = json.loads(sys.argv[1])
CHANNELS, FRAMES, BATCH = args["channels"], args["frames"], args["batch"]

def body(conv, features, lengths):
    return (features if conv is None else conv(features)), lengths

class Plain(torch.nn.Module):
    def __init__(self, op):
        super().__init__()
        self.conv = torch.nn.Conv1d(CHANNELS, CHANNELS, 3, padding=1) if op == "conv" else None
    def forward(self, features, lengths):
        return body(self.conv, features, lengths)

class Typed(NeuralModule):
    def __init__(self, op):
        super().__init__()
        self.conv = torch.nn.Conv1d(CHANNELS, CHANNELS, 3, padding=1) if op == "conv" else None
    @property
    def input_types(self):
        return {"features": NeuralType(("B", "D", "T"), MelSpectrogramType()),
                "lengths": NeuralType(tuple("B"), LengthsType())}
    @property
    def output_types(self):
        return {"out_features": NeuralType(("B", "D", "T"), MelSpectrogramType()),
                "out_lengths": NeuralType(tuple("B"), LengthsType())}
    @typecheck()
    def forward(self, features, lengths):
        return body(self.conv, features, lengths)

features = torch.randn(BATCH, CHANNELS, FRAMES)
features.neural_type = NeuralType(("B", "D", "T"), MelSpectrogramType())  # as a typed module's output carries it
lengths = torch.full((BATCH,), FRAMES)
modules = {op: (Plain(op), Typed(op)) for op in ("identity", "conv")}
try:  # NeMo's typecheck takes keyword arguments only
    modules["identity"][1](features=features, lengths=torch.zeros(BATCH, 8))
    verdict = "ACCEPTED"
except Exception as error:
    verdict = f"{type(error).__name__}: {str(error).strip().splitlines()[0]}"
print("READY " + json.dumps({"nemo": nemo.__version__, "torch": torch.__version__, "verdict": verdict}), flush=True)
with torch.no_grad():
    for module in [m for pair in modules.values() for m in pair]:
        module(features=features, lengths=lengths)
    for line in sys.stdin:  # "<op> <calls>": times the plain and the typed module, in a random order
        op, calls = line.split()
        times = {}
        for name, module in random.sample(list(zip(("plain", "typed"), modules[op])), 2):
            start = time.perf_counter()
            for _ in range(int(calls)):
                module(features=features, lengths=lengths)
            times[name] = (time.perf_counter() - start) / int(calls)
        print("TIME " + json.dumps(times), flush=True)
"""


class NemoSide:
    """NeMo's @typecheck, timed in a side interpreter where nemo-toolkit is installed."""

    def __init__(self, python: str) -> None:
        runner = {"channels": CHANNELS, "frames": FRAMES, "batch": BATCH}
        self.process = subprocess.Popen(
            [python, "-c", NEMO_RUNNER, json.dumps(runner)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.stdin, self.stdout = self.process.stdin, self.process.stdout
        ready = next((line for line in self.stdout if line.startswith("READY ")), "")
        if not ready:
            raise SystemExit(f"the NeMo side failed (exit {self.process.wait()}):\n{self.stderr_tail()}")
        info = json.loads(ready.removeprefix("READY "))
        self.version, self.torch, self.verdict = info["nemo"], info["torch"], info["verdict"]
        self.samples: dict[str, dict[str, list[float]]] = {op: {"plain": [], "typed": []} for op in OPS}

    def stderr_tail(self) -> str:
        return self.process.stderr.read()[-4000:] if self.process.stderr else ""

    def time(self, op: str, calls: int) -> None:
        self.stdin.write(f"{op} {calls}\n")
        self.stdin.flush()
        answer = self.stdout.readline()
        if not answer.startswith("TIME "):
            raise SystemExit(f"the NeMo side stopped: {answer!r}\n{self.stderr_tail()}")
        for name, seconds in json.loads(answer.removeprefix("TIME ")).items():
            self.samples[op][name].append(seconds * 1e6)

    def timer(self, op: str, calls: int) -> Callable[[], object]:
        """A variant for `interleaved_times`: its slot in each round runs on the NeMo side, which keeps the time."""
        return lambda: self.time(op, calls)

    def close(self) -> None:
        self.stdin.close()
        self.process.wait()


def features_and_lengths() -> tuple[Tensor, Tensor]:
    features = nt.tag(torch.randn(BATCH, CHANNELS, FRAMES), nt.tags.MelSpectrogram())  # as a typed module's output
    return features, torch.full((BATCH,), FRAMES)


def rejection(module: torch.nn.Module, mode: str) -> str:
    """How `module` refuses the violating call (lengths as float32[4, 8]); SystemExit if it accepts it."""
    features, _ = features_and_lengths()
    with nt.checking(mode):  # type: ignore[arg-type]
        try:
            module(features, torch.zeros(BATCH, 8))
        except Exception as error:  # noqa: BLE001 - each library raises its own type; all that matters is a refusal
            return f"{type(error).__name__}: {str(error).strip().splitlines()[0]}"
    raise SystemExit(f"{type(module).__name__} in mode {mode!r} accepted a violating call: its timing would measure "
                     "no check")


#: name -> (module class, checking mode it is timed in, the mode whose rejection is shown, None for a baseline)
LOCAL: dict[str, tuple[type[torch.nn.Module], str, str | None]] = {
    "plain": (Plain, "full", None),
    "full": (Typed, "full", "full"),
    "shapes": (Typed, "shapes", "shapes"),
    "off": (Typed, "off", None),
    "jaxtyping_beartype": (JaxtypingBeartype, "full", "full"),
}


def prove_rejections(nemo: NemoSide | None) -> list[str]:
    """One line per variant: how it refuses the violating call, or why it is not asked to (SystemExit if a checking
    variant accepts it)."""
    lines = [f"the violating call: lengths = float32[{BATCH},8] where integer lengths of shape (batch,) are declared"]
    for name, (cls, _, checks) in LOCAL.items():
        if checks is None:
            lines.append(f"  {name:<20} checks nothing by design (a baseline)")
        else:
            verdicts = [rejection(cls(op), checks) for op in OPS]  # the conv module too, not only the identity one
            lines.append(f"  {name:<20} rejects it: {verdicts[0]}")
    if nemo is None:
        lines.append(f"  {'nemo_typecheck':<20} skipped: no --nemo-python given (the interpreter of an environment "
                     "with nemo-toolkit)")
    elif nemo.verdict == "ACCEPTED":
        raise SystemExit("NeMo's @typecheck accepted the violating call: its timing would measure no check")
    else:
        lines.append(f"  {'nemo_typecheck':<20} rejects it: {nemo.verdict}  (NeMo {nemo.version}, torch {nemo.torch})")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--nemo-python", help="python of a side environment with nemo-toolkit (adds NeMo's @typecheck)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    torch.set_num_threads(1)
    features, lengths = features_and_lengths()
    modules = {op: {name: cls(op) for name, (cls, _, _) in LOCAL.items()} for op in OPS}
    nemo = NemoSide(args.nemo_python) if args.nemo_python else None
    print("\n".join(prove_rejections(nemo)))

    def timed(op: str, name: str) -> Callable[[], object]:
        module, mode = modules[op][name], LOCAL[name][1]

        def run() -> None:
            with nt.checking(mode):  # type: ignore[arg-type]
                for _ in range(args.calls):
                    module(features, lengths)

        return run

    variants: dict[str, Callable[[], object]] = {f"{op}/{name}": timed(op, name) for op in OPS for name in LOCAL}
    if nemo is not None:
        for op in OPS:
            variants[f"{op}/nemo_typecheck"] = nemo.timer(op, args.calls)
    with torch.no_grad():
        seconds = interleaved_times(variants, args.rounds)
    results = {op: {name: min(seconds[f"{op}/{name}"]) / args.calls * 1e6 for name in LOCAL} for op in OPS}
    rows = [(name, results["identity"][name], results["identity"]["plain"], results["conv"][name],
             results["conv"]["plain"]) for name in LOCAL]
    if nemo is not None:
        nemo.close()
        # the first sample is interleaved_times' warm-up call
        best = {op: {k: min(v[1:]) for k, v in nemo.samples[op].items()} for op in OPS}
        rows.append(("nemo_typecheck", best["identity"]["typed"], best["identity"]["plain"], best["conv"]["typed"],
                     best["conv"]["plain"]))

    print(f"\nper-call time, best of {args.rounds} interleaved rounds x {args.calls} calls "
          f"(2 tensor inputs, 2 outputs, 1 thread; torch {torch.__version__})")
    print(f"| {'variant':<20} | {'rejects the bad call':<20} | {'identity us':>11} | {'over plain':>10} | "
          f"{'conv us':>8} | {'over plain':>10} |")
    print(f"|{'-' * 22}|{'-' * 22}|{'-' * 13}|{'-' * 12}|{'-' * 10}|{'-' * 12}|")
    for name, ident, ident_base, conv, conv_base in rows:
        checks = "yes" if name == "nemo_typecheck" or LOCAL[name][2] else "no (baseline)"
        print(f"| {name:<20} | {checks:<20} | {ident:>11.2f} | {ident - ident_base:>+10.2f} | {conv:>8.2f} | "
              f"{conv - conv_base:>+10.2f} |")
    if nemo is not None:
        print("nemo_typecheck is timed in NeMo's interpreter, over a plain module timed there in the same rounds")
    torch_s = import_seconds("import torch")
    ours_s = import_seconds("import neuraltypes", setup="import torch")
    print(f"import torch: {torch_s:.3f} s; import neuraltypes after it: {ours_s:.3f} s (median of 5 fresh processes)")
    over = {name: ident - base for name, ident, base, _, _ in rows if name != "plain"}
    print("overhead_us " + " ".join(f"{name}={value:.2f}" for name, value in over.items()))


def import_seconds(statement: str, setup: str = "", repeats: int = 5) -> float:
    """Seconds `statement` takes in a fresh interpreter, after `setup` (median of `repeats` processes)."""
    code = f"{setup}\nimport time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    times = [float(subprocess.check_output([sys.executable, "-c", code], text=True)) for _ in range(repeats)]
    return statistics.median(times)


if __name__ == "__main__":
    main()
