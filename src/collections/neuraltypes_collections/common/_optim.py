"""Optimisers and learning-rate schedules built from frozen configs (no Lightning needed).

``NovoGrad`` (Ginsburg et al., 2019, "Stochastic Gradient Methods with Layer-wise Adaptive Moments")
keeps one second-moment scalar per parameter tensor; NeMo's QuartzNet and Jasper recipes use it.
Schedules are ``LambdaLR`` factors stepped once per optimiser step.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor

from ._errors import ConfigError, InputError

__all__ = [
    "NovoGrad",
    "OptimizerConfig",
    "ScheduleConfig",
    "TrainingConfig",
    "build_optimizer",
    "build_schedule",
    "schedule_factor",
]


OPTIMIZERS = ("adam", "adamw", "sgd", "novograd")
SCHEDULES = ("constant", "cosine", "inverse_sqrt", "noam")


class NovoGrad(torch.optim.Optimizer):
    """NovoGrad: Adam-like steps with a layer-wise (per-tensor) second moment.

    For each parameter tensor ``w`` with gradient ``g``::

        v = ||g||^2                                  (first step)
        v = beta2 * v + (1 - beta2) * ||g||^2        (later steps)
        d = g / (sqrt(v) + eps) + weight_decay * w
        m = beta1 * m + (1 - beta1 if grad_averaging else 1) * d
        w = w - lr * m

    **Arguments:**

    - ``params``: parameters or parameter groups.
    - ``lr``: learning rate.
    - ``betas``: ``(beta1, beta2)``, the first- and second-moment decays.
    - ``eps``: added to ``sqrt(v)``.
    - ``weight_decay``: decoupled from the second moment, added to the normalised gradient.
    - ``grad_averaging``: scale the normalised gradient by ``1 - beta1`` before accumulating.
    - ``amsgrad``: keep the running maximum of ``v``.
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict[str, Any]],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.95, 0.98),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        grad_averaging: bool = False,
        amsgrad: bool = False,
    ) -> None:
        if lr <= 0.0:
            raise ConfigError(f"NovoGrad: lr must be positive, got {lr}")
        if not (0.0 <= betas[0] < 1.0 and 0.0 <= betas[1] < 1.0):
            raise ConfigError(f"NovoGrad: betas must lie in [0, 1), got {betas}")
        if eps < 0.0 or weight_decay < 0.0:
            raise ConfigError(
                f"NovoGrad: eps and weight_decay must be non-negative, got {eps}, {weight_decay}"
            )
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            grad_averaging=grad_averaging,
            amsgrad=amsgrad,
        )
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure: Callable[[], float] | None = None) -> float | None:  # type: ignore[override]
        """Perform one optimisation step; ``closure`` re-evaluates the loss if given."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for parameter in group["params"]:
                if parameter.grad is None:
                    continue
                grad = parameter.grad
                if grad.is_sparse:
                    raise InputError("NovoGrad does not support sparse gradients")
                state = self.state[parameter]
                # the second moment is kept in at least float32, also for half-precision gradients
                norm = (grad if grad.dtype == torch.float64 else grad.float()).pow(2).sum()
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = torch.zeros_like(parameter)
                    state["exp_avg_sq"] = norm.clone()
                    if group["amsgrad"]:
                        state["max_exp_avg_sq"] = norm.clone()
                else:
                    state["exp_avg_sq"].mul_(beta2).add_(norm, alpha=1.0 - beta2)
                    if group["amsgrad"]:
                        torch.maximum(
                            state["max_exp_avg_sq"], state["exp_avg_sq"], out=state["max_exp_avg_sq"]
                        )
                state["step"] += 1
                second = state["max_exp_avg_sq"] if group["amsgrad"] else state["exp_avg_sq"]
                direction = (grad / (second.sqrt() + group["eps"])).to(parameter.dtype)
                if group["weight_decay"]:
                    direction = direction.add(parameter, alpha=group["weight_decay"])
                if group["grad_averaging"]:
                    direction = direction.mul(1.0 - beta1)
                state["exp_avg"].mul_(beta1).add_(direction)
                parameter.add_(state["exp_avg"], alpha=-group["lr"])
        return loss


@dataclass(frozen=True)
class OptimizerConfig:
    """Which optimiser to build, and its settings.

    **Arguments:**

    - ``name``: ``"adam"``, ``"adamw"``, ``"sgd"`` or ``"novograd"``.
    - ``lr``: peak learning rate (schedules scale it).
    - ``weight_decay``: L2 penalty (decoupled for adamw and novograd).
    - ``betas``: moment decays for adam, adamw and novograd.
    - ``eps``: denominator term for adam, adamw and novograd.
    - ``momentum``: for sgd.
    - ``nesterov``: for sgd.
    - ``grad_averaging``: for novograd.
    """

    name: str = "adamw"
    lr: float = 1e-3
    weight_decay: float = 0.0
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    momentum: float = 0.0
    nesterov: bool = False
    grad_averaging: bool = False

    def __post_init__(self) -> None:
        if self.name not in OPTIMIZERS:
            raise ConfigError(f"optimizer.name {self.name!r} is not one of {', '.join(OPTIMIZERS)}")
        if self.lr <= 0:
            raise ConfigError(f"optimizer.lr must be positive, got {self.lr}")
        object.__setattr__(self, "betas", tuple(self.betas))


@dataclass(frozen=True)
class ScheduleConfig:
    """The learning-rate schedule, as a factor of ``OptimizerConfig.lr`` per optimiser step.

    **Arguments:**

    - ``name``: ``"constant"``; ``"cosine"`` (linear warmup, then cosine decay to ``min_lr`` at
      ``max_steps``); ``"inverse_sqrt"`` (linear warmup, then ``sqrt(warmup_steps / step)``); ``"noam"``
      (``d_model**-0.5 * min(step**-0.5, step * warmup_steps**-1.5)``, Vaswani et al. 2017).
    - ``warmup_steps``: steps of linear warmup.
    - ``max_steps``: the step at which cosine reaches ``min_lr`` (required for cosine).
    - ``min_lr``: the floor of the cosine schedule, as an absolute learning rate.
    - ``d_model``: model width for noam.
    """

    name: str = "constant"
    warmup_steps: int = 0
    max_steps: int | None = None
    min_lr: float = 0.0
    d_model: int | None = None

    def __post_init__(self) -> None:
        if self.name not in SCHEDULES:
            raise ConfigError(f"schedule.name {self.name!r} is not one of {', '.join(SCHEDULES)}")
        if self.warmup_steps < 0:
            raise ConfigError(f"schedule.warmup_steps must be >= 0, got {self.warmup_steps}")
        if self.name == "cosine" and (self.max_steps is None or self.max_steps <= self.warmup_steps):
            raise ConfigError(
                f"schedule 'cosine' needs max_steps > warmup_steps ({self.warmup_steps}), got {self.max_steps}"
            )
        if self.name == "noam" and (not self.d_model or self.warmup_steps <= 0):
            raise ConfigError("schedule 'noam' needs d_model and warmup_steps > 0")


@dataclass(frozen=True)
class TrainingConfig:
    """Optimisation settings (a Hydra structured config like the model's).

    **Arguments:**

    - ``optimizer``: which optimiser and its settings.
    - ``schedule``: the learning-rate schedule, stepped every optimiser step.
    """

    optimizer: OptimizerConfig = field(default_factory=OptimizerConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)


#: Each optimiser by name: its class, and the `OptimizerConfig` fields it takes besides `lr` and `weight_decay`.
_OPTIMIZER_FIELDS: dict[str, tuple[Callable[..., torch.optim.Optimizer], tuple[str, ...]]] = {
    "adam": (torch.optim.Adam, ("betas", "eps")),
    "adamw": (torch.optim.AdamW, ("betas", "eps")),
    "sgd": (torch.optim.SGD, ("momentum", "nesterov")),
    "novograd": (NovoGrad, ("betas", "eps", "grad_averaging")),
}


def build_optimizer(
    parameters: Iterable[Tensor] | Iterable[dict[str, Any]], config: OptimizerConfig
) -> torch.optim.Optimizer:
    """Build the optimiser ``config`` names over ``parameters``, with its ``lr``, ``weight_decay`` and the fields
    that optimiser takes (see `OptimizerConfig`)."""
    if config.name not in _OPTIMIZER_FIELDS:
        raise ConfigError(f"optimizer name {config.name!r} is not one of {', '.join(_OPTIMIZER_FIELDS)}")
    optimizer, names = _OPTIMIZER_FIELDS[config.name]
    settings = {name: getattr(config, name) for name in names}
    return optimizer(parameters, lr=config.lr, weight_decay=config.weight_decay, **settings)


def schedule_factor(config: ScheduleConfig, base_lr: float) -> Callable[[int], float]:
    """Return ``step -> factor`` for ``LambdaLR`` (``step`` counts optimiser steps from 0).

    Raises ``ConfigError`` for missing settings (cosine without ``max_steps``, noam without ``d_model``).
    """
    warmup = config.warmup_steps

    def warming(step: int) -> float | None:
        return (step + 1) / (warmup + 1) if step < warmup else None

    if config.name == "constant":
        return lambda step: warming(step) or 1.0
    if config.name == "cosine":
        assert config.max_steps is not None  # checked by ScheduleConfig
        total = config.max_steps - warmup
        floor = config.min_lr / base_lr

        def cosine(step: int) -> float:
            warm = warming(step)
            if warm is not None:
                return warm
            progress = min(1.0, (step - warmup) / total)
            return floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * progress))

        return cosine
    if config.name == "inverse_sqrt":
        return lambda step: warming(step) or math.sqrt(max(warmup, 1) / max(step, 1))
    if config.name == "noam":
        d_model = config.d_model or 1
        return lambda step: d_model**-0.5 * min((step + 1) ** -0.5, (step + 1) * warmup**-1.5)
    raise ConfigError(f"schedule name {config.name!r} is not one of constant, cosine, inverse_sqrt, noam")


def build_schedule(
    optimizer: torch.optim.Optimizer, config: ScheduleConfig
) -> torch.optim.lr_scheduler.LambdaLR:
    """A ``LambdaLR`` over ``optimizer`` following ``config``; step it once per optimiser step."""
    factors = [schedule_factor(config, group["lr"]) for group in optimizer.param_groups]
    return torch.optim.lr_scheduler.LambdaLR(optimizer, factors)
