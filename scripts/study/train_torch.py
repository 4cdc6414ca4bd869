#!/usr/bin/env python3
"""Replays the demo's training in PyTorch on the CPU (the study behind the README's demo analysis).

Reads the world written by scripts/study/export-synthetic.ts (training samples, held-out zero-shot
sets, our initial weights and model configs), trains CLIP or FocusCLIP with the demo's recipe
(AdamW, warm-up + cosine, clipping 1.0, NT-Xent) using the model of test/golden/focusclip_golden.py,
and prints zero-shot accuracy on the held-out sets every --eval-every steps, so that questions like
"how many steps until the models transfer?" cost minutes instead of hours.

Usage: python3 scripts/study/train_torch.py /tmp/world.safetensors --kind focusclip --steps 2000
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "test", "golden"))
from focusclip_golden import FocusCLIP, model_loss, read_safetensors  # noqa: E402

TOPK = {"synthetic-activity": 3}


def load_world(path):
    t, meta = read_safetensors(path)
    train = {}
    for k in ("pixels", "ids", "mask", "heatmap"):
        parts = sorted((int(n.split(".")[-1]), v) for n, v in t.items() if n.startswith(f"train.{k}."))
        train[k] = torch.cat([v for _, v in parts])
    train["ids"] = train["ids"].long()
    evals = {}
    for n in t:
        if n.startswith("eval.") and n.endswith(".labels"):
            name = n[len("eval.") : -len(".labels")]
            evals[name] = {k: t[f"eval.{name}.{k}"] for k in ("pixels", "labels", "ids", "mask")}
            evals[name]["ids"] = evals[name]["ids"].long()
            evals[name]["classes"] = json.loads(meta[f"eval.{name}.classes"])
    return t, meta, train, evals


@torch.no_grad()
def zero_shot(model, evals):
    model.eval()
    out = {}
    for name, d in evals.items():
        zi = F.normalize(torch.cat([model.encode_image(d["pixels"][i : i + 128]) for i in range(0, len(d["pixels"]), 128)]), dim=1)
        zt = F.normalize(model.encode_text(d["ids"], d["mask"]), dim=1)
        k = TOPK.get(name, 1)
        top = (zi @ zt.t()).topk(k, dim=1).indices
        out[name] = 100.0 * (top == d["labels"].long()[:, None]).any(1).float().mean().item()
    model.train()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("world")
    ap.add_argument("--kind", default="focusclip", choices=["clip", "focusclip"])
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--wd", type=float, default=0.05)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--eval-every", type=int, default=100)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--temperature", type=float, default=None)
    ap.add_argument("--loss", default="focus3", choices=["focus3", "focus2"], help="FocusCLIP: with or without the focus-image term")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=None, help="JSON lines of the zero-shot curve")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    t, meta, train, evals = load_world(a.world)
    cfg = json.loads(meta[f"config.{a.kind}"])
    if a.temperature:
        cfg["temperature"] = a.temperature
    if a.kind == "focusclip":
        cfg["loss"] = a.loss
    model = FocusCLIP(cfg)
    pre = f"init.{a.kind}."
    model.load_state_dict({k[len(pre) :]: v for k, v in t.items() if k.startswith(pre)}, strict=True)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, betas=(0.9, 0.98), weight_decay=a.wd)
    N = len(train["pixels"])
    order, pos = torch.randperm(N), 0
    log = open(a.out, "w") if a.out else None
    chance = {n: 100.0 * min(TOPK.get(n, 1), len(d["classes"])) / len(d["classes"]) for n, d in evals.items()}
    print("chance", json.dumps({k: round(v, 2) for k, v in chance.items()}), "mean", round(sum(chance.values()) / len(chance), 2))
    t0 = time.time()
    for step in range(a.steps):
        if pos + a.batch > N:
            order, pos = torch.randperm(N), 0
        idx = order[pos : pos + a.batch]
        pos += a.batch
        lr = a.lr * (step + 1) / a.warmup if step < a.warmup else 0.5 * a.lr * (1 + math.cos(math.pi * (step - a.warmup) / max(1, a.steps - a.warmup)))
        for g in opt.param_groups:
            g["lr"] = lr
        batch = {k: v[idx] for k, v in train.items()}
        loss, _, _ = model_loss(model, batch)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if (step + 1) % a.eval_every == 0 or step + 1 == a.steps:
            zs = zero_shot(model, evals)
            mean = sum(zs.values()) / len(zs)
            rec = {"step": step + 1, "loss": round(loss.item(), 4), "sec": round(time.time() - t0, 1), "mean": round(mean, 2), **{k.replace("synthetic-", ""): round(v, 2) for k, v in zs.items()}}
            print(json.dumps(rec), flush=True)
            if log:
                log.write(json.dumps(rec) + "\n")
                log.flush()


if __name__ == "__main__":
    main()
