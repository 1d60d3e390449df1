"""Fine-tuning a found sub-network: the paper's recipe, exact resume, AutoAugment, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from asebench.cli import cli
from asebench.errors import AsebenchError
from asebench.supernet import FinetuneConfig, finetune, load_supernet
from asebench.supernet._autoaugment import FinetuneAugment, auto_augment
from asebench.supernet._finetune import read_finetuned

ARCH = "-".join(["k5e4", "k3e6", "skip", "k7e3"] * 5)

pytestmark = pytest.mark.usefixtures("one_thread")


def _config(**changes: object) -> FinetuneConfig:
    values: dict[str, object] = dict(epochs=2, batch_size=8, workers=0, device="cpu",
                                     steps_per_epoch=2, seed=5)
    values.update(changes)
    return FinetuneConfig(**values)  # type: ignore[arg-type]


def test_the_default_recipe_is_the_papers() -> None:
    cfg = FinetuneConfig()
    assert (cfg.epochs, cfg.lr, cfg.final_lr, cfg.autoaugment) == (75, 0.012, 0.001, True)
    assert cfg.label_smoothing > 0
    assert cfg.lr_at(0, 100) == pytest.approx(0.012)
    assert cfg.lr_at(50, 100) == pytest.approx((0.012 + 0.001) / 2)
    assert cfg.lr_at(100, 100) == pytest.approx(0.001)
    with pytest.raises(AsebenchError, match="final lr"):
        FinetuneConfig(lr=0.01, final_lr=0.1)


def test_finetune_starts_from_the_supernet_and_resumes_exactly(
        trained_supernet: tuple[Path, Path], tmp_path: Path) -> None:
    ckpt, data = trained_supernet
    supernet, _ = load_supernet(ckpt)
    start = supernet.extract(supernet.space.from_string(ARCH)).state_dict()

    whole = finetune(ckpt, ARCH, data, tmp_path / "whole.pt", _config(), progress=False)
    assert whole.epoch == 2 and len(whole.history) == 2
    assert whole.top1 is not None and 0 <= whole.top1 <= whole.top5 <= 100
    first = finetune(ckpt, ARCH, data, tmp_path / "split.pt", _config(), until_epoch=1,
                     progress=False)
    assert first.epoch == 1
    rest = finetune(ckpt, ARCH, data, tmp_path / "split.pt", _config(), progress=False)
    assert rest.epoch == 2 and [h["loss"] for h in rest.history] == \
        [h["loss"] for h in whole.history]

    a = read_finetuned(tmp_path / "whole.pt")["state"]["model"]
    b = read_finetuned(tmp_path / "split.pt")["state"]["model"]
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not torch.equal(a["blocks.0.project.0.weight"], start["blocks.0.project.0.weight"])
    assert (rest.top1, rest.top5) == (whole.top1, whole.top5)

    with pytest.raises(AsebenchError, match="cannot resume"):
        finetune(ckpt, ARCH, data, tmp_path / "split.pt", _config(lr=0.1), progress=False)


def test_finetune_cli_reports_top1_top5(trained_supernet: tuple[Path, Path],
                                        tmp_path: Path) -> None:
    ckpt, data = trained_supernet
    out = tmp_path / "ft.pt"
    args = ["supernet", "finetune", "--supernet", str(ckpt), "--arch", ARCH, "--data",
            str(data), "--out", str(out), "--epochs", "1", "--batch-size", "8",
            "--steps-per-epoch", "2", "--workers", "0", "--device", "cpu"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    assert report["epoch"] == 1 and 0 <= report["top1"] <= report["top5"] <= 100
    bad = CliRunner().invoke(cli, [*args[:6], "k9e9", *args[7:]])
    assert bad.exit_code == 2 and "asebench: error:" in bad.output
    (tmp_path / "afile").write_text("not a folder")
    bad = CliRunner().invoke(cli, [*args[:8], "--out", str(tmp_path / "afile" / "ft.pt"),
                                   *args[10:]])
    assert bad.exit_code == 2 and "cannot write --out" in bad.output
    assert "not a folder" in bad.output


def _photo() -> torch.Tensor:
    sklearn = pytest.importorskip("sklearn.datasets")
    image = sklearn.load_sample_image("china.jpg")  # a real 427 x 640 photograph
    x = torch.from_numpy(np.ascontiguousarray(image[:, 100:527])).permute(2, 0, 1)
    x = torch.nn.functional.interpolate(x[None].float(), size=(96, 96), mode="area")
    return x.round().to(torch.uint8)


def test_autoaugment_changes_a_real_photo_batch_and_keeps_shape_and_range() -> None:
    photo = _photo().float() / 255.0
    batch = photo.repeat(8, 1, 1, 1)
    changed = 0
    for seed in range(4):
        out = auto_augment(batch, seed)
        assert out.shape == batch.shape and out.dtype == batch.dtype
        assert float(out.min()) >= 0.0 and float(out.max()) <= 1.0
        changed += int(((out - batch).abs().amax((1, 2, 3)) > 1e-3).sum())
        assert torch.equal(out, auto_augment(batch, seed))  # deterministic given the seed
    assert changed >= 8  # most of 32 images are changed

    full = FinetuneAugment(64)(_photo().repeat(4, 1, 1, 1), seed=0)
    assert full.shape == (4, 3, 64, 64) and torch.isfinite(full).all()


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_finetune_on_cuda_with_bf16_and_channels_last(trained_supernet: tuple[Path, Path],
                                                       tmp_path: Path) -> None:
    ckpt, data = trained_supernet
    result = finetune(ckpt, ARCH, data, tmp_path / "gpu.pt", _config(device="cuda"),
                      progress=False)
    assert all(np.isfinite(h["loss"]) and h["images_per_s"] > 0 for h in result.history)
    assert result.top1 is not None and 0 <= result.top1 <= 100
