"""The PyTorch FocusCLIP / CLIP: one definition, used by the golden test (test/golden), the study
replays (scripts/study), the PyTorch peer of `bench e2e` and multi-process training (train.py).

Parameter names are timm's ViT and Hugging Face's BERT, so our checkpoints load strictly; the
golden test checks that this module computes what the engine computes (loss, terms, embeddings
and every gradient).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


# ----------------------------------------------------------------------------- timm ViT


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        attn = (q @ k.transpose(-2, -1)) * (C // self.heads) ** -0.5
        x = attn.softmax(dim=-1) @ v
        return self.proj(x.transpose(1, 2).reshape(B, N, C))


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, v):
        super().__init__()
        D = v["width"]
        self.norm1 = nn.LayerNorm(D, eps=v["lnEps"])
        self.attn = Attention(D, v["heads"])
        self.norm2 = nn.LayerNorm(D, eps=v["lnEps"])
        self.mlp = Mlp(D, v["mlpDim"])

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class PatchEmbed(nn.Module):
    def __init__(self, v):
        super().__init__()
        self.proj = nn.Conv2d(v["channels"], v["width"], v["patchSize"], v["patchSize"])

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class VisionTransformer(nn.Module):
    def __init__(self, v):
        super().__init__()
        D = v["width"]
        n = (v["imageSize"] // v["patchSize"]) ** 2
        self.cls_token = nn.Parameter(torch.zeros(1, 1, D))
        self.pos_embed = nn.Parameter(torch.zeros(1, n + 1, D))
        self.patch_embed = PatchEmbed(v)
        self.blocks = nn.ModuleList([Block(v) for _ in range(v["depth"])])
        self.norm = nn.LayerNorm(D, eps=v["lnEps"])

    def forward(self, x):
        x = self.patch_embed(x)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos_embed
        for b in self.blocks:
            x = b(x)
        return self.norm(x)[:, 0]


# ----------------------------------------------------------------------------- HF BERT


class Module(nn.Module):
    """An empty container so attribute paths spell Hugging Face's parameter names."""


class BertLayer(nn.Module):
    def __init__(self, t):
        super().__init__()
        D, eps = t["width"], t["lnEps"]
        self.heads = t["heads"]
        self.attention = Module()
        self.attention.self = Module()
        self.attention.self.query = nn.Linear(D, D)
        self.attention.self.key = nn.Linear(D, D)
        self.attention.self.value = nn.Linear(D, D)
        self.attention.output = Module()
        self.attention.output.dense = nn.Linear(D, D)
        self.attention.output.LayerNorm = nn.LayerNorm(D, eps=eps)
        self.intermediate = Module()
        self.intermediate.dense = nn.Linear(D, t["ffnDim"])
        self.output = Module()
        self.output.dense = nn.Linear(t["ffnDim"], D)
        self.output.LayerNorm = nn.LayerNorm(D, eps=eps)

    def forward(self, x, bias):
        B, L, D = x.shape
        sa = self.attention.self
        split = lambda y: y.reshape(B, L, self.heads, D // self.heads).transpose(1, 2)
        q, k, v = split(sa.query(x)), split(sa.key(x)), split(sa.value(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(D // self.heads) + bias
        a = (scores.softmax(-1) @ v).transpose(1, 2).reshape(B, L, D)
        x = self.attention.output.LayerNorm(x + self.attention.output.dense(a))
        h = F.gelu(self.intermediate.dense(x))
        return self.output.LayerNorm(x + self.output.dense(h))


class Bert(nn.Module):
    def __init__(self, t):
        super().__init__()
        D = t["width"]
        self.embeddings = Module()
        self.embeddings.word_embeddings = nn.Embedding(t["vocabSize"], D, padding_idx=0)
        self.embeddings.position_embeddings = nn.Embedding(t["contextLength"], D)
        self.embeddings.token_type_embeddings = nn.Embedding(t["typeVocabSize"], D)
        self.embeddings.LayerNorm = nn.LayerNorm(D, eps=t["lnEps"])
        self.encoder = Module()
        self.encoder.layer = nn.ModuleList([BertLayer(t) for _ in range(t["depth"])])

    def forward(self, ids, mask):
        B, L = ids.shape
        e = self.embeddings
        pos = torch.arange(L).unsqueeze(0)
        x = e.word_embeddings(ids) + e.position_embeddings(pos) + e.token_type_embeddings(torch.zeros_like(ids))
        x = e.LayerNorm(x)
        # As HF's get_extended_attention_mask: (1 - mask) * finfo.min on the keys.
        bias = (1.0 - mask)[:, None, None, :] * torch.finfo(torch.float32).min
        for layer in self.encoder.layer:
            x = layer(x, bias)
        return x


# ----------------------------------------------------------------------------- FocusCLIP


class FeatureNorm(nn.Module):
    """BatchNorm1d without affine (model/feature-norm.ts): batch statistics in training; in eval
    mode the stored statistics (our engine calibrates them after training; here a momentum-0.1
    running average stands in, which only scripts/study's zero-shot curve reads)."""

    def __init__(self, d):
        super().__init__()
        self.register_buffer("running_mean", torch.zeros(d))
        self.register_buffer("running_var", torch.ones(d))

    def forward(self, x):
        if self.training:
            with torch.no_grad():
                self.running_mean.lerp_(x.mean(0), 0.1)
                self.running_var.lerp_(x.var(0, unbiased=False), 0.1)
            return F.batch_norm(x, None, None, training=True, eps=1e-5)
        return F.batch_norm(x, self.running_mean, self.running_var, training=False, eps=1e-5)



class FocusCLIP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        E = cfg["embedDim"]
        self.visual = VisionTransformer(cfg["vision"])
        self.text = Bert(cfg["text"])
        self.visual_proj = nn.Linear(cfg["vision"]["width"], E)
        self.text_proj = nn.Linear(cfg["text"]["width"], E)
        if cfg.get("featureNorm") == "batch":
            self.visual_norm = FeatureNorm(cfg["vision"]["width"])
            self.text_norm = FeatureNorm(cfg["text"]["width"])
        if cfg["kind"] == "focusclip":
            self.focus_alpha = nn.Parameter(torch.tensor(cfg["alphaInit"]))
        if cfg["loss"] == "infonce":
            self.logit_scale = nn.Parameter(torch.tensor(cfg["logitScaleInit"]))

    # Each tower is split at its pooled features: everything after them (feature normalisation,
    # projection, loss) needs the whole batch, so multi-process training gathers the pooled
    # features of every process there (`gather`) and runs the rest on the global batch.

    def image_features(self, x):
        """Pooled ViT features [B, width] of [0, 1] pixels (before normalisation and projection)."""
        if self.cfg.get("centerPixels"):
            x = x * 2 - 1
        return self.visual(x)

    def image_head(self, f):
        if self.cfg.get("featureNorm") == "batch":
            f = self.visual_norm(f)
        return self.visual_proj(f)

    def encode_image(self, x, gather=None):
        f = self.image_features(x)
        return self.image_head(gather(f) if gather else f)

    def text_features(self, ids, mask):
        h = self.text(ids, mask)
        pool = self.cfg["text"]["pooling"]
        if pool == "mean-all":
            return h.mean(1)
        if pool == "cls":
            return h[:, 0]
        return (h * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)

    def text_head(self, p):
        if self.cfg.get("featureNorm") == "batch":
            p = self.text_norm(p)
        return self.text_proj(p)

    def encode_text(self, ids, mask, gather=None):
        p = self.text_features(ids, mask)
        return self.text_head(gather(p) if gather else p)


def nt_xent(a, b, temperature):
    """SimCLR's NT-Xent: 2B anchors, positive = the other view, all 2B-2 others negative."""
    B = a.shape[0]
    z = F.normalize(torch.cat([a, b]), dim=1)
    sim = z @ z.t() / temperature
    sim = sim.masked_fill(torch.eye(2 * B, dtype=torch.bool), float("-inf"))
    target = torch.cat([torch.arange(B, 2 * B), torch.arange(0, B)])
    return F.cross_entropy(sim, target)


def info_nce(i, t, logit_scale):
    logits = logit_scale.exp() * F.normalize(i, dim=1) @ F.normalize(t, dim=1).t()
    target = torch.arange(i.shape[0])
    return (F.cross_entropy(logits, target) + F.cross_entropy(logits.t(), target)) / 2


def model_loss(model, batch, gather=None):
    """The training objective on one batch: (loss, {term: value}, {embedding name: tensor}).
    With `gather` (multi-process training), the pooled features of every process's share of the
    batch are gathered and the loss is the global batch's, the same on every process."""
    cfg = model.cfg
    pixels, ids, mask = batch["pixels"], batch["ids"], batch["mask"]
    T = cfg["temperature"]
    zT = model.encode_text(ids, mask, gather)
    out = {"z.text": zT}
    terms = {}
    if cfg["kind"] == "focusclip":
        a = model.focus_alpha.clamp(0, 1) if cfg["clampAlpha"] else model.focus_alpha
        focused = pixels * (a + (1 - a) * batch["heatmap"])
        zI = model.encode_image(pixels, gather)
        zM = model.encode_image(focused, gather)
        out["z.image"], out["z.focus"] = zI, zM
        if cfg["loss"] == "focus3":
            terms["focus-image"] = nt_xent(zM, zI, T)
        terms["focus-text"] = nt_xent(zM, zT, T)
        terms["image-text"] = nt_xent(zI, zT, T)
    else:
        zI = model.encode_image(pixels, gather)
        out["z.image"] = zI
        terms["image-text"] = info_nce(zI, zT, model.logit_scale) if cfg["loss"] == "infonce" else nt_xent(zI, zT, T)
    return sum(terms.values()), terms, out
