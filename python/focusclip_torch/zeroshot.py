"""Zero-shot predictions of a checkpoint on the evaluation sets of a data file, computed as
`focusclip eval` computes them (eval/zeroshot.ts): L2-normalised image embeddings against class
embeddings that average each class's L2-normalised prompt embeddings; top-5 classes per image,
ties to the lower class index.

    python3 -m focusclip_torch.zeroshot --checkpoint ckpt.safetensors --data data.safetensors [--out preds.json]
"""
import argparse
import json
import sys

import torch

from .checkpoint import Checkpoint
from .data import DataFile


def l2_rows(x):
    n = x.norm(dim=1, keepdim=True)
    return torch.where(n > 0, x / n.clamp_min(1e-30), x)


@torch.no_grad()
def predict(model, d, batch=32):
    model.eval()
    img = torch.cat([model.encode_image(d["pixels"][i : i + batch]) for i in range(0, len(d["pixels"]), batch)])
    txt = l2_rows(model.encode_text(d["ids"], d["mask"]))
    C = len(d["classes"])
    cls = torch.zeros(C, txt.shape[1]).index_add_(0, d["prompt_class"].long(), txt)
    scores = l2_rows(img) @ l2_rows(cls).t()
    top = []
    for row in scores.tolist():
        top.append(sorted(range(C), key=lambda j: (-row[j], j))[: min(5, C)])
    labels = d["labels"].tolist()
    acc = sum(l in t[: d["k"]] for l, t in zip(labels, top)) / len(labels)
    return {"ids": d["item_ids"], "top": top, "scores": scores.tolist(), "accuracy": acc, "k": d["k"]}


def main(argv=None):
    p = argparse.ArgumentParser(prog="focusclip_torch.zeroshot", description="zero-shot predictions like focusclip eval")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--data", required=True, help="data file from focusclip export-data --eval-dataset ...")
    p.add_argument("--out", help="write the JSON here instead of to stdout")
    args = p.parse_args(argv)
    try:
        model = Checkpoint(args.checkpoint).build_model()
        sets = DataFile(args.data).eval_sets()
    except ValueError as err:
        print(f"focusclip_torch.zeroshot: {err}", file=sys.stderr)
        return 2
    if not sets:
        print(f"focusclip_torch.zeroshot: {args.data} holds no evaluation sets; export it with --eval-dataset kind:path", file=sys.stderr)
        return 2
    result = {name: predict(model, d) for name, d in sets.items()}
    if args.out:
        with open(args.out, "w") as f:
            json.dump(result, f)
    else:
        json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
