"""Once-for-All's released MobileNetV3 supernets as asebench supernet checkpoints.

OFA's ``OFAMobileNetV3`` (``ofa_mbv3_d234_e346_k357_w1.0`` / ``_w1.2``) and :class:`SuperNet`
hold the same 475 tensors under other names; :func:`ofa_to_state` renames them, infers the
width and the number of classes from the shapes, and checks every tensor. Released files wrap
the weights in ``{"state_dict": ...}`` and may use the older key spellings
(``mobile_inverted_conv``, ``bn.bn``, ``conv.conv``, ``linear.linear``), which are accepted.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch

from asebench.errors import AsebenchError
from asebench.spaces import MobileNetArch
from asebench.supernet._checkpoint import Checkpoint, load_torch_file, save_checkpoint
from asebench.supernet._config import SupernetConfig, get_config
from asebench.supernet._supernet import SuperNet

__all__ = ["ofa_to_state", "state_to_ofa", "convert_ofa", "ofa_key_map", "ofa_subnet_settings",
           "OFA_WIDTHS"]

OFA_WIDTHS = (1.0, 1.2)
_BN = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")


def _canonical(key: str) -> str:
    """One spelling for OFA's key variants (its own ``load_state_dict`` accepts all of them)."""
    key = key.replace(".mobile_inverted_conv.", ".conv.")
    key = key.replace(".bn.bn.", ".bn.").replace(".linear.linear.", ".linear.")
    return key.replace(".conv.conv.weight", ".conv.weight")


def ofa_key_map(config: SupernetConfig) -> dict[str, str]:
    """Our state-dict key -> OFA's (canonical spelling) for a supernet with ``config``."""
    keys: dict[str, str] = {"stem.0.weight": "first_conv.conv.weight",
                            "first.depthwise.0.weight": "blocks.0.conv.depth_conv.conv.weight",
                            "first.project.0.weight": "blocks.0.conv.point_linear.conv.weight",
                            "final_expand.0.weight": "final_expand_layer.conv.weight",
                            "feature_mix.0.weight": "feature_mix_layer.conv.weight",
                            "classifier.weight": "classifier.linear.weight",
                            "classifier.bias": "classifier.linear.bias"}
    bns = {"stem.1": "first_conv.bn", "first.depthwise.1": "blocks.0.conv.depth_conv.bn",
           "first.project.1": "blocks.0.conv.point_linear.bn",
           "final_expand.1": "final_expand_layer.bn"}
    kernels = sorted(config.kernels, reverse=True)
    depth = max(config.depths)
    for u, se in enumerate(config.se):
        for i in range(depth):
            ours, theirs = f"units.{u}.{i}", f"blocks.{1 + u * depth + i}.conv"
            keys[f"{ours}.expand_conv.weight"] = f"{theirs}.inverted_bottleneck.conv.weight"
            keys[f"{ours}.dw_weight"] = f"{theirs}.depth_conv.conv.weight"
            for t, (big, small) in enumerate(zip(kernels, kernels[1:])):
                keys[f"{ours}.kernel_transforms.{t}"] = \
                    f"{theirs}.depth_conv.conv.{big}to{small}_matrix"
            keys[f"{ours}.project_conv.weight"] = f"{theirs}.point_linear.conv.weight"
            if se:
                for part in ("reduce", "expand"):
                    for p in ("weight", "bias"):
                        keys[f"{ours}.se.{part}.{p}"] = f"{theirs}.depth_conv.se.fc.{part}.{p}"
            bns[f"{ours}.expand_bn"] = f"{theirs}.inverted_bottleneck.bn"
            bns[f"{ours}.dw_bn"] = f"{theirs}.depth_conv.bn"
            bns[f"{ours}.project_bn"] = f"{theirs}.point_linear.bn"
    for ours, theirs in bns.items():
        for p in _BN:
            keys[f"{ours}.{p}"] = f"{theirs}.{p}"
    return keys


def _unwrap(state: Any) -> dict[str, torch.Tensor]:
    if isinstance(state, Mapping) and "state_dict" in state:
        state = state["state_dict"]
    if not isinstance(state, Mapping) or not all(
            isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state.items()):
        raise AsebenchError("not an OFA state dict (expected tensors by name, or "
                            "{'state_dict': ...})")
    return {_canonical(k): v for k, v in state.items()}


def _infer_config(state: Mapping[str, torch.Tensor], kernels: Sequence[int],
                  expands: Sequence[int], depths: Sequence[int]) -> SupernetConfig:
    """Width (1.0 / 1.2) from the stem and final expand layer, classes from the classifier."""
    for key in ("first_conv.conv.weight", "final_expand_layer.conv.weight",
                "classifier.linear.weight"):
        if key not in state:
            raise AsebenchError(f"not an OFA MobileNetV3 state dict: no tensor {key!r}")
    stem = state["first_conv.conv.weight"].shape[0]
    final = state["final_expand_layer.conv.weight"].shape[0]
    classes = state["classifier.linear.weight"].shape[0]
    base = get_config("mbv3-w1.0", num_classes=max(2, classes), kernels=tuple(kernels),
                      expands=tuple(expands), depths=tuple(depths))
    for width in OFA_WIDTHS:
        config = replace(base, width_mult=width)
        if (config.stem_channels, config.final_channels) == (stem, final):
            return config
    raise AsebenchError(
        f"OFA tensor 'first_conv.conv.weight' / 'final_expand_layer.conv.weight' have "
        f"{stem} / {final} channels: no OFA MobileNetV3 width {OFA_WIDTHS} fits")


def ofa_to_state(state: Any, kernels: Sequence[int] = (3, 5, 7),
                 expands: Sequence[int] = (3, 4, 6),
                 depths: Sequence[int] = (2, 3, 4)) -> tuple[SupernetConfig, dict[str, Any]]:
    """An ``OFAMobileNetV3`` state dict -> (our layout, a :class:`SuperNet` state dict).

    Args:
        state: OFA's state dict, or a released file's ``{"state_dict": ...}``.
        kernels, expands, depths: the elastic choices it was trained with (OFA's released
            supernets: ``k357``, ``e346``, ``d234``).

    Raises:
        AsebenchError: naming the first tensor that is missing or has the wrong shape.
    """
    theirs = _unwrap(state)
    config = _infer_config(theirs, kernels, expands, depths)
    expected = SuperNet(config).state_dict()
    out: dict[str, Any] = {}
    for ours, key in ofa_key_map(config).items():
        if key not in theirs:
            raise AsebenchError(f"OFA state dict lacks tensor {key!r}")
        tensor, want = theirs[key], expected[ours]
        if tuple(tensor.shape) != tuple(want.shape):
            raise AsebenchError(f"OFA tensor {key!r} has shape {tuple(tensor.shape)}, "
                                f"expected {tuple(want.shape)}")
        out[ours] = tensor.detach().to(dtype=want.dtype, device="cpu").clone()
    return config, out


def state_to_ofa(config: SupernetConfig, state: Mapping[str, torch.Tensor]
                 ) -> dict[str, torch.Tensor]:
    """The inverse of :func:`ofa_to_state`: a :class:`SuperNet` state dict under OFA's names
    (the spelling ``OFAMobileNetV3.load_state_dict`` accepts)."""
    return {theirs: state[ours] for ours, theirs in ofa_key_map(config).items()}


def convert_ofa(source: str | os.PathLike[str], out: str | os.PathLike[str],
                classes: Sequence[str] = (), holdout: Sequence[str] = (),
                data_root: str = "", kernels: Sequence[int] = (3, 5, 7),
                expands: Sequence[int] = (3, 4, 6),
                depths: Sequence[int] = (2, 3, 4), resolution: int = 224) -> Checkpoint:
    """Convert an OFA checkpoint file into an asebench supernet checkpoint at ``out``.

    Args:
        source: OFA's file (``torch.save`` of the state dict or of ``{"state_dict": ...}``).
        out: the checkpoint to write (atomically).
        classes: class folder names in label order (ImageNet: the sorted WordNet ids); empty
            to leave them to the data folder.
        holdout: held-out training images for scoring (relative to the class root).
        data_root: informative.
        kernels, expands, depths: see :func:`ofa_to_state`.
        resolution: the default input resolution stored in the layout (OFA: 224).

    Returns:
        The checkpoint written.
    """
    path = Path(source)
    state = load_torch_file(path, "OFA checkpoint", "torch file")
    config, weights = ofa_to_state(state, kernels, expands, depths)
    config = replace(config, resolution=resolution)
    if classes and len(classes) != config.num_classes:
        raise AsebenchError(f"{len(classes)} classes given but the OFA classifier has "
                            f"{config.num_classes} outputs")
    ckpt = Checkpoint(config, tuple(classes), tuple(holdout), data_root, 0,
                      {"source": "ofa", "file": path.name}, (),
                      # OFA's released supernets finished progressive shrinking: sorted
                      {"model": weights, "sorted": True})
    save_checkpoint(out, ckpt)
    return ckpt


def ofa_subnet_settings(net: MobileNetArch, depth: int = 4) -> dict[str, list[int]]:
    """``ks``, ``e`` and ``d`` for OFA's ``set_active_subnet`` computing ``net``.

    OFA takes one kernel and expand ratio per block slot (``depth`` per unit) and runs the
    first ``d`` blocks of each unit; unused slots get the unit's last choice (ignored).
    """
    ks: list[int] = []
    es: list[int] = []
    for layers in net.units:
        padded = list(layers) + [layers[-1]] * (depth - len(layers))
        ks += [k for k, _ in padded]
        es += [e for _, e in padded]
    return {"ks": ks, "e": es, "d": list(net.depths)}
