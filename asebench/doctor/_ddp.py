"""The doctor's DDP check, one process per rank under ``torchrun``:
``python -m torch.distributed.run --nproc_per_node N -m asebench.doctor._ddp OUT DEVICE STEPS``.

Every rank trains the same supernet (wrapped as supernet training wraps it) for ``STEPS`` SGD
steps on its shard of a generated global batch, one sampled elastic sub-network per step.
Rank 0 then repeats the steps in one process on the whole global batch, shard by shard with
the gradients accumulated (BatchNorm normalises per device under DDP, so this is the run DDP
must equal), and writes to ``OUT`` (JSON) how far the two sets of parameters are apart.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn

from asebench.supernet import SuperNet, TrainConfig, get_config, sample_subnet
from asebench.supernet._ddp import wrap_ddp
from asebench.supernet._schedule import _optimizer
from asebench.supernet._static import to_device

__all__ = ["main"]

PER_RANK = 4
RTOL, ATOL = 1e-4, 1e-5


def _net(cuda: bool, device: torch.device) -> tuple[SuperNet, dict[str, torch.Tensor]]:
    # the real layer sizes on GPUs, the tiny layout on CPU; no dropout (its masks are random)
    config = get_config("mbv3-w1.0" if cuda else "tiny", num_classes=4,
                        resolution=64 if cuda else 32, dropout=0.0)
    torch.manual_seed(0)
    net = SuperNet(config)
    init = {k: v.clone() for k, v in net.state_dict().items()}
    return to_device(net, device, torch.channels_last), init


def _batch(step: int, world: int, size: int) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(1000 + step)
    n = PER_RANK * world
    return torch.randn(n, 3, size, size, generator=gen), torch.randint(0, 4, (n,), generator=gen)


def _steps(net: SuperNet, model: nn.Module, device: torch.device, steps: int, world: int,
           shards: list[int]) -> None:
    """``steps`` SGD steps; each step back-propagates the given shards of the global batch
    (loss of each shard divided by the number of shards summed in one process)."""
    optimizer = _optimizer(net, TrainConfig(lr=0.05))
    size = net.config.resolution
    for step in range(steps):
        x, y = _batch(step, world, size)
        net.set_active(sample_subnet(net.config, "expand", np.random.default_rng(step)))
        for r in shards:
            part = slice(r * PER_RANK, (r + 1) * PER_RANK)
            xs = x[part].to(device).contiguous(memory_format=torch.channels_last)
            loss = F.cross_entropy(model(xs), y[part].to(device)) / len(shards)
            loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)


def _flat(net: nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().reshape(-1).double().cpu() for p in net.parameters()])


def main(out: str, device_name: str, steps: int) -> dict[str, Any] | None:
    """Run the check in this rank; rank 0 returns (and writes) the result."""
    cuda = device_name == "cuda"
    rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if cuda:
        torch.cuda.set_device(local)
        # float32 everywhere: TF32 would put the tolerance at 1e-3
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.deterministic = True
    device = torch.device(f"cuda:{local}" if cuda else "cpu")
    dist.init_process_group("nccl" if cuda else "gloo")
    net, init = _net(cuda, device)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = wrap_ddp(net, device, find_unused_parameters=True)
        _steps(net, model, device, steps, world, [rank])
    stride_warnings = sum("Grad strides" in str(w.message) for w in caught)
    mine = _flat(net).to(device)
    first = mine.clone()
    dist.broadcast(first, 0)
    spread = (mine - first).abs().max()
    dist.all_reduce(spread, op=dist.ReduceOp.MAX)
    counts = torch.tensor([stride_warnings], device=device)
    dist.all_reduce(counts)
    dist.destroy_process_group()
    if rank != 0:
        return None
    reference, _ = _net(cuda, device)
    reference.load_state_dict(init)
    _steps(reference, reference, device, steps, world, list(range(world)))
    a, b = _flat(net), _flat(reference)
    start = torch.cat([init[name].reshape(-1).double() for name, _ in net.named_parameters()])
    diff = float((a - b).abs().max())
    moved = float((b - start).abs().max())
    result = {"world": world, "steps": steps, "per_rank": PER_RANK, "device": device_name,
              "max_abs_diff": diff, "max_moved": moved,
              "equal": bool(torch.allclose(a, b, rtol=RTOL, atol=ATOL)),
              "ranks_agree": float(spread) == 0.0, "moved": moved > 100 * ATOL,
              "stride_warnings": int(counts.item()), "rtol": RTOL, "atol": ATOL}
    path = Path(out)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(result))
    os.replace(tmp, path)
    return result


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
