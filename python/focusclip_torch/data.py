"""Data files written by `focusclip export-data` and the engine's data order rule.

A data file holds model-ready tensors (train/tensor-export.ts): train.pixels U8 [N, S, S, 3],
train.ids / train.mask I32 [N, L], train.heatmap F32 [N, 1, S, S] for FocusCLIP, and optionally
evaluation sets eval.<name>.*. The sample order of an epoch is the engine's (train/batches.ts):
a Fisher-Yates shuffle driven by mulberry32 seeded with seed * 7919 + epoch * 104729 + 1.
"""
import json

import torch

from .safetensors import read_safetensors

META_DATA = "focusclip_data"
U32 = 0xFFFFFFFF


class Rng:
    """engine/rng.ts (mulberry32) in 32-bit integer arithmetic."""

    def __init__(self, seed=0):
        self.state = (seed & U32) or 0x9E3779B9

    def next(self):
        self.state = (self.state + 0x6D2B79F5) & U32
        t = self.state
        t = ((t ^ (t >> 15)) * (t | 1)) & U32
        t ^= (t + (((t ^ (t >> 7)) * (t | 61)) & U32)) & U32
        return ((t ^ (t >> 14)) & U32) / 4294967296

    def int(self, n):
        return int(self.next() * n)

    def shuffle(self, xs):
        for i in range(len(xs) - 1, 0, -1):
            j = self.int(i + 1)
            xs[i], xs[j] = xs[j], xs[i]
        return xs


def epoch_order(seed, epoch, n):
    """The sample order of an epoch: a pure function of (seed, epoch), as the engine's TrainSet."""
    return Rng((seed * 7919 + epoch * 104729 + 1) & U32).shuffle(list(range(n)))


def batch_indices(seed, step, batch_size, n):
    """The global batch of a step (train/trainer.ts batchIndices)."""
    per_epoch = n // batch_size
    epoch, k = divmod(step, per_epoch)
    return epoch_order(seed, epoch, n)[k * batch_size : (k + 1) * batch_size]


def pixels_chw(u8):
    """U8 [N, S, S, 3] -> the model's [0, 1] float pixels [N, 3, S, S] (data/image.ts toCHW)."""
    return u8.permute(0, 3, 1, 2).float().div(255.0).contiguous()


class DataFile:
    def __init__(self, path):
        tensors, meta = read_safetensors(path)
        if META_DATA not in meta:
            raise ValueError(f"{path} is not a data file of `focusclip export-data` (no __metadata__.{META_DATA}); write one with focusclip export-data --checkpoint <run checkpoint> --out {path}")
        self.path = path
        self.info = json.loads(meta[META_DATA])
        self.meta = meta
        need = ["train.pixels", "train.ids", "train.mask"] + (["train.heatmap"] if self.info.get("heatmaps") else [])
        missing = [k for k in need if k not in tensors]
        if missing:
            raise ValueError(f"{path} lacks {', '.join(missing)}; the file is incomplete, export it again")
        n, S, L = self.info["count"], self.info["imageSize"], self.info["contextLength"]
        want = {"train.pixels": [n, S, S, 3], "train.ids": [n, L], "train.mask": [n, L], "train.heatmap": [n, 1, S, S]}
        for k in need:
            if list(tensors[k].shape) != want[k]:
                raise ValueError(f"{path}: {k} has shape {list(tensors[k].shape)}, expected {want[k]} for {n} samples at {S}px, context {L}")
        self.pixels = tensors["train.pixels"]
        self.ids = tensors["train.ids"].long()
        self.mask = tensors["train.mask"].float()
        self.heatmap = tensors.get("train.heatmap")
        self.tensors = tensors

    @property
    def size(self):
        return self.info["count"]

    def batch(self, indices):
        idx = torch.tensor(indices, dtype=torch.long)
        b = {"pixels": pixels_chw(self.pixels[idx]), "ids": self.ids[idx], "mask": self.mask[idx]}
        if self.heatmap is not None:
            b["heatmap"] = self.heatmap[idx]
        return b

    def eval_sets(self):
        """{name: {pixels, labels, ids, mask, prompt_class, classes, item_ids, k}} as `focusclip eval` sees them."""
        out = {}
        for name in self.info.get("evalSets", []):
            p = f"eval.{name}."
            d = {k: self.tensors[p + k] for k in ("pixels", "labels", "ids", "mask", "prompt_class")}
            d["pixels"] = pixels_chw(d["pixels"])
            d["ids"] = d["ids"].long()
            d["mask"] = d["mask"].float()
            d["classes"] = json.loads(self.meta[p + "classes"])
            d["item_ids"] = json.loads(self.meta[p + "item_ids"])
            d["k"] = int(self.meta[p + "k"])
            out[name] = d
        return out
