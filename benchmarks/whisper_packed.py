"""The kernel figures quoted in `asr/whisper/_packed.py`'s docstrings, measured: `packed_linear` and `attention`
against `F.linear` and `F.scaled_dot_product_attention` on tiny.en's shapes, one thread.

    python benchmarks/whisper_packed.py              # 20 rounds
    python benchmarks/whisper_packed.py --rounds 5

Each pair first shows that both sides compute the same result (largest absolute difference), then times them
interleaved (`_timing.interleaved_times`, wall time of one thread); the table gives the best and the median, ms.
"""

from __future__ import annotations

import argparse
import statistics

import torch
import torch.nn.functional as F
from _timing import interleaved_times
from neuraltypes_collections.asr.whisper._packed import attention, packed_linear
from torch import nn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    options = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    half_exact = lambda *shape: torch.randn(*shape).half().float()  # noqa: E731 (float16 holds it: fbgemm runs)

    mlp = nn.Linear(384, 1536)
    mlp.weight.data = half_exact(1536, 384)
    tokens = nn.Linear(384, 51864, bias=False)
    tokens.weight.data = half_exact(51864, 384)
    trained = nn.Linear(384, 1536)  # float16 does not hold these weights: oneDNN takes one token too
    q, k, v = (torch.randn(1, 6, 1500, 64) for _ in range(3))
    frames, token = torch.randn(1500, 384), torch.randn(1, 384)
    pairs = {
        "(1500, 384) x (384, 1536)": (
            lambda: packed_linear(mlp, frames, (mlp.weight,), (mlp.bias,)),
            lambda: F.linear(frames, mlp.weight, mlp.bias),
        ),
        "token projection, one token": (
            lambda: packed_linear(tokens, token, (tokens.weight,), (None,)),
            lambda: F.linear(token, tokens.weight),
        ),
        "(1, 384) x (384, 1536), not float16": (
            lambda: packed_linear(trained, token, (trained.weight,), (trained.bias,)),
            lambda: F.linear(token, trained.weight, trained.bias),
        ),
        "attention (1, 6, 1500, 64)": (
            lambda: attention(q, k, v),
            lambda: F.scaled_dot_product_attention(q, k, v),
        ),
    }
    print("| product | max abs difference | packed ms | torch ms |")
    print("|---|---|---|---|")
    with torch.inference_mode():
        for name, (ours, theirs) in pairs.items():
            difference = (ours() - theirs()).abs().max().item()
            times = interleaved_times({"packed": ours, "torch": theirs}, options.rounds)
            cells = [f"{1000 * min(t):.2f} ({1000 * statistics.median(t):.2f})" for t in times.values()]
            print(f"| {name} | {difference:.1e} | {cells[0]} | {cells[1]} |")


if __name__ == "__main__":
    main()
