"""Our checkpoint format (docs/model.md, "Checkpoint layout"): read it into a PyTorch model and
optimizer, and write it back exactly, so that `focusclip train --resume`, `focusclip eval` and
the browser demo page take a checkpoint written here as one written by the engine.

A checkpoint is one safetensors file:
- the parameters under their timm / Hugging Face names, and the feature-normalisation
  statistics (visual_norm.* / text_norm.*) for models with feature normalisation;
- optimizer.<state> (exp_avg and exp_avg_sq for AdamW, momentum for SGD): one flat F32 vector
  each, laid out like the engine's parameter arena; __metadata__.optimizer_layout lists each
  parameter's [name, offset, count] in it;
- __metadata__.focusclip_config (the model config) and .training_state (step, the training
  config, the vocabulary joined by newlines, the optimizer's description, the data source and
  its number of samples).
"""
import json

import torch

from .model import FocusCLIP
from .optim import Optimizer, describe, state_names
from .safetensors import read_safetensors, write_safetensors

META_CONFIG = "focusclip_config"
META_STATE = "training_state"
META_LAYOUT = "optimizer_layout"
# The engine aligns arena offsets to minStorageBufferOffsetAlignment (256 bytes on every adapter
# we know); used only for checkpoints written before the layout was recorded.
LEGACY_ALIGN_FLOATS = 64


class Checkpoint:
    def __init__(self, path):
        tensors, meta = read_safetensors(path)
        self.path = path
        if META_CONFIG not in meta:
            raise ValueError(f"{path} has no __metadata__.{META_CONFIG}: it is not a checkpoint of focusclip train")
        if META_STATE not in meta:
            raise ValueError(f"{path} has no training state (it was not written by focusclip train); it can initialise a model but not resume a run")
        self.model_cfg = json.loads(meta[META_CONFIG])
        self.state = json.loads(meta[META_STATE])
        self.train_cfg = self.state["train"]
        self.step = int(self.state["step"])
        self.vocab = self.state["vocab"]
        self.weights = {k: v for k, v in tensors.items() if not k.startswith("optimizer.")}
        self.optimizer = {k[len("optimizer.") :]: v for k, v in tensors.items() if k.startswith("optimizer.")}
        self.layout = json.loads(meta[META_LAYOUT]) if META_LAYOUT in meta else self._legacy_layout()

    def _legacy_layout(self):
        params, off = [], 0
        for name, t in self.weights.items():
            if name.endswith(".running_mean") or name.endswith(".running_var"):
                continue
            params.append([name, off, t.numel()])
            off += -(-max(t.numel(), 1) // LEGACY_ALIGN_FLOATS) * LEGACY_ALIGN_FLOATS
        return {"size": off, "params": params}

    def build_model(self, preset=None):
        """The model with every weight loaded strictly; a clear error if the file does not fit."""
        cfg = self.model_cfg
        if preset is not None and self.train_cfg.get("model") != preset:
            raise ValueError(f"{self.path} holds a '{self.train_cfg.get('model')}' model, not '{preset}'; pass the checkpoint of a {preset} run or drop --model")
        model = FocusCLIP(cfg)
        own = model.state_dict()
        missing = [k for k in own if k not in self.weights]
        unexpected = [k for k in self.weights if k not in own]
        shapes = [f"{k}: file {list(v.shape)}, model {list(own[k].shape)}" for k, v in self.weights.items() if k in own and v.shape != own[k].shape]
        if missing or unexpected or shapes:
            lines = [f"  missing: {', '.join(missing[:8])}" if missing else "", f"  unexpected: {', '.join(unexpected[:8])}" if unexpected else "", *(f"  {s}" for s in shapes[:8])]
            raise ValueError(f"{self.path} does not match the model its config describes:\n" + "\n".join(x for x in lines if x))
        model.load_state_dict({k: v.float() if v.dtype != torch.float32 else v for k, v in self.weights.items()}, strict=True)
        return model

    def build_optimizer(self, model, cfg):
        params = dict(model.named_parameters())
        names = state_names(cfg)
        if not all(n in self.optimizer for n in names):
            raise ValueError(f"{self.path} has optimizer state {sorted(self.optimizer)} but {describe(cfg)} needs {names}")
        spans = {name: (off, count) for name, off, count in self.layout["params"]}
        state = {}
        for n in names:
            flat = self.optimizer[n].reshape(-1)
            if flat.numel() != self.layout["size"]:
                raise ValueError(f"{self.path}: optimizer.{n} has {flat.numel()} values but the layout says {self.layout['size']}")
            per = {}
            for name, p in params.items():
                if name not in spans or spans[name][1] != p.numel():
                    raise ValueError(f"{self.path}: the optimizer layout has no span of {p.numel()} values for {name}")
                off, count = spans[name]
                per[name] = flat[off : off + count].reshape(p.shape).clone()
            state[n] = per
        return Optimizer(params.items(), cfg, state=state, step=self.step)


def write_checkpoint(path, model, model_cfg, train_cfg, step, vocab, optimizer, layout, data=None):
    """Our checkpoint of `model` and `optimizer` at `step`, written atomically and durably."""
    tensors = {}
    params = dict(model.named_parameters())
    for name, _, _ in layout["params"]:
        tensors[name] = params[name].detach()
    for name, b in model.named_buffers():
        tensors[name] = b.detach()
    for n, per in optimizer.state.items():
        flat = torch.zeros(layout["size"], dtype=torch.float32)
        for name, off, count in layout["params"]:
            flat[off : off + count] = per[name].reshape(-1)
        tensors[f"optimizer.{n}"] = flat
    state = {"step": step, "train": train_cfg, "vocab": vocab, "optimizer": describe(train_cfg)}
    if data:
        state["data"] = data
    meta = {META_CONFIG: json.dumps(model_cfg), META_STATE: json.dumps(state), META_LAYOUT: json.dumps(layout), "format": "pt"}
    write_safetensors(path, tensors, meta)


@torch.no_grad()
def calibrate_feature_norm(model, data, samples=512, chunk=64, device=None):
    """Inference statistics of the feature normalisation over the first `samples` training samples,
    accumulated in float64 (train/trainer.ts calibrate, model/feature-norm.ts FeatureMoments)."""
    if model.cfg.get("featureNorm") != "batch":
        return
    was = model.training
    model.eval()
    n = min(data.size, samples)
    sums = {}
    for s in range(0, n, chunk):
        b = {k: v.to(device) if device is not None else v for k, v in data.batch(list(range(s, min(n, s + chunk)))).items()}
        for tower, f in (("visual", model.image_features(b["pixels"])), ("text", model.text_features(b["ids"], b["mask"]))):
            f = f.double()
            acc = sums.setdefault(tower, [0, 0])
            acc[0] = acc[0] + f.sum(0)
            acc[1] = acc[1] + (f * f).sum(0)
    for tower, (s1, s2) in sums.items():
        mean = s1 / n
        var = torch.clamp(s2 / n - mean * mean, min=0)
        norm = getattr(model, f"{tower}_norm")
        norm.running_mean.copy_(mean.float())
        norm.running_var.copy_(var.float())
    model.train(was)
