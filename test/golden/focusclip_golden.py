#!/usr/bin/env python3
"""PyTorch reference for FocusCLIP / CLIP (the golden test of model/golden.test.ts).

For each case file (safetensors written by the TypeScript test) this builds the model of
python/focusclip_torch/model.py (timm's ViT and Hugging Face's BERT parameter names), loads the
parameters strictly (every name and shape must match), runs the stored batch, and writes the
embeddings, the loss, its terms and the gradient of every parameter to <case>.out.safetensors.

Only torch is needed (no timm, transformers or safetensors packages): the architectures are
written out in focusclip_torch and the safetensors format is parsed by hand, so that package is
an independent statement of what the TypeScript model computes, and this test proves it.

Usage: python3 focusclip_golden.py case1.safetensors [case2.safetensors ...]
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
from focusclip_torch.model import FocusCLIP, model_loss  # noqa: E402
from focusclip_torch.safetensors import read_safetensors, write_safetensors  # noqa: E402


def load_case(path):
    """The model (parameters loaded strictly) and the stored batch of a case file."""
    tensors, meta = read_safetensors(path)
    cfg = json.loads(meta["focusclip_config"])
    model = FocusCLIP(cfg)
    params = {k: v for k, v in tensors.items() if not k.startswith("input.")}
    model.load_state_dict(params, strict=True)
    batch = {k[len("input.") :]: v for k, v in tensors.items() if k.startswith("input.")}
    batch["ids"] = batch["ids"].long()
    return model, batch, meta


def run_case(path):
    model, batch, _ = load_case(path)
    loss, terms, out = model_loss(model, batch)
    loss.backward()
    out["loss"] = loss.reshape(1)
    for k, v in terms.items():
        out["term." + k] = v.reshape(1)
    for name, p in model.named_parameters():  # buffers (feature-norm statistics) have no gradient
        out["grad." + name] = p.grad if p.grad is not None else torch.zeros_like(p)
    write_safetensors(path.replace(".safetensors", ".out.safetensors"), out, {"torch": torch.__version__})


if __name__ == "__main__":
    torch.manual_seed(0)
    torch.set_num_threads(1)
    for p in sys.argv[1:]:
        run_case(p)
        print("ok", p)
