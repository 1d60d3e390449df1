"""The epoch loop of supernet training (driven by :mod:`asebench.supernet._train`)."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import nullcontext
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from asebench.supernet._augment import augment
from asebench.supernet._config import SupernetConfig
from asebench.supernet._data import EpochSampler, ImageFolder, load_images, make_loader
from asebench.supernet._ddp import wrap_ddp
from asebench.supernet._schedule import TrainConfig, _lr, _optimizer, _plan, step_subnet
from asebench.supernet._static import to_device
from asebench.supernet._supernet import SuperNet

__all__ = ["run_epochs"]

Report = Callable[[Mapping[str, Any]], None] | None
Save = Callable[[int, Mapping[str, Any], list[Any]], None]


def _batches(config: TrainConfig, train: ImageFolder, size: int, rank: int, world: int,
             pin: bool) -> Callable[[int], Iterator[tuple[torch.Tensor, torch.Tensor]]]:
    """``epoch -> iterator of (uint8 images, labels)`` for this process's shard."""
    per_rank = config.batch_size // world
    if config.preload:
        images, labels = load_images(train, size, crop=1.0, workers=config.workers)
        if pin:
            images = images.pin_memory()
        sampler = EpochSampler(len(train), per_rank, config.seed, rank, world)

        def from_memory(epoch: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
            sampler.set_epoch(epoch)
            order = torch.tensor(list(sampler))
            for i in range(0, len(order), per_rank):
                index = order[i:i + per_rank]
                yield images[index], labels[index]

        return from_memory
    loader = make_loader(train, size, per_rank, config.seed, config.workers, pin, rank, world)
    file_sampler = loader.sampler
    assert isinstance(file_sampler, EpochSampler)

    def from_files(epoch: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        file_sampler.set_epoch(epoch)
        return iter(loader)

    return from_files


def _kd_loss(logits: torch.Tensor, teacher: torch.Tensor) -> torch.Tensor:
    return -(F.softmax(teacher.float(), 1) * F.log_softmax(logits.float(), 1)).sum(1).mean()


def run_epochs(config: TrainConfig, net_config: SupernetConfig, train: ImageFolder,
               device: torch.device, start: int, end: int, state: Mapping[str, Any] | None,
               history: list[Mapping[str, Any]], rank: int, world: int, report: Report,
               save: Save) -> tuple[list[float], list[Mapping[str, Any]]]:
    torch.manual_seed(config.seed)  # initial weights
    net = SuperNet(net_config)
    teacher: SuperNet | None = None
    sorted_channels = False
    if state is not None:
        net.load_state_dict(state["model"])
        sorted_channels = bool(state.get("sorted", False))
        if state.get("teacher") is not None:
            teacher = SuperNet(net_config)
            teacher.load_state_dict(state["teacher"])
    cuda = device.type == "cuda"
    fmt = torch.channels_last if config.channels_last else torch.contiguous_format
    net = to_device(net, device, fmt)
    if teacher is not None:
        teacher = to_device(teacher, device, fmt).eval()
    model: nn.Module = net
    ddp: nn.parallel.DistributedDataParallel | None = None
    if world > 1:
        model = ddp = wrap_ddp(net, device, find_unused_parameters=True)
    autocast = (lambda: torch.autocast("cuda", dtype=torch.bfloat16)) if cuda and config.amp \
        else nullcontext
    size = config.resolution or net_config.resolution
    batches = _batches(config, train, round(size / 0.875), rank, world, cuda)
    plan = _plan(config)
    steps = len(train) // config.batch_size
    if config.steps_per_epoch is not None:
        steps = min(steps, config.steps_per_epoch)
    optimizer: torch.optim.SGD | None = None
    opt_phase, losses = -1, []
    for epoch in range(start, end):
        phase_index, phase_epoch = plan[epoch]
        phase = config.phases[phase_index]
        if optimizer is None or phase_index != opt_phase:
            optimizer, opt_phase = _optimizer(net, config), phase_index
            if state is not None and state.get("optimizer_phase") == phase_index and \
                    phase_epoch > 0:
                optimizer.load_state_dict(state["optimizer"])
        if phase.name == "expand" and not sorted_channels:
            net.sort_channels()
            sorted_channels = True
        if phase.name != "full" and config.kd_ratio > 0 and teacher is None \
                and not config.inplace_distillation:
            teacher = copy.deepcopy(net).eval()
            teacher.set_largest()
            for p in teacher.parameters():
                p.requires_grad_(False)
        net.train()
        total = phase.epochs * steps
        t0, seen, epoch_losses = time.perf_counter(), 0, []
        for step, (images, labels) in enumerate(batches(epoch)):
            if step >= steps:
                break
            lr = _lr(config, phase, phase_index == 0, phase_epoch * steps + step, total)
            for group in optimizer.param_groups:
                group["lr"] = lr
            images = images.to(device, non_blocking=True)
            labels = labels.to(device, non_blocking=True)
            gen = torch.Generator().manual_seed(
                int(np.random.SeedSequence([config.seed, epoch, step]).generate_state(1)[0]))
            x = augment(images, size, gen, scale=config.crop_scale, flip=config.flip
                        ).contiguous(memory_format=fmt)
            soft = None
            if teacher is not None:
                with torch.no_grad(), autocast():
                    soft = teacher(x)
            step_loss = 0.0
            inplace = config.inplace_distillation and phase.name != "full" \
                and config.kd_ratio > 0
            for i in range(phase.subnets):
                rng = np.random.default_rng([config.seed, epoch, step, i])
                net.set_active(step_subnet(net_config, phase.name, i, config.sandwich, rng))
                sync = i < phase.subnets - 1
                with (ddp.no_sync() if ddp is not None and sync else nullcontext()), autocast():
                    logits = model(x)
                    loss = F.cross_entropy(logits.float(), labels,
                                           label_smoothing=config.label_smoothing)
                    if soft is not None and not (inplace and i == 0):
                        loss = loss + config.kd_ratio * _kd_loss(logits, soft)
                if inplace and i == 0:  # the largest, first under the sandwich rule
                    soft = logits.detach()
                loss.backward()
                step_loss += float(loss.detach()) / phase.subnets
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            losses.append(step_loss)
            epoch_losses.append(step_loss)
            seen += images.shape[0] * world
            if report is not None:
                elapsed = time.perf_counter() - t0
                report({"phase": phase.name, "epoch": epoch, "epochs": end, "step": step,
                        "steps": steps, "loss": step_loss, "lr": lr,
                        "images_per_s": seen / max(elapsed, 1e-9), "done": step == steps - 1})
        if cuda:
            torch.cuda.synchronize(device)
        seconds = time.perf_counter() - t0
        net.set_largest()
        history.append({"epoch": epoch + 1, "phase": phase.name,
                        "loss": float(np.mean(epoch_losses)) if epoch_losses else float("nan"),
                        "images_per_s": seen / max(seconds, 1e-9), "seconds": seconds})
        save(epoch + 1, {"model": net.state_dict(), "optimizer": optimizer.state_dict(),
                         "optimizer_phase": phase_index, "sorted": sorted_channels,
                         "teacher": teacher.state_dict() if teacher is not None else None},
             history)
    return losses, history
