"""Supernet training on a generated image folder: phases, exact resume, data errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from asebench.errors import AsebenchError
from asebench.supernet import (
    Phase,
    Scorer,
    TrainConfig,
    make_toy_image_folder,
    read_checkpoint,
    scan_image_folder,
    split_holdout,
    train_supernet,
)

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_toy_image_folder(tmp_path_factory.mktemp("toy"), num_classes=4, per_class=20,
                                 size=36)


def _config(**changes: object) -> TrainConfig:
    base = dict(preset="tiny", num_classes=None, holdout=16, batch_size=16, lr=0.05, workers=0,
                phases=(Phase("full", 1), Phase("kernel", 1), Phase("depth", 1, 2),
                        Phase("expand", 1, 2)), steps_per_epoch=1)
    base.update(changes)
    return TrainConfig(**base)


def test_image_folder_split_is_seeded_and_disjoint(folder: Path) -> None:
    data = scan_image_folder(folder)
    assert data.classes == ("class_00", "class_01", "class_02", "class_03") and len(data) == 80
    train, hold = split_holdout(data, 16, seed=0)
    assert len(hold) == 16 and not set(train.files) & set(hold.files)
    assert split_holdout(data, 16, seed=0)[1] == hold != split_holdout(data, 16, seed=1)[1]
    subset = scan_image_folder(folder, num_classes=2, seed=3)
    assert len(subset.classes) == 2 and subset == scan_image_folder(folder, 2, seed=3)


def test_one_step_per_phase_and_checkpoint(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "net.pt"
    seen: list[str] = []
    result = train_supernet(folder, out, _config(), progress=lambda i: seen.append(i["phase"]))
    assert seen == ["full", "kernel", "depth", "expand"]
    assert result.epochs_run == 4 and len(result.losses) == 4
    assert all(loss == loss and loss > 0 for loss in result.losses)
    ckpt = read_checkpoint(out)
    assert ckpt.epoch == 4 and ckpt.state["sorted"] and ckpt.state["teacher"] is not None
    assert [h["phase"] for h in ckpt.history] == ["full", "kernel", "depth", "expand"]
    assert len(ckpt.holdout) == 16 and ckpt.classes == scan_image_folder(folder).classes


def test_resume_gives_the_same_next_loss(folder: Path, tmp_path: Path) -> None:
    config = _config(phases=(Phase("full", 1), Phase("kernel", 2)), steps_per_epoch=2)
    straight = train_supernet(folder, tmp_path / "a.pt", config, progress=False)
    first = train_supernet(folder, tmp_path / "b.pt", config, until_epoch=2, progress=False)
    assert first.losses == straight.losses[:4]
    rest = train_supernet(folder, tmp_path / "b.pt", config, progress=False)
    assert rest.epochs_run == 1 and rest.losses == straight.losses[4:]
    a, b = read_checkpoint(tmp_path / "a.pt"), read_checkpoint(tmp_path / "b.pt")
    for name, tensor in a.state["model"].items():
        assert torch.equal(tensor, b.state["model"][name]), name


def test_smoke_training_learns_above_chance(folder: Path, tmp_path: Path) -> None:
    config = _config(phases=(Phase("full", 5), Phase("kernel", 1)), steps_per_epoch=None,
                     lr=0.1)
    result = train_supernet(folder, tmp_path / "s.pt", config, progress=False)
    assert result.history[4]["loss"] < result.history[0]["loss"]  # full phase, no KD term
    scorer = Scorer.from_checkpoint(tmp_path / "s.pt", folder, calibration=32)
    assert scorer.score(scorer.space.largest()).top1 > 50.0  # chance: 25%


def test_data_errors(tmp_path: Path) -> None:
    with pytest.raises(AsebenchError, match="does not exist"):
        train_supernet(tmp_path / "nope", tmp_path / "x.pt", _config())
    (tmp_path / "empty" / "train" / "cls").mkdir(parents=True)
    with pytest.raises(AsebenchError, match="no class folders with images"):
        train_supernet(tmp_path / "empty", tmp_path / "x.pt", _config())


def test_bad_checkpoint(folder: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(AsebenchError, match="not a readable supernet checkpoint"):
        read_checkpoint(bad)
    torch.save({"format": "other"}, bad)
    with pytest.raises(AsebenchError, match="not an asebench supernet checkpoint"):
        Scorer.from_checkpoint(bad, folder)
    with pytest.raises(AsebenchError, match="does not exist"):
        read_checkpoint(tmp_path / "missing.pt")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_gpu_bf16_channels_last_training_and_scoring(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "gpu.pt"
    result = train_supernet(folder, out, _config(device="cuda"), progress=False)
    assert all(loss == loss for loss in result.losses)
    scorer = Scorer.from_checkpoint(out, folder, device="cuda", calibration=32)
    assert scorer.device.type == "cuda"
    score = scorer.score(scorer.space.largest())
    assert 0.0 <= score.top1 <= 100.0 and score.top5 >= score.top1


def test_the_sandwich_rule_trains_the_largest_then_the_smallest() -> None:
    import numpy as np

    from asebench.supernet import get_config
    from asebench.supernet._schedule import extreme_subnet, sample_subnet, step_subnet

    net = get_config("tiny")
    k, d, e = max(net.kernels), max(net.depths), max(net.expands)
    rng = np.random.default_rng(0)
    largest = step_subnet(net, "expand", 0, True, rng)
    smallest = step_subnet(net, "expand", 1, True, rng)
    assert largest.units == tuple(((k, e),) * d for _ in net.widths)
    assert smallest.units == tuple(((min(net.kernels), min(net.expands)),) * min(net.depths)
                                   for _ in net.widths)
    # the kernel phase shrinks only the kernels: depth and expansion stay at their largest
    assert extreme_subnet(net, "kernel", largest=False).units == tuple(
        ((min(net.kernels), e),) * d for _ in net.widths)
    # the third and later sub-networks, and every one without the rule, are random draws
    assert step_subnet(net, "expand", 2, True, np.random.default_rng(5)) == \
        sample_subnet(net, "expand", np.random.default_rng(5))
    assert step_subnet(net, "expand", 0, False, np.random.default_rng(5)) == \
        sample_subnet(net, "expand", np.random.default_rng(5))


def test_sandwich_with_inplace_distillation_trains_without_a_frozen_teacher(
        folder: Path, tmp_path: Path) -> None:
    plain = train_supernet(folder, tmp_path / "ofa.pt", _config(), progress=False)
    result = train_supernet(folder, tmp_path / "bignas.pt",
                            _config(sandwich=True, inplace_distillation=True), progress=False)
    ckpt = read_checkpoint(tmp_path / "bignas.pt")
    assert ckpt.state["teacher"] is None and ckpt.train["sandwich"] is True
    assert result.losses[0] == plain.losses[0]  # the full phase: one largest net, as before
    assert result.losses[1:] != plain.losses[1:]
    with pytest.raises(AsebenchError, match="needs the sandwich rule"):
        train_supernet(folder, tmp_path / "x.pt", _config(inplace_distillation=True),
                       progress=False)
    assert not (tmp_path / "x.pt").exists()
