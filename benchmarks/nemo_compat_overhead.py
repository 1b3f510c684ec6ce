"""Per-call cost of one NeMo-style module under `neuraltypes.nemo_compat.typecheck` and under NeMo's own @typecheck.

The module is written once, as NeMo code is written (``input_types``/``output_types`` properties building
``NeuralType``s at each call, ``@typecheck()`` on ``forward``, keyword calls): 2 tensor inputs (a mel spectrogram
``('B', 'D', 'T')`` and its lengths ``('B',)``), 2 outputs, on an identity op and on a small conv. Here it imports
``neuraltypes.nemo_compat``; in a side interpreter with nemo-toolkit (``--nemo-python``, required) the same class
imports ``nemo.core`` (the runner of ``contract_overhead.py``). Before anything is timed each checking variant is
shown to reject one violating call (lengths as float32[4, 8] where ``('B',)`` is declared); a variant that accepts
it stops the script. Then every variant is timed in interleaved rounds (shuffled order; each side times its plain
module in the same rounds, and its overhead is over that plain module); the best round counts. The last line is
machine-readable:

    nemo_compat_us identity=<x> conv=<x> nemo_typecheck_us identity=<x> conv=<x> ratio identity=<x> conv=<x>

(overheads in microseconds per call; ratio = NeMo's overhead / ours; the target is at least 5).

Run: ``python benchmarks/nemo_compat_overhead.py --nemo-python /path/to/nemo-venv/bin/python [--rounds 30]``

A side environment that shares this one's torch (what the figures in docs/porting-from-nemo.md ran on, NeMo 3.0.0)::

    python3.11 -m venv /tmp/nemo-venv
    SITE=$(.venv/bin/python -c 'import site; print(site.getsitepackages()[0])')
    echo "$SITE" > /tmp/nemo-venv/lib/python3.11/site-packages/main.pth
    /tmp/nemo-venv/bin/pip install "nemo-toolkit[asr]==3.0.*"
"""

from __future__ import annotations

import argparse
import warnings
from collections.abc import Callable

import torch
from _timing import interleaved_times
from contract_overhead import BATCH, CHANNELS, FRAMES, OPS, NemoSide

from neuraltypes.nemo_compat import LengthsType, MelSpectrogramType, NeuralModule, NeuralType, typecheck


def _body(conv: torch.nn.Module | None, features: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, ...]:
    return (features if conv is None else conv(features)), lengths


class Plain(torch.nn.Module):
    def __init__(self, op: str) -> None:
        super().__init__()
        self.conv = torch.nn.Conv1d(CHANNELS, CHANNELS, 3, padding=1) if op == "conv" else None

    def forward(self, features: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return _body(self.conv, features, lengths)


class Typed(NeuralModule):
    """The NeMo runner's module, line for line, on nemo_compat."""

    def __init__(self, op: str) -> None:
        super().__init__()
        self.conv = torch.nn.Conv1d(CHANNELS, CHANNELS, 3, padding=1) if op == "conv" else None

    @property
    def input_types(self) -> dict[str, NeuralType]:
        return {"features": NeuralType(("B", "D", "T"), MelSpectrogramType()),
                "lengths": NeuralType(tuple("B"), LengthsType())}

    @property
    def output_types(self) -> dict[str, NeuralType]:
        return {"out_features": NeuralType(("B", "D", "T"), MelSpectrogramType()),
                "out_lengths": NeuralType(tuple("B"), LengthsType())}

    @typecheck()
    def forward(self, features: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return _body(self.conv, features, lengths)


def inputs() -> tuple[torch.Tensor, torch.Tensor]:
    features = torch.randn(BATCH, CHANNELS, FRAMES)
    features.neural_type = NeuralType(("B", "D", "T"), MelSpectrogramType())  # as a typed module's output carries
    return features, torch.full((BATCH,), FRAMES)


def rejection(module: Typed) -> str:
    """How `module` refuses lengths = float32[4, 8]; SystemExit if it accepts them."""
    features, _ = inputs()
    try:
        module(features=features, lengths=torch.zeros(BATCH, 8))
    except TypeError as error:
        return f"{type(error).__name__}: {str(error).strip().splitlines()[0]}"
    raise SystemExit("nemo_compat.typecheck accepted a violating call: its timing would measure no check")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--nemo-python", required=True, help="python of a side environment with nemo-toolkit")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    torch.set_num_threads(1)
    nemo = NemoSide(args.nemo_python)
    if nemo.verdict == "ACCEPTED":
        raise SystemExit("NeMo's @typecheck accepted the violating call: its timing would measure no check")
    modules = {op: {"plain": Plain(op), "nemo_compat": Typed(op)} for op in OPS}
    print("the violating call: lengths = float32[4,8] where NeuralType(('B',), LengthsType()) is declared")
    for op in OPS:
        print(f"  {op:<8} nemo_compat    rejects it: {rejection(modules[op]['nemo_compat'])}")
    print(f"  {'':<8} nemo_typecheck rejects it: {nemo.verdict}  (NeMo {nemo.version}, torch {nemo.torch})")
    features, lengths = inputs()

    def timed(module: torch.nn.Module) -> Callable[[], object]:
        def run() -> None:
            for _ in range(args.calls):
                module(features=features, lengths=lengths)

        return run

    variants = {f"{op}/{name}": timed(module) for op in OPS for name, module in modules[op].items()}
    variants.update({f"{op}/nemo_typecheck": nemo.timer(op, args.calls) for op in OPS})
    with torch.no_grad():
        seconds = interleaved_times(variants, args.rounds)
    nemo.close()
    ours = {op: {name: min(seconds[f"{op}/{name}"]) / args.calls * 1e6 for name in modules[op]} for op in OPS}
    theirs = {op: {k: min(v[1:]) for k, v in nemo.samples[op].items()} for op in OPS}  # [0] is the warm-up
    print(f"\nper-call time, best of {args.rounds} interleaved rounds x {args.calls} calls (1 thread; "
          f"torch {torch.__version__} here, {nemo.torch} in NeMo's interpreter)")
    print(f"| {'op':<8} | {'plain us':>8} | {'nemo_compat us':>14} | {'over plain':>10} | {'NeMo plain us':>13} | "
          f"{'NeMo @typecheck us':>18} | {'over plain':>10} | {'ratio':>5} |")
    print(f"|{'-' * 10}|{'-' * 10}|{'-' * 16}|{'-' * 12}|{'-' * 15}|{'-' * 20}|{'-' * 12}|{'-' * 7}|")
    over_ours, over_theirs, ratio = {}, {}, {}
    for op in OPS:
        over_ours[op] = ours[op]["nemo_compat"] - ours[op]["plain"]
        over_theirs[op] = theirs[op]["typed"] - theirs[op]["plain"]
        ratio[op] = over_theirs[op] / over_ours[op] if over_ours[op] > 0 else float("inf")
        print(f"| {op:<8} | {ours[op]['plain']:>8.2f} | {ours[op]['nemo_compat']:>14.2f} | {over_ours[op]:>+10.2f} | "
              f"{theirs[op]['plain']:>13.2f} | {theirs[op]['typed']:>18.2f} | {over_theirs[op]:>+10.2f} | "
              f"{ratio[op]:>5.1f} |")
    print(" ".join(["nemo_compat_us", *(f"{op}={over_ours[op]:.2f}" for op in OPS), "nemo_typecheck_us",
                    *(f"{op}={over_theirs[op]:.2f}" for op in OPS), "ratio", *(f"{op}={ratio[op]:.1f}" for op in OPS)]))


if __name__ == "__main__":
    main()
