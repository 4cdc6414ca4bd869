"""The one collective the model needs besides DDP's gradient averaging: gathering the pooled
features of every process, so that feature normalisation and the contrastive loss see the global
batch (negatives from every process, batch statistics over all samples) and every process
computes the same loss as one process on the whole batch.

Gradients: every process computes the same loss L on the gathered [B, D] features, so each one's
gradient with respect to its own rows is dL/df_r; summing the gathered gradient over processes
gives N * dL/df_r, and DDP's average over N processes then yields exactly dL/dtheta. The heads
(normalisation, projections) see the whole batch on every process, so their gradients are already
complete and DDP's average leaves them unchanged.
"""
import torch
import torch.distributed as dist


class _GatherRows(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, group, rank, world):
        ctx.group, ctx.rank, ctx.rows = group, rank, x.shape[0]
        parts = [torch.empty_like(x) for _ in range(world)]
        dist.all_gather(parts, x.contiguous(), group=group)
        return torch.cat(parts)

    @staticmethod
    def backward(ctx, grad):
        grad = grad.contiguous().clone()
        dist.all_reduce(grad, group=ctx.group)
        return grad[ctx.rank * ctx.rows : (ctx.rank + 1) * ctx.rows], None, None, None


def make_gather(world, rank, backend="gloo"):
    """A gather over all processes on its own process group (so its collectives never interleave
    with DDP's gradient buckets), or None for a single process."""
    if world == 1:
        return None
    group = dist.new_group(backend=backend)
    return lambda x: _GatherRows.apply(x, group, rank, world)
