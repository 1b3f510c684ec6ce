"""NovoGrad against a hand-written reference, the schedules' values, optimisers from config."""

from __future__ import annotations

import math

import pytest
import torch
from neuraltypes_collections.common import (
    ConfigError,
    NovoGrad,
    OptimizerConfig,
    ScheduleConfig,
    build_optimizer,
    build_schedule,
)


def _reference_novograd(weights, grads, lr, beta1, beta2, eps, weight_decay, grad_averaging):
    """The update rule of Ginsburg et al. 2019, one tensor, in float64 Python."""
    w = [float(x) for x in weights]
    m = [0.0] * len(w)
    v = None
    for g in grads:
        norm = sum(x * x for x in g)
        v = norm if v is None else beta2 * v + (1 - beta2) * norm
        d = [gi / (math.sqrt(v) + eps) + weight_decay * wi for gi, wi in zip(g, w, strict=True)]
        if grad_averaging:
            d = [(1 - beta1) * di for di in d]
        m = [beta1 * mi + di for mi, di in zip(m, d, strict=True)]
        w = [wi - lr * mi for wi, mi in zip(w, m, strict=True)]
    return w


@pytest.mark.parametrize("weight_decay", [0.0, 0.01])
@pytest.mark.parametrize("grad_averaging", [False, True])
def test_novograd_matches_reference(weight_decay, grad_averaging):
    torch.manual_seed(0)
    start = torch.randn(5, dtype=torch.float64)
    grads = [torch.randn(5, dtype=torch.float64) for _ in range(4)]
    parameter = torch.nn.Parameter(start.clone())
    optimizer = NovoGrad(
        [parameter],
        lr=0.1,
        betas=(0.9, 0.5),
        eps=1e-8,
        weight_decay=weight_decay,
        grad_averaging=grad_averaging,
    )
    for grad in grads:
        parameter.grad = grad.clone()
        optimizer.step()
    expected = _reference_novograd(
        start.tolist(), [g.tolist() for g in grads], 0.1, 0.9, 0.5, 1e-8, weight_decay, grad_averaging
    )
    assert parameter.detach().tolist() == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_novograd_second_moment_is_one_scalar_per_tensor():
    layer = torch.nn.Linear(3, 4)
    optimizer = NovoGrad(layer.parameters(), lr=0.01)
    layer(torch.randn(2, 3)).sum().backward()
    optimizer.step()
    assert all(state["exp_avg_sq"].shape == () for state in optimizer.state.values())


def test_novograd_minimises_a_quadratic():
    torch.manual_seed(0)
    target = torch.randn(10)
    x = torch.nn.Parameter(torch.zeros(10))
    optimizer = NovoGrad([x], lr=0.05, betas=(0.9, 0.98))
    for _ in range(300):
        optimizer.zero_grad()
        loss = (x - target).pow(2).sum()
        loss.backward()
        optimizer.step()
    assert loss.item() < 1e-2


@pytest.mark.parametrize("bad", [{"lr": 0.0}, {"betas": (1.0, 0.5)}, {"weight_decay": -1.0}])
def test_novograd_rejects_bad_settings(bad):
    with pytest.raises(ValueError, match="NovoGrad"):
        NovoGrad([torch.nn.Parameter(torch.zeros(1))], **bad)


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("adam", torch.optim.Adam),
        ("adamw", torch.optim.AdamW),
        ("sgd", torch.optim.SGD),
        ("novograd", NovoGrad),
    ],
)
def test_build_optimizer(name, cls):
    optimizer = build_optimizer(
        torch.nn.Linear(2, 2).parameters(), OptimizerConfig(name=name, lr=0.5, momentum=0.9)
    )
    assert type(optimizer) is cls and optimizer.param_groups[0]["lr"] == 0.5


def _lrs(schedule: ScheduleConfig, steps: int, lr: float = 1.0) -> list[float]:
    parameter = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([parameter], lr=lr)
    scheduler = build_schedule(optimizer, schedule)
    values = []
    for _ in range(steps):
        values.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return values


def test_cosine_with_warmup():
    lrs = _lrs(ScheduleConfig(name="cosine", warmup_steps=4, max_steps=14, min_lr=0.1), 20)
    assert lrs[:4] == pytest.approx([0.2, 0.4, 0.6, 0.8])
    assert lrs[4] == pytest.approx(1.0)
    assert lrs[9] == pytest.approx(0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * 0.5)))
    assert lrs[14:] == pytest.approx([0.1] * 6)
    assert all(a >= b for a, b in zip(lrs[4:], lrs[5:], strict=False))


def test_inverse_sqrt_and_noam():
    lrs = _lrs(ScheduleConfig(name="inverse_sqrt", warmup_steps=4), 17)
    assert lrs[3] == pytest.approx(0.8) and lrs[4] == pytest.approx(1.0) and lrs[16] == pytest.approx(0.5)
    noam = _lrs(ScheduleConfig(name="noam", warmup_steps=4, d_model=16), 16, lr=2.0)
    peak = 2.0 * 16**-0.5 * 4**-0.5
    assert noam[3] == pytest.approx(peak)  # step 4 (1-based) is the peak
    assert noam[0] == pytest.approx(2.0 * 16**-0.5 * 4**-1.5)
    assert noam[15] == pytest.approx(2.0 * 16**-0.5 * 16**-0.5)
    assert max(noam) == pytest.approx(peak)


def test_constant_with_warmup():
    assert _lrs(ScheduleConfig(warmup_steps=1), 3, lr=0.3) == pytest.approx([0.15, 0.3, 0.3])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "cosine"}, "schedule 'cosine' needs max_steps > warmup_steps"),
        ({"name": "noam", "warmup_steps": 10}, "schedule 'noam' needs d_model"),
        ({"name": "step"}, "schedule.name 'step' is not one of constant, cosine, inverse_sqrt, noam"),
        ({"warmup_steps": -1}, "warmup_steps must be >= 0"),
    ],
)
def test_schedule_config_is_validated_in_one_place(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        ScheduleConfig(**kwargs)
