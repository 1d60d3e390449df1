"""Supernet speed: training images/s and sub-network scoring seconds, per device.

Usage::

    python benchmarks/supernet_speed.py                  # CPU: tiny@32 and mbv3-w1.0@64
    python benchmarks/supernet_speed.py --gpu-only       # GPU: mbv3-w1.0@224 (goals below)
    python benchmarks/supernet_speed.py --out reports/supernet_speed.json

Goals on one H100-class GPU: training >= 3,000 images/s at 224 px (bf16,
channels-last, data pipeline included) and scoring (BN recalibration + 1,000 held-out images)
<= 2 s. Training is measured through ``train_supernet`` itself (expand phase: 4 sub-networks
per step, distillation on, i.e. the most expensive phase, and the full phase), on a generated
JPEG folder, with images preloaded into memory and, separately, decoded by DataLoader workers.
The first steps (warm-up, cudnn autotuning) are excluded from the rate.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from asebench.supernet import Phase, Scorer, TrainConfig, make_toy_image_folder, train_supernet

WARMUP_STEPS = 2


def _device_name(device: str) -> str:
    if device == "cuda":
        return torch.cuda.get_device_name(0)
    return f"cpu ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"


def train_rate(data: Path, out: Path, preset: str, res: int, batch: int, steps: int,
               phase: Phase, device: str, preload: bool, workers: int) -> float:
    """Images/s of training steps after warm-up."""
    stamps: list[tuple[float, int]] = []

    def report(info):  # called after every step
        if device == "cuda":
            torch.cuda.synchronize()
        stamps.append((time.perf_counter(), info["step"]))

    config = TrainConfig(preset=preset, resolution=res, num_classes=None, holdout=50,
                         phases=(Phase("full", 1), phase), batch_size=batch, workers=workers,
                         preload=preload, device=device, steps_per_epoch=steps)
    if out.exists():
        out.unlink()
    # the full phase runs first (1 epoch) so the timed phase has its teacher, as in real runs
    train_supernet(data, out, config, until_epoch=1, progress=False)
    train_supernet(data, out, config, progress=report)
    timed = stamps[WARMUP_STEPS:]
    if len(timed) < 2:
        return float("nan")
    seconds = timed[-1][0] - timed[0][0]
    return batch * (len(timed) - 1) / seconds


def score_times(ckpt: Path, data: Path, device: str, holdout: int, repeats: int
                ) -> tuple[float, float]:
    """(median, max) seconds of scoring a random sub-network (extract, BN recalibration on
    500 images, top-1/5 on ``holdout`` images)."""
    scorer = Scorer.from_checkpoint(ckpt, data, device=device, holdout=holdout,
                                    calibration=500, workers=min(8, os.cpu_count() or 1))
    rng = np.random.default_rng(0)
    scorer.score(scorer.space.largest())  # warm-up
    times = [scorer.score(scorer.space.sample(rng)).seconds for _ in range(repeats)]
    return statistics.median(times), max(times)


def run_case(name: str, preset: str, res: int, batch: int, steps: int, device: str,
             classes: int, per_class: int, holdout: int, workers: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        data = make_toy_image_folder(root / "data", classes, per_class, round(res / 0.875) + 8,
                                     suffix=".jpg")
        gen_s = time.perf_counter() - t0
        ckpt = root / "net.pt"
        row = {"case": name, "preset": preset, "resolution": res, "batch": batch,
               "device": _device_name(device), "torch": torch.__version__,
               "images_generated": classes * per_class, "generate_s": round(gen_s, 1)}
        for label, phase in (("full", Phase("full", 1)), ("expand", Phase("expand", 1, 4))):
            row[f"train_{label}_img_s_preload"] = round(train_rate(
                data, ckpt, preset, res, batch, steps, phase, device, True, 0), 1)
        row["train_expand_img_s_workers"] = round(train_rate(
            data, ckpt, preset, res, batch, steps, Phase("expand", 1, 4), device, False,
            workers), 1)
        median, worst = score_times(ckpt, data, device, holdout, 5)
        row.update({"score_holdout_images": holdout, "score_s_median": round(median, 3),
                    "score_s_max": round(worst, 3)})
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gpu-only", action="store_true")
    parser.add_argument("--cpu-only", action="store_true")
    parser.add_argument("--out", type=Path, default=None, help="also write JSON here")
    args = parser.parse_args()
    rows = []
    if not args.gpu_only:
        workers = min(2, os.cpu_count() or 1)
        rows.append(run_case("cpu-tiny", "tiny", 32, 16, 8, "cpu", 4, 60, 100, workers))
        rows.append(run_case("cpu-mbv3", "mbv3-w1.0", 64, 16, 6, "cpu", 4, 60, 100, workers))
    if not args.cpu_only:
        if torch.cuda.is_available():
            workers = min(16, os.cpu_count() or 1)
            rows.append(run_case("gpu-mbv3-224", "mbv3-w1.0", 224, 256, 30, "cuda", 10, 400,
                                 1000, workers))
        else:
            rows.append({"case": "gpu-mbv3-224", "device": "none",
                         "note": "no CUDA device: GPU goals not measured"})
    text = json.dumps(rows, indent=1)
    print(text)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.out.with_name(f".{args.out.name}.tmp")
        tmp.write_text(text + "\n")
        os.replace(tmp, args.out)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
