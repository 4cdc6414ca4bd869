#!/usr/bin/env python3
"""Replays the demo's training in PyTorch on the CPU (the study behind the README's demo analysis).

Reads the world written by scripts/study/export-synthetic.ts (training samples, held-out zero-shot
sets, our initial weights and model configs), trains CLIP or FocusCLIP with the demo's recipe
(AdamW, warm-up + cosine, clipping 1.0, NT-Xent; the flags change one knob at a time) using the
model of python/focusclip_torch/model.py, and prints zero-shot accuracy on the validation split
(the training world under other seeds) every --eval-every steps, so that recipe questions cost
minutes instead of hours. Tune on the validation split only; --split eval reads the held-out sets,
for reporting a recipe already chosen.

Usage: python3 scripts/study/train_torch.py /tmp/world.safetensors --kind clip --steps 400 --threads 1
       ... --feature-norm none --temperature 0.5   (the paper's objective)
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
from focusclip_torch.model import FocusCLIP, model_loss  # noqa: E402
from focusclip_torch.safetensors import read_safetensors  # noqa: E402

def topk_of(name):
    return 3 if name.startswith("synthetic-activity") else 1


def load_world(path, split="val"):
    t, meta = read_safetensors(path)
    train = {}
    for k in ("pixels", "ids", "mask", "heatmap"):
        parts = sorted((int(n.split(".")[-1]), v) for n, v in t.items() if n.startswith(f"train.{k}."))
        train[k] = torch.cat([v for _, v in parts])
    train["ids"] = train["ids"].long()
    evals = {}
    pre = split + "."
    for n in t:
        if n.startswith(pre) and n.endswith(".labels"):
            name = n[len(pre) : -len(".labels")]
            evals[name] = {k: t[f"{pre}{name}.{k}"] for k in ("pixels", "labels", "ids", "mask")}
            evals[name]["ids"] = evals[name]["ids"].long()
            evals[name]["classes"] = json.loads(meta[f"{pre}{name}.classes"])
            k = 0
            while f"{pre}{name}.p{k}.ids" in t:  # prompt variants (export --prompt-variants)
                evals[name].setdefault("variants", []).append((t[f"{pre}{name}.p{k}.ids"].long(), t[f"{pre}{name}.p{k}.mask"], int(meta[f"{pre}{name}.p{k}.templates"])))
                k += 1
    return t, meta, train, evals


@torch.no_grad()
def zero_shot(model, evals, poolings=()):
    """Accuracy per set; `poolings`: other text poolings to score the same prompts with (keys tagged "@pooling")."""
    model.eval()
    out = {}
    for name, d in evals.items():
        zi = F.normalize(torch.cat([model.encode_image(d["pixels"][i : i + 128]) for i in range(0, len(d["pixels"]), 128)]), dim=1)
        prompts = [(d["ids"], d["mask"], 1)] + d.get("variants", [])
        k = topk_of(name)
        trained_pool = model.cfg["text"]["pooling"]
        try:
            for pool in [trained_pool] + [p for p in poolings if p != trained_pool]:
                model.cfg["text"]["pooling"] = pool
                for v, (ids, mask, T) in enumerate(prompts):
                    zt = F.normalize(model.encode_text(ids, mask), dim=1)
                    zt = F.normalize(zt.view(-1, T, zt.shape[1]).mean(1), dim=1)  # templates of a class averaged
                    top = (zi @ zt.t()).topk(k, dim=1).indices
                    tag = ("" if v == 0 else f"@p{v - 1}") + ("" if pool == trained_pool else f"@{pool}")
                    out[name + tag] = 100.0 * (top == d["labels"].long()[:, None]).any(1).float().mean().item()
        finally:
            model.cfg["text"]["pooling"] = trained_pool
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
    ap.add_argument("--split", default="val", choices=["val", "eval"], help="zero-shot sets: the validation split (tuning) or the held-out sets (reporting)")
    ap.add_argument("--pooling", default=None, choices=["mean-all", "mean-masked", "cls"])
    ap.add_argument("--clip-loss", default=None, choices=["ntxent", "infonce"], help="CLIP's loss (default: the config's)")
    ap.add_argument("--clip-norm", type=float, default=1.0)
    ap.add_argument("--beta2", type=float, default=0.98)
    ap.add_argument("--init", action="append", default=[], help="safetensors of pretrained weights (our names, or a tower written by `focusclip pretrain`) loaded over the initial ones; repeatable")
    ap.add_argument("--text-bow", action="store_true", help="diagnostic: a bag of word embeddings instead of the text transformer")
    ap.add_argument("--patch", type=int, default=None, help="a different ViT patch size (patch embedding and positions initialised afresh)")
    ap.add_argument("--feature-norm", default=None, choices=["none", "batch"], help="batch-normalise the pooled features before the projections (the modern recipe) or not (default: the world's config)")
    ap.add_argument("--train-limit", type=int, default=None, help="train on the first N samples of the world only (a smaller training set from the same world)")
    ap.add_argument("--out", default=None, help="JSON lines of the zero-shot curve")
    ap.add_argument("--temperature-from", type=float, default=None, help="start at this temperature and move linearly to the config's over the warm-up steps")
    ap.add_argument("--eval-pooling", action="append", default=[], choices=["mean-all", "mean-masked", "cls"], help="also score the zero-shot prompts with this text pooling (same weights)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    t, meta, train, evals = load_world(a.world, a.split)
    if a.train_limit:
        train = {k: v[: a.train_limit] for k, v in train.items()}
    cfg = json.loads(meta[f"config.{a.kind}"])
    if a.temperature:
        cfg["temperature"] = a.temperature
    if a.kind == "focusclip":
        cfg["loss"] = a.loss
    elif a.clip_loss:
        cfg["loss"] = a.clip_loss
    if a.pooling:
        cfg["text"]["pooling"] = a.pooling
    if a.feature_norm:
        cfg["featureNorm"] = a.feature_norm
    fresh = ("visual.patch_embed", "visual.pos_embed") if a.patch else ()
    if a.patch:
        cfg["vision"]["patchSize"] = a.patch
        cfg["vision"]["imageSize"] = train["pixels"].shape[-1]
    model = FocusCLIP(cfg)
    if a.patch:
        with torch.no_grad():
            model.visual.pos_embed.normal_(0, 0.02)
    pre = f"init.{a.kind}."
    init = {k[len(pre) :]: v for k, v in t.items() if k.startswith(pre) and not k[len(pre) :].startswith(fresh)}
    missing, unexpected = model.load_state_dict(init, strict=False)
    # Parameters the recipe adds (logit scale, new patch embedding) or buffers (feature-norm statistics) start fresh.
    allowed = ("logit_scale", "visual.patch_embed", "visual.pos_embed", "visual_norm.", "text_norm.")
    if unexpected or [k for k in missing if not k.startswith(allowed)]:
        sys.exit(f"initial weights do not fit the model: missing {missing}, unexpected {unexpected}")
    for f in a.init:
        w, wmeta = read_safetensors(f)
        if "focusclip_pretrain" in wmeta:  # a tower from `focusclip pretrain`: timm / HF names without our prefix
            prefix = {"vision": "visual.", "text": "text."}[json.loads(wmeta["focusclip_pretrain"])["tower"]]
            w = {prefix + k: v for k, v in w.items()}
        missing = [k for k in w if k not in model.state_dict()]
        if missing:
            sys.exit(f"{f}: {len(missing)} names the model lacks, e.g. {missing[:3]}")
        model.load_state_dict(w, strict=False)
        print(f"loaded {len(w)} tensors from {f}")
    if a.text_bow:
        bow = torch.nn.EmbeddingBag(cfg["text"]["vocabSize"], cfg["text"]["width"], mode="mean")
        model.bow = bow
        model.encode_text = lambda ids, mask, gather=None: model.text_proj(bow(ids))
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, betas=(0.9, a.beta2), weight_decay=a.wd)
    N = len(train["pixels"])
    order, pos = torch.randperm(N), 0
    log = open(a.out, "w") if a.out else None
    chance = {n: 100.0 * min(topk_of(n), len(d["classes"])) / len(d["classes"]) for n, d in evals.items()}
    print("chance", json.dumps({k: round(v, 2) for k, v in chance.items()}), "mean", round(sum(chance.values()) / len(chance), 2))
    t0 = time.time()
    recent = []
    # ln(2B - 1): the loss with every embedding on one point; "left the plateau" = the moving
    # average of 10 steps below it.
    plateau = math.log(2 * a.batch - 1)
    window, crossed, target_t = [], None, cfg["temperature"]
    for step in range(a.steps):
        if pos + a.batch > N:
            order, pos = torch.randperm(N), 0
        idx = order[pos : pos + a.batch]
        pos += a.batch
        lr = a.lr * (step + 1) / a.warmup if step < a.warmup else 0.5 * a.lr * (1 + math.cos(math.pi * (step - a.warmup) / max(1, a.steps - a.warmup)))
        for g in opt.param_groups:
            g["lr"] = lr
        batch = {k: v[idx] for k, v in train.items()}
        if a.temperature_from is not None:
            f = min(1.0, step / max(1, a.warmup))
            model.cfg["temperature"] = a.temperature_from + f * (target_t - a.temperature_from)
        loss, _, _ = model_loss(model, batch)
        recent = (recent + [loss.item()])[-a.eval_every :]
        window = (window + [loss.item()])[-10:]
        if crossed is None and len(window) == 10 and sum(window) / 10 < plateau:
            crossed = step
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), a.clip_norm)
        opt.step()
        if (step + 1) % a.eval_every == 0 or step + 1 == a.steps:
            zs = zero_shot(model, evals, a.eval_pooling)
            base = {k: v for k, v in zs.items() if "@" not in k}
            mean = sum(base.values()) / len(base)
            rec = {"step": step + 1, "loss": round(sum(recent) / len(recent), 4), "below_plateau_at": crossed, "sec": round(time.time() - t0, 1), "mean": round(mean, 2), **{k.replace("synthetic-", ""): round(v, 2) for k, v in zs.items()}}
            print(json.dumps(rec), flush=True)
            if log:
                log.write(json.dumps(rec) + "\n")
                log.flush()


if __name__ == "__main__":
    main()
