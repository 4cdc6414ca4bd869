#!/usr/bin/env python3
"""PyTorch-on-CPU peer of `npm run bench -- e2e`: the same training step as ours, timed.

The case file is what bench/e2e-case.ts writes: our initial parameters (timm/HF names), the
training batches of our first steps (input.* for step 0, input.step<i>.* after), the model config
and the training hyper-parameters in __metadata__. The
model classes and the loss are python/focusclip_torch/model.py's (the golden test proves they
compute what ours does), so this file only adds the optimizer and the timing.

Steps: two untimed steps whose losses are the faithfulness check (the first is the loss of the
initial weights, the second the loss after one identical AdamW update), then `--steps` timed steps,
step i on our step i's batch. Prints one JSON line on stdout.

With --serve, it prints that JSON line after the two untimed steps and then runs one timed step per
stdin line "step <i>", answering each with {"ms": ...}; bench/e2e.ts drives it this way to
interleave PyTorch's steps with ours on the shared machine. It exits at end of input.

Usage: python3 bench/torch_step.py case.safetensors [--steps N | --serve]
"""
import json
import os
import sys
import time

# The PyTorch model: python/ and test/golden/ in the repository, beside this file in the installed package.
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..", "python"), os.path.join(HERE, "..", "test", "golden")]

import torch  # noqa: E402

from focusclip_golden import load_case  # noqa: E402
from focusclip_torch.model import model_loss  # noqa: E402


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit("usage: torch_step.py case.safetensors [--steps N]")
    steps = int(args[args.index("--steps") + 1]) if "--steps" in args else 3
    torch.manual_seed(0)
    # All cores by default; FOCUSCLIP_TORCH_THREADS=1 avoids OpenMP spin-waiting on a busy machine.
    torch.set_num_threads(int(os.environ.get("FOCUSCLIP_TORCH_THREADS") or os.cpu_count()))
    model, inputs, meta = load_case(args[0])
    batches = [{k: v for k, v in inputs.items() if "." not in k}]
    while any(k.startswith(f"step{len(batches)}.") for k in inputs):
        pre = f"step{len(batches)}."
        batches.append({k[len(pre) :]: v for k, v in inputs.items() if k.startswith(pre)})
    for b in batches:
        b["ids"] = b["ids"].long()
    train = json.loads(meta["bench_train"])
    if train["optimizer"] != "adamw":
        sys.exit(f"torch_step.py: only the AdamW recipe is mirrored, got optimizer {train['optimizer']}")
    params = list(model.parameters())
    # Ours applies decoupled weight decay to every parameter of the arena, as this single group does.
    opt = torch.optim.AdamW(params, lr=train["lrs"][0], betas=(train["beta1"], train["beta2"]), eps=1e-8, weight_decay=train["weightDecay"])
    lrs = train["lrs"]

    def step(i):
        for g in opt.param_groups:
            g["lr"] = lrs[min(i, len(lrs) - 1)]
        opt.zero_grad(set_to_none=True)
        loss, _, _ = model_loss(model, batches[min(i, len(batches) - 1)])
        loss.backward()
        # The norm before clipping, as ours reports (inf max_norm: measure without clipping).
        norm = torch.nn.utils.clip_grad_norm_(params, train["clipNorm"] if train["clipNorm"] > 0 else float("inf"))
        opt.step()
        return loss.item(), norm.item()

    t0 = time.perf_counter()
    first = step(0)
    first_ms = (time.perf_counter() - t0) * 1000
    second = step(1)

    def timed(i):
        t = time.perf_counter()
        step(i)
        return (time.perf_counter() - t) * 1000

    serve = "--serve" in args
    times = [] if serve else [timed(2 + s) for s in range(steps)]
    result = {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "losses": [first[0], second[0]],
        "gradNorms": [first[1], second[1]],
        "firstStepMs": first_ms,
        "stepMs": times,
    }
    print(json.dumps(result), flush=True)
    if serve:
        for line in sys.stdin:
            cmd = line.split()
            if len(cmd) != 2 or cmd[0] != "step":
                sys.exit(f"torch_step.py --serve: expected 'step <i>', got {line!r}")
            print(json.dumps({"ms": timed(int(cmd[1]))}), flush=True)


if __name__ == "__main__":
    main()
