"""Our optimizer updates, schedules and clipping, written as the engine's kernels compute them
(kernels/optim.ts, train/config.ts), so that a run continues on PyTorch exactly where it stopped.

The state lives per parameter here; checkpoint.py moves it to and from the engine's flat layout.
Weight decay applies to every parameter (the engine updates the whole parameter arena at once).
"""
import math

import torch


def learning_rate(cfg, step, total_steps):
    """Linear warm-up, then constant or cosine decay to zero (train/config.ts learningRate)."""
    if cfg["warmupSteps"] > 0 and step < cfg["warmupSteps"]:
        return cfg["lr"] * (step + 1) / cfg["warmupSteps"]
    if cfg["schedule"] == "constant":
        return cfg["lr"]
    t = min(1.0, (step - cfg["warmupSteps"]) / max(1, total_steps - cfg["warmupSteps"]))
    return 0.5 * cfg["lr"] * (1 + math.cos(math.pi * t))


def state_names(cfg):
    return ["momentum"] if cfg["optimizer"] == "sgd" else ["exp_avg", "exp_avg_sq"]


def describe(cfg):
    """The optimizer's description stored in checkpoints (train/optimizer.ts describe)."""
    if cfg["optimizer"] == "sgd":
        return f"SGD(momentum {fmt(cfg['momentum'])}, weight decay {fmt(cfg['weightDecay'])})"
    return f"AdamW(betas {fmt(cfg['beta1'])}/{fmt(cfg['beta2'])}, weight decay {fmt(cfg['weightDecay'])})"


def fmt(x):
    """A number as JavaScript's String(x) writes it (0.9, 0.05, 0, 1e-7)."""
    if float(x).is_integer() and abs(x) < 1e21:
        return str(int(x))
    r = repr(float(x))
    if "e" in r:
        m, e = r.split("e")
        return f"{m}e{'+' if int(e) > 0 else '-'}{abs(int(e))}"
    return r


class Optimizer:
    """Global-norm clipping, then SGD with momentum or AdamW, as one update over all parameters."""

    def __init__(self, params, cfg, state=None, step=0):
        self.params = dict(params)  # name -> Parameter
        self.cfg = cfg
        self.t = step
        self.state = state or {n: {name: torch.zeros_like(p) for name, p in self.params.items()} for n in state_names(cfg)}

    @torch.no_grad()
    def clip_and_step(self, lr):
        """Returns the gradient norm before clipping (what the engine logs)."""
        cfg = self.cfg
        self.t += 1
        grads = {n: (p.grad if p.grad is not None else torch.zeros_like(p)) for n, p in self.params.items()}
        norm = torch.sqrt(sum((g.double() ** 2).sum() for g in grads.values())).float()
        coef = torch.tensor(1.0)
        if cfg["clipNorm"] > 0:
            coef = torch.clamp(torch.tensor(cfg["clipNorm"], dtype=torch.float32) / (norm + 1e-6), max=1.0)
        f32 = lambda x: torch.tensor(x, dtype=torch.float32)  # noqa: E731 - the kernels take f32 uniforms
        if cfg["optimizer"] == "sgd":
            mom, wd = f32(cfg["momentum"]), f32(cfg["weightDecay"])
            for n, p in self.params.items():
                d = grads[n] * coef + wd * p
                if cfg["momentum"] != 0:
                    b = mom * self.state["momentum"][n] + d
                    self.state["momentum"][n].copy_(b)
                    d = b
                p.sub_(f32(lr) * d)
        else:
            b1, b2 = cfg["beta1"], cfg["beta2"]
            lr32 = f32(lr)
            decay = 1.0 - lr32 * f32(cfg["weightDecay"])
            step_size = lr32 / f32(1 - b1**self.t)
            sqrt_bc2 = f32(math.sqrt(1 - b2**self.t))
            for n, p in self.params.items():
                g = grads[n] * coef
                m = f32(b1) * self.state["exp_avg"][n] + f32(1 - b1) * g
                v = f32(b2) * self.state["exp_avg_sq"][n] + f32(1 - b2) * g * g
                self.state["exp_avg"][n].copy_(m)
                self.state["exp_avg_sq"][n].copy_(v)
                p.copy_(p * decay - step_size * m / (torch.sqrt(v) / sqrt_bc2 + 1e-8))
        return norm.item()
