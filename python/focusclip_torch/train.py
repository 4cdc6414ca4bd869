"""Continue a run of our engine on PyTorch, on one process or many (torch.distributed, DDP).

    python3 -m focusclip_torch.train --nproc 2 \\
        --resume runs/x/focusclip.safetensors --data data.safetensors --out runs/x-ddp

(with PYTHONPATH=python; or under torchrun --nproc_per_node=2 -m focusclip_torch.train, which sets
RANK and WORLD_SIZE itself). The checkpoint gives the model, the optimizer state, the step and the
training config (recipe, loss, schedule, clipping, seed); the data file (`focusclip export-data`)
gives the samples. Each step takes the engine's global batch for that step (the data order is a
function of seed and epoch) and splits it into equal contiguous shares, one per process; the
pooled features are gathered so the loss is the global batch's. The global batch and the
learning rate are therefore the run's own whatever the number of processes. Rank 0 writes
checkpoints (atomically) in our format and appends to <out>/train.jsonl.
"""
import argparse
import datetime
import json
import os
import sys
import time

import torch
import torch.distributed as dist

from .checkpoint import Checkpoint, calibrate_feature_norm, write_checkpoint
from .data import DataFile, batch_indices
from .distributed import make_gather
from .launch import launch
from .model import model_loss
from .optim import learning_rate


class UsageError(Exception):
    """Bad input, found before training starts."""


def parse_args(argv):
    p = argparse.ArgumentParser(prog="focusclip_torch.train", description=__doc__.split("\n\n")[0])
    p.add_argument("--resume", required=True, help="our checkpoint to continue (focusclip train or this program)")
    p.add_argument("--data", required=True, help="data file from focusclip export-data --checkpoint <the same run>")
    p.add_argument("--out", required=True, help="run folder: <kind>.safetensors and train.jsonl")
    p.add_argument("--max-steps", type=int, help="stop at this step (overrides the run's maxSteps; 0 = all epochs)")
    p.add_argument("--epochs", type=float, help="train this many epochs in all (overrides the run's epochs)")
    p.add_argument("--checkpoint-every", type=int, help="checkpoint every N steps (overrides the run's; 0 = at the end only)")
    p.add_argument("--model", help="refuse a checkpoint of another preset (tiny, small, paper)")
    p.add_argument("--force", action="store_true", help="continue on other data than the run was trained on (the data order changes)")
    p.add_argument("--threads", type=int, help="CPU threads per process (default: cores / processes)")
    p.add_argument("--nproc", type=int, default=1, help="processes to start on this machine (under torchrun: leave at 1)")
    p.add_argument("--backend", default="auto", choices=["auto", "gloo", "nccl"], help="gloo (CPUs) or nccl (one CUDA GPU per process); auto: nccl when CUDA is available")
    p.add_argument("--timeout", type=float, default=300, help="seconds a collective waits for a missing process before the run fails")
    return p.parse_args(argv)


def check(cond, msg):
    if not cond:
        raise UsageError(msg)


def setup(args, world):
    ckpt = Checkpoint(args.resume)
    cfg = dict(ckpt.train_cfg)
    for flag, field in (("max_steps", "maxSteps"), ("epochs", "epochs"), ("checkpoint_every", "checkpointEvery")):
        v = getattr(args, flag)
        if v is not None:
            check(v >= 0 and (field == "epochs" or float(v).is_integer()), f"--{flag.replace('_', '-')} must be a non-negative {'number' if field == 'epochs' else 'integer'}, got {v}")
            cfg[field] = v
    check(cfg["epochs"] > 0, f"--epochs must be > 0, got {cfg['epochs']}")
    model = ckpt.build_model(args.model)
    data = DataFile(args.data)
    mc = ckpt.model_cfg
    check(data.info["imageSize"] == mc["vision"]["imageSize"] and data.info["contextLength"] == mc["text"]["contextLength"],
          f"{args.data} was exported at {data.info['imageSize']}px with context {data.info['contextLength']}, but {args.resume} is a "
          f"'{cfg['model']}' model ({mc['vision']['imageSize']}px, context {mc['text']['contextLength']}); export the data again with --checkpoint {args.resume}")
    was = ckpt.state.get("data")
    check(not was or args.force or (was["source"] == data.info["source"] and was["size"] == data.size),
          f"{args.resume} was trained on {was and was['source']} ({was and was['size']} samples) but {args.data} holds {data.info['source']} "
          f"({data.size} samples), so this would not continue the same run; export the run's own data, or pass --force to continue on this data")
    check(data.info["vocab"] == ckpt.vocab, f"{args.data} was tokenised with another vocabulary than {args.resume}; export the data again with --checkpoint {args.resume}")
    check(mc["kind"] != "focusclip" or data.heatmap is not None, f"{args.data} has no heatmaps but {args.resume} is a FocusCLIP model; export the data with --checkpoint {args.resume}")
    B = cfg["batchSize"]
    check(B <= data.size, f"the batch size {B} is larger than the data ({data.size} samples)")
    check(B % world == 0 and B // world >= 1,
          f"the global batch of {B} does not split into {world} equal shares; use a number of processes that divides {B} (e.g. {', '.join(str(d) for d in range(1, B + 1) if B % d == 0 and d <= 16)})")
    per_epoch = data.size // B
    total = per_epoch * cfg["epochs"]
    if cfg["maxSteps"] > 0:
        total = min(total, cfg["maxSteps"])
    check(ckpt.step <= total, f"{args.resume} is at step {ckpt.step}, past the run's last step {total:g}; raise --max-steps or --epochs to continue")
    return ckpt, cfg, model, data, per_epoch, total


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if "RANK" not in os.environ and args.nproc != 1:
        if args.nproc < 1:
            print(f"focusclip_torch.train: --nproc must be >= 1, got {args.nproc}", file=sys.stderr)
            return 2
        try:  # every input problem is found once, here, before N processes start
            setup(args, args.nproc)
        except (UsageError, ValueError) as err:
            print(f"focusclip_torch.train: {err}", file=sys.stderr)
            return 2
        # The processes get the same arguments: with RANK set, each ignores --nproc and trains.
        return launch(args.nproc, sys.argv[1:] if argv is None else argv, lambda: checkpoint_report(args))
    rank = int(os.environ.get("RANK", "0"))
    world = int(os.environ.get("WORLD_SIZE", "1"))
    torch.manual_seed(0)
    torch.set_num_threads(args.threads or max(1, (os.cpu_count() or 1) // world))
    last = {"path": None, "step": None}
    try:
        ckpt, cfg, model, data, per_epoch, total = setup(args, world)
    except (UsageError, ValueError) as err:
        if rank == 0:
            print(f"focusclip_torch.train: {err}", file=sys.stderr)
        return 2
    if world > 1:
        dist.init_process_group(backend_of(args), timeout=datetime.timedelta(seconds=args.timeout))
    try:
        return run(args, ckpt, cfg, model, data, per_epoch, total, rank, world, last)
    except Exception as err:  # noqa: BLE001 - report which process failed and what survives
        where = f"the last checkpoint is {last['path']} (step {last['step']})" if last["path"] else f"no checkpoint was written; {args.resume} is unchanged"
        print(f"focusclip_torch.train (rank {rank} of {world}): {type(err).__name__}: {err}\n{where}", file=sys.stderr)
        return 1
    finally:
        if world > 1 and dist.is_initialized():
            dist.destroy_process_group()


def backend_of(args):
    if args.backend == "auto":
        return "nccl" if torch.cuda.is_available() else "gloo"
    return args.backend


def run(args, ckpt, cfg, model, data, per_epoch, total, rank, world, last):
    kind = ckpt.model_cfg["kind"]
    # nccl: one GPU per process (LOCAL_RANK); gloo: the CPU. The optimizer state follows the model.
    device = torch.device(f"cuda:{int(os.environ.get('LOCAL_RANK', '0'))}") if backend_of(args) == "nccl" else torch.device("cpu")
    if device.type == "cuda":
        torch.cuda.set_device(device)
    model.to(device)
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, f"{kind}.safetensors")
    opt = ckpt.build_optimizer(model, cfg)
    for per in opt.state.values():
        for k in per:
            per[k] = per[k].to(device)
    gather = make_gather(world, rank, backend_of(args))
    model.train()
    ddp_args = {"device_ids": [device.index]} if device.type == "cuda" else {}
    net = torch.nn.parallel.DistributedDataParallel(LossModule(model, gather), broadcast_buffers=False, **ddp_args) if world > 1 else LossModule(model, None)
    share = cfg["batchSize"] // world
    fail_at = os.environ.get("FOCUSCLIP_TORCH_FAIL_AT")  # "rank:step": die there (tests of a lost process)
    log = open(os.path.join(out, "train.jsonl"), "a") if rank == 0 else None
    step = ckpt.step
    t0 = time.perf_counter()
    start = step

    def save():
        if rank == 0:
            calibrate_feature_norm(model, data, device=device)
            write_checkpoint(path, model, ckpt.model_cfg, cfg, step, ckpt.vocab, opt, ckpt.layout, {"source": data.info["source"], "size": data.size})
        if world > 1:
            dist.barrier()
        last.update(path=path, step=step)

    while step < total:
        if fail_at == f"{rank}:{step}":
            os._exit(17)
        lr = learning_rate(cfg, step, total)
        idx = batch_indices(cfg["seed"], step, cfg["batchSize"], data.size)
        batch = {k: v.to(device) for k, v in data.batch(idx[rank * share : (rank + 1) * share]).items()}
        for p in model.parameters():
            p.grad = None
        loss, terms = net(batch)
        loss.backward()
        norm = opt.clip_and_step(lr)
        if log:
            elapsed = time.perf_counter() - t0
            rec = {"step": step, "epoch": step // per_epoch, "loss": loss.item(), "terms": {k: v.item() for k, v in terms.items()},
                   "lr": lr, "gradNorm": norm, "imagesPerSec": (step + 1 - start) * cfg["batchSize"] / max(elapsed, 1e-9),
                   "elapsedSec": elapsed, "processes": world, "engine": f"torch {torch.__version__}"}
            if kind == "focusclip":
                rec["alpha"] = model.focus_alpha.item()
            log.write(json.dumps(rec) + "\n")
            log.flush()
        step += 1
        if step == total or (cfg["checkpointEvery"] > 0 and step % cfg["checkpointEvery"] == 0):
            save()
    if last["path"] is None:
        save()  # resumed at the last step: the checkpoint still lands in --out
    if rank == 0:
        print(f"finished at step {step}/{total:g} on {world} process{'es' if world > 1 else ''}; checkpoint {path}")
    return 0


def checkpoint_report(args):
    """What a failed run leaves: the checkpoint in --out if one was written, else --resume's."""
    for kind in ("focusclip", "clip"):
        path = os.path.join(os.path.abspath(args.out), f"{kind}.safetensors")
        if os.path.exists(path):
            try:
                return f"The last checkpoint is {path} (step {Checkpoint(path).step})."
            except ValueError as err:
                return f"{path} cannot be read ({err})."
    return f"No checkpoint was written; {args.resume} is unchanged."


class LossModule(torch.nn.Module):
    """The model and its loss as one module, as DDP wraps it."""

    def __init__(self, model, gather):
        super().__init__()
        self.model = model
        self.gather = gather

    def forward(self, batch):
        loss, terms, _ = model_loss(self.model, batch, self.gather)
        return loss, terms


if __name__ == "__main__":
    sys.exit(main())
