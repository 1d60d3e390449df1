"""``asebench supernet``: train an elastic supernet, score sub-networks, fit a predictor, convert
OFA's released supernets, fine-tune a found sub-network and check its ranking fidelity."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

import click

from asebench._outputs import check_output_file
from asebench.errors import AsebenchError

if TYPE_CHECKING:  # torch is imported only when a subcommand runs
    from asebench.supernet import Phase

__all__ = ["supernet"]


def _phases(text: str) -> tuple[Phase, ...]:
    """``full=1,kernel=1,depth=1,expand=1`` (optional ``:subnets`` per phase)."""
    from asebench.supernet import PHASE_NAMES, Phase

    defaults = {"full": 1, "kernel": 1, "depth": 2, "expand": 4}
    phases = []
    for item in text.split(","):
        name, _, value = item.strip().partition("=")
        epochs, _, subnets = value.partition(":")
        if name not in PHASE_NAMES or not epochs.isdigit() or (subnets and not subnets.isdigit()):
            raise AsebenchError(
                f"bad phase {item!r}; use e.g. full=10,kernel=5,depth=5:2,expand=5:4")
        if int(epochs) > 0:
            phases.append(Phase(name, int(epochs), int(subnets or defaults[name])))
    return tuple(phases)


_progress_option = click.option("--progress/--no-progress", default=True, show_default=True,
                                help="Progress lines on stderr.")


def _progress(line: str) -> None:
    click.echo(line, err=True)


@click.group()
def supernet() -> None:
    """Train and score the live backend's elastic MobileNetV3 supernet."""
    from asebench._extras import require

    require("live", "asebench supernet")


@supernet.command()
@click.option("--data", required=True, type=click.Path(),
              help="Image folder (DIR/train/<class>/*).")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Checkpoint file.")
@click.option("--preset", default="mbv3-w1.0", show_default=True,
              help="mbv3-w1.0, mbv3-w1.2 or tiny.")
@click.option("--classes", type=int, default=100, show_default=True,
              help="Seeded class subset (0: all).")
@click.option("--holdout", type=int, default=1000, show_default=True,
              help="Training images kept out to score sub-networks.")
@click.option("--phases", default="full=1,kernel=1,depth=1,expand=1", show_default=True,
              help="Epochs (and :subnets per step) per progressive-shrinking phase.")
@click.option("--resolution", type=int, default=None, help="Input resolution (preset's).")
@click.option("--batch-size", type=int, default=256, show_default=True)
@click.option("--lr", type=float, default=0.1, show_default=True)
@click.option("--kd", "kd_ratio", type=float, default=1.0, show_default=True,
              help="Distillation weight (0: off).")
@click.option("--sandwich/--no-sandwich", default=False, show_default=True,
              help="Each elastic step trains the largest and the smallest sub-network first "
                   "(the sandwich rule), then random ones; off: all random, as OFA.")
@click.option("--inplace-distillation/--frozen-teacher", default=False, show_default=True,
              help="Distil from the largest sub-network of the same step (BigNAS; needs "
                   "--sandwich) instead of a frozen copy of the full network (OFA).")
@click.option("--workers", type=int, default=4, show_default=True)
@click.option("--preload/--no-preload", default=False, help="Decode all images into memory.")
@click.option("--device", default="auto", show_default=True)
@click.option("--min-crop", type=click.FloatRange(0, 1, min_open=True), default=0.08,
              show_default=True, help="Smallest random-crop area (digits: 0.5).")
@click.option("--flip/--no-flip", default=True, show_default=True,
              help="Random horizontal flips (off for digits).")
@click.option("--steps-per-epoch", type=int, default=None, help="Cap (smoke runs).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--resume/--restart", default=True, show_default=True,
              help="Continue from --out if it exists.")
@click.option("--supernet", "init", type=click.Path(), default=None,
              help="Start from this supernet checkpoint (e.g. converted from OFA); its layout "
                   "and classes replace --preset and --classes.")
@_progress_option
def train(data: str, out: str, preset: str, classes: int, holdout: int, phases: str,
          resolution: int | None, batch_size: int, lr: float, kd_ratio: float, sandwich: bool,
          inplace_distillation: bool, workers: int, preload: bool, device: str,
          min_crop: float, flip: bool, steps_per_epoch: int | None, seed: int, resume: bool,
          init: str | None, progress: bool) -> None:
    """Train with progressive shrinking; runs under torchrun for several GPUs."""
    check_output_file(out, "--out")
    from asebench.supernet import TrainConfig, train_supernet

    config = TrainConfig(preset=preset, num_classes=classes or None, holdout=holdout,
                         phases=_phases(phases), resolution=resolution, batch_size=batch_size,
                         lr=lr, kd_ratio=kd_ratio, sandwich=sandwich,
                         inplace_distillation=inplace_distillation, workers=workers,
                         preload=preload,
                         device=device, crop_scale=(min_crop, 1.0), flip=flip,
                         steps_per_epoch=steps_per_epoch, seed=seed)
    result = train_supernet(data, out, config, resume=resume, init=init, progress=progress)
    if result.history and os.environ.get("RANK", "0") == "0":
        last = result.history[-1]
        click.echo(f"{result.path}: epoch {last['epoch']} ({last['phase']}) loss "
                   f"{last['loss']:.4f}, {last['images_per_s']:.0f} img/s")


@supernet.command()
@click.option("--supernet", "ckpt", required=True, type=click.Path(), help="Checkpoint file.")
@click.option("--data", required=True, type=click.Path(), help="The image folder it used.")
@click.option("--arch", "archs", multiple=True,
              help="Arch string (repeatable); 'largest', 'smallest' or 'random:N' work too.")
@click.option("--device", default="auto", show_default=True)
@click.option("--calibration", type=int, default=500, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@_progress_option
def score(ckpt: str, data: str, archs: tuple[str, ...], device: str, calibration: int,
          seed: int, progress: bool) -> None:
    """Score sub-networks: held-out top-1/top-5, MAdds, params, seconds (JSON lines)."""
    import numpy as np

    from asebench.supernet import Scorer, analytic_cost

    scorer = Scorer.from_checkpoint(ckpt, data, device=device, calibration=calibration)
    space, rng = scorer.space, np.random.default_rng(seed)
    chosen = []
    for text in archs or ("largest", "smallest"):
        if text == "largest":
            chosen.append(space.largest())
        elif text == "smallest":
            chosen.append(space.smallest())
        elif text.startswith("random:") and text[7:].isdigit():
            chosen.extend(space.sample(rng) for _ in range(int(text[7:])))
        else:
            chosen.append(space.from_string(text))
    for i, arch in enumerate(chosen):
        result = scorer.score(arch)
        if progress:
            _progress(f"scored {i + 1}/{len(chosen)}: top-1 {result.top1:.2f} in "
                      f"{result.seconds:.2f} s")
        cost = analytic_cost(scorer.supernet.config, space.decode(arch))
        click.echo(json.dumps({"arch": space.to_string(arch), "top1": result.top1,
                               "top5": result.top5, "madds_m": round(cost.madds_m, 3),
                               "params_m": round(cost.params_m, 4),
                               "seconds": round(result.seconds, 4)}))


@supernet.command()
@click.option("--supernet", "ckpt", required=True, type=click.Path(), help="Checkpoint file.")
@click.option("--data", required=True, type=click.Path(), help="The image folder it used.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Predictor file.")
@click.option("--samples", type=int, default=1000, show_default=True,
              help="Sub-networks measured to fit it.")
@click.option("--device", default="auto", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@_progress_option
def predictor(ckpt: str, data: str, out: str, samples: int, device: str, seed: int,
              progress: bool) -> None:
    """Fit an accuracy predictor (MLP on the arch encoding) on measured sub-networks."""
    check_output_file(out, "--out")
    import numpy as np

    from asebench.supernet import AccuracyPredictor, Scorer

    if samples < 4:
        raise AsebenchError(f"--samples must be >= 4, got {samples}")
    scorer = Scorer.from_checkpoint(ckpt, data, device=device)
    rng = np.random.default_rng(seed)
    archs = [scorer.space.sample(rng) for _ in range(samples)]
    accs = []
    for i, arch in enumerate(archs):
        accs.append(scorer.score(arch).top1)
        if progress and ((i + 1) % 50 == 0 or i + 1 == samples):
            _progress(f"measured {i + 1}/{samples} sub-networks")
    split = max(1, samples // 5)
    model = AccuracyPredictor(scorer.space)
    model.fit(archs[split:], accs[split:], seed=seed)
    error = np.sqrt(np.mean((model.predict(archs[:split]) - np.array(accs[:split])) ** 2))
    model.fit(archs, accs, seed=seed)
    model.save(out)
    click.echo(f"{out}: {samples} sub-networks, held-out RMSE {error:.3f} points")


@supernet.command()
@click.argument("source", type=click.Path())
@click.argument("out", type=click.Path(dir_okay=False))
@click.option("--data", type=click.Path(), default=None,
              help="ImageNet-style folder: records its classes (sorted) and a held-out split, "
                   "which `score` and `run --backend live` need.")
@click.option("--holdout", type=int, default=10000, show_default=True,
              help="Training images kept out to score sub-networks (with --data).")
@click.option("--resolution", type=int, default=224, show_default=True,
              help="Default input resolution of the converted supernet.")
@click.option("--seed", type=int, default=0, show_default=True, help="Held-out split seed.")
def convert(source: str, out: str, data: str | None, holdout: int, resolution: int,
            seed: int) -> None:
    """Convert OFA's OFAMobileNetV3 checkpoint (w1.0 / w1.2) into a supernet checkpoint."""
    check_output_file(out, "OUT")
    from asebench.supernet import convert_ofa, scan_image_folder, split_holdout

    classes: tuple[str, ...] = ()
    held: tuple[str, ...] = ()
    root = ""
    if data is not None:
        folder = scan_image_folder(data)
        _, hold = split_holdout(folder, holdout, seed)
        classes, held, root = folder.classes, hold.files, folder.root
    ckpt = convert_ofa(source, out, classes, held, root, resolution=resolution)
    click.echo(f"{out}: OFA MobileNetV3 w{ckpt.config.width_mult}, "
               f"{ckpt.config.num_classes} classes, {len(held)} held-out images")


@supernet.command()
@click.option("--supernet", "ckpt", required=True, type=click.Path(), help="Checkpoint file.")
@click.option("--arch", required=True, help="The found arch (string, e.g. from `asebench run`).")
@click.option("--data", required=True, type=click.Path(),
              help="Image folder (DIR/train/<class>/*, evaluated on DIR/val/<class>/*).")
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="Fine-tuning checkpoint.")
@click.option("--epochs", type=int, default=75, show_default=True)
@click.option("--lr", type=float, default=0.012, show_default=True)
@click.option("--final-lr", type=float, default=0.001, show_default=True)
@click.option("--batch-size", type=int, default=256, show_default=True)
@click.option("--label-smoothing", type=float, default=0.1, show_default=True)
@click.option("--autoaugment/--no-autoaugment", default=True, show_default=True)
@click.option("--resolution", type=int, default=None, help="Input size (the arch's).")
@click.option("--workers", type=int, default=4, show_default=True)
@click.option("--device", default="auto", show_default=True)
@click.option("--steps-per-epoch", type=int, default=None, help="Cap (smoke runs).")
@click.option("--eval-images", type=int, default=None, help="Evaluate on the first N only.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--resume/--restart", default=True, show_default=True,
              help="Continue from --out if it exists.")
@_progress_option
def finetune(ckpt: str, arch: str, data: str, out: str, epochs: int, lr: float, final_lr: float,
             batch_size: int, label_smoothing: float, autoaugment: bool,
             resolution: int | None, workers: int, device: str, steps_per_epoch: int | None,
             eval_images: int | None, seed: int, resume: bool, progress: bool) -> None:
    """Fine-tune a found sub-network from the supernet's weights (SGD, cosine, AutoAugment);
    runs under torchrun for several GPUs. Prints top-1 / top-5 as JSON."""
    check_output_file(out, "--out")
    from asebench.supernet import FinetuneConfig
    from asebench.supernet import finetune as run_finetune

    config = FinetuneConfig(epochs=epochs, lr=lr, final_lr=final_lr, batch_size=batch_size,
                            label_smoothing=label_smoothing, autoaugment=autoaugment,
                            resolution=resolution, workers=workers, device=device,
                            steps_per_epoch=steps_per_epoch, eval_images=eval_images,
                            seed=seed)
    result = run_finetune(ckpt, arch, data, out, config, resume=resume, progress=progress)
    if os.environ.get("RANK", "0") == "0":
        click.echo(json.dumps({"out": result.path, "arch": result.arch, "epoch": result.epoch,
                               "top1": result.top1, "top5": result.top5}))


@supernet.command()
@click.option("--supernet", "ckpt", required=True, type=click.Path(), help="Checkpoint file.")
@click.option("--data", required=True, type=click.Path(),
              help="The image folder it was trained on (stand-alone training uses the same "
                   "images: the folder less the checkpoint's held-out split).")
@click.option("--out", required=True, type=click.Path(),
              help="Study folder: settings, one file per finished training, the report "
                   "(rerun the same command to resume a killed study).")
@click.option("--archs", type=int, default=30, show_default=True,
              help="Sub-networks, spanning the MAdds range.")
@click.option("--seeds", type=int, default=2, show_default=True,
              help="Stand-alone trainings per sub-network (>= 2).")
@click.option("--epochs", type=int, default=8, show_default=True,
              help="Epochs of every stand-alone training.")
@click.option("--batch-size", type=int, default=64, show_default=True)
@click.option("--lr", type=float, default=0.05, show_default=True,
              help="Peak learning rate (cosine to 0).")
@click.option("--train-images", type=int, default=None,
              help="Train on a seeded subset of this many training images (default: all).")
@click.option("--eval-data", type=click.Path(), default=None,
              help="Evaluate on this image folder instead of the checkpoint's held-out split.")
@click.option("--calibration", type=int, default=500, show_default=True,
              help="Images for the supernet scores' BatchNorm recalibration.")
@click.option("--device", default="auto", show_default=True, help="auto, cpu or cuda.")
@click.option("--workers", type=int, default=1, show_default=True,
              help="Trainings at once, one process each (CPU: one per core).")
@click.option("--preload/--no-preload", default=True, show_default=True,
              help="Decode the training images into memory (off: stream from the files).")
@click.option("--loader-workers", type=int, default=0, show_default=True,
              help="Image decoding processes (preloading, or streaming with --no-preload).")
@click.option("--bootstrap", type=int, default=2000, show_default=True,
              help="Bootstrap resamples of the confidence intervals.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--compare", multiple=True, type=click.Path(),
              help="A finished fidelity study of other settings (repeatable): listed in the "
                   "report with the settings that differ and its rows.")
@click.option("--reuse-trainings", multiple=True, type=click.Path(),
              help="A fidelity study that differs only in the supernet (checkpoint, "
                   "--calibration) or the seeds (repeatable): its stand-alone trainings are "
                   "copied instead of trained again.")
@_progress_option
def fidelity(ckpt: str, data: str, out: str, archs: int, seeds: int, epochs: int,
             batch_size: int, lr: float, train_images: int | None, eval_data: str | None,
             calibration: int, device: str, workers: int, preload: bool, loader_workers: int,
             bootstrap: int, seed: int, compare: tuple[str, ...],
             reuse_trainings: tuple[str, ...], progress: bool) -> None:
    """Ranking fidelity: the supernet's scores against stand-alone training from scratch.

    Reports Kendall tau and Spearman rho with bootstrap CIs for (a) the supernet's score
    against the stand-alone mean, (b) seed against seed (the noise ceiling), (c) MAdds and
    parameters against the stand-alone mean, with the top-5 overlap and the regret of each
    predictor's top-1, and checks the goal (tau >= 0.5, within 0.1 of the noise ceiling,
    above both trivial predictors). Writes standalone.csv, summary.csv, goal.csv, fidelity.png
    and README.md into --out; every finished training is stored at once, so a rerun resumes.
    """
    from asebench.supernet._fidelity import FidelityConfig, run_fidelity

    config = FidelityConfig(archs=archs, seeds=seeds, epochs=epochs, batch_size=batch_size,
                            lr=lr, train_images=train_images, eval_data=eval_data,
                            calibration=calibration, device=device, workers=workers,
                            preload=preload, loader_workers=loader_workers,
                            bootstrap=bootstrap, seed=seed, compare=tuple(compare),
                            reuse_trainings=tuple(reuse_trainings))
    result = run_fidelity(ckpt, data, out, config, _progress if progress else None)
    for row in result.summary.itertuples():
        click.echo(f"({row.comparison}) {row.predictor} vs {row.truth}: Kendall tau "
                   f"{row.tau:.3f} [{row.tau_low:.3f}, {row.tau_high:.3f}], Spearman rho "
                   f"{row.rho:.3f} [{row.rho_low:.3f}, {row.rho_high:.3f}], top-{row.top_k} "
                   f"overlap {row.top_overlap}/{row.top_k}, regret {row.regret_top1:.2f}")
    click.echo(f"{result.out}: {result.trained} trainings run now, "
               f"{len(result.table) - result.trained} stored before; report in "
               f"{os.path.join(result.out, 'README.md')}")
