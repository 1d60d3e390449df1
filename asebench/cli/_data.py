"""``asebench data``: bring the official benchmark files in as asebench tables."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

__all__ = ["data"]


class _Progress:
    """``importing NAME: done/total archs (pct) elapsed`` on stderr: one updating line on a
    terminal, a line per 10% otherwise."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.started = time.perf_counter()
        self.tty = sys.stderr.isatty()
        self.last_decile = -1

    def __call__(self, done: int, total: int) -> None:
        decile = 10 * done // max(total, 1)
        if not self.tty and decile == self.last_decile:
            return
        self.last_decile = decile
        elapsed = time.perf_counter() - self.started
        line = (f"importing {self.name}: {done}/{total} archs ({100 * done / max(total, 1):.0f}%)"
                f" {elapsed:.1f} s")
        end = "\n" if not self.tty or done == total else ""
        click.echo(("\r" if self.tty else "") + line, err=True, nl=False)
        if end:
            click.echo("", err=True)


@click.group()
def data() -> None:
    """Benchmark data: import the official NATS-Bench / NAS-Bench-201 files; export the digits
    or an MNIST-family dataset (Fashion-MNIST, MNIST, KMNIST) as image folders."""


@data.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--out", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Table file to write (default: data/imported/<source name>.npz); a "
                   "<out>.sha256 sidecar is written beside it.")
@click.option("--workers", "-j", type=click.IntRange(min=1), default=None,
              help="Processes for an archive directory (default: all cores).")
@click.option("--quiet", "-q", is_flag=True, help="No progress output.")
def import_(path: Path, out: Path | None, workers: int | None, quiet: bool) -> None:
    """Import PATH as a benchmark table for --data / ASEBENCH_DATA.

    PATH is a NATS-Bench topology archive directory (NATS-tss-v1_0-3ffb9-simple), the NATS-Bench
    file NATS-tss-v1_0-3ffb9.pickle.pbz2, or a NAS-Bench-201 .pth (v1_0 / v1_1). The table has
    the exact 12-epoch validation accuracy (valid_acc_12) and simulate_train_eval cost
    (cost_12ep_s) the `paper` protocol uses, per seed. Nothing is written if the import fails.
    """
    from asebench._outputs import check_output_file
    from asebench.tables.importers import detect_source, import_official
    from asebench.tables.importers._run import default_output

    if out is not None:
        check_output_file(out, "--out")
    info = detect_source(path)  # a missing or unrecognised source fails before anything is said
    if out is None:
        check_output_file(default_output(info.path), "--out")
    progress = None if quiet else _Progress(path.name)
    if not quiet and path.is_file():
        click.echo(f"loading {path.name}: a single pickle is read whole before the first "
                   "architecture (memory of its unpickled size); an archive directory "
                   "(NATS-tss-v1_0-3ffb9-simple) streams instead", err=True)
    result = import_official(path, out, workers=workers, progress=progress)
    size_mb = result.path.stat().st_size / 1e6
    click.echo(f"wrote {result.path} ({result.num_archs} archs, {size_mb:.1f} MB, "
               f"sha256 {result.sha256[:16]}...) in {result.seconds:.1f} s")
    click.echo(f"use it with: asebench query ARCH --data {result.path}  "
               f"(or export ASEBENCH_DATA={result.path})")


@data.command("digits")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--size", type=click.IntRange(8, 512), default=32, show_default=True,
              help="Image side in pixels (the tiny supernet preset takes 32).")
@click.option("--test-per-class", type=click.IntRange(min=1), default=50, show_default=True,
              help="Fixed held-out test images per digit (OUT/test).")
@click.option("--train-per-class", type=click.IntRange(min=1), default=None,
              help="Keep at most this many training images per digit (a harder task).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the split.")
@click.option("--force", is_flag=True, help="Replace an existing export in OUT.")
def digits(out: Path, size: int, test_per_class: int, train_per_class: int | None, seed: int,
           force: bool) -> None:
    """Write scikit-learn's UCI handwritten digits as an image folder for the live backend.

    OUT/train/<digit>/*.png is the training pool (pass OUT as --data), OUT/test/<digit>/*.png
    a fixed, class-balanced held-out split, OUT/digits.json what was written. Needs the
    `digits` extra (scikit-learn). Nothing is left behind if it fails.
    """
    from asebench._extras import require
    from asebench.digits import export_digits

    require("digits", "asebench data digits")

    result = export_digits(out, size, test_per_class, train_per_class, seed, force)
    click.echo(f"wrote {result.root}: {result.num_train} training and {result.num_test} test "
               f"images ({size} px, 10 digits), sha256 {result.sha256[:16]}...")
    click.echo(f"train a supernet on it with: asebench supernet train --data {result.root} "
               f"--preset tiny --resolution {size} --classes 0 "
               f"--holdout {max(1, min(300, result.num_train // 4))} --batch-size 32 "
               f"--min-crop 0.5 --no-flip --workers 0 --preload")


def _idx_command(name: str) -> click.Command:
    """``asebench data NAME OUT``: an MNIST-family dataset as an image folder."""
    from asebench.datasets._mnist import DATASETS

    spec = DATASETS[name]
    where = (f"default {spec.default_dir}" if spec.default_dir is not None else "required")
    install = (f" On Debian `apt-get install {spec.debian_package}` puts them in "
               f"{spec.default_dir}." if spec.debian_package else "")
    checked = ("their decompressed contents must match recorded sha256 checksums"
               if spec.verified else "no checksums are recorded for them, so the export is "
               "marked unverified")

    @click.command(name, help=(
        f"Write {spec.title} as an image folder for the live backend.\n\n"
        f"Reads the four IDX files (gzipped or not) from --data.{install} Checks magic "
        f"numbers, shapes, counts and labels; {checked}. OUT/train/<label>/*.png is the "
        f"training pool (pass OUT as --data), OUT/test/<label>/*.png the official test split "
        f"(never trained or searched on), OUT/{name}.json what was written. Nothing is "
        f"downloaded, and nothing is left behind if it fails."))
    @click.argument("out", type=click.Path(path_type=Path))
    @click.option("--data", "source", type=click.Path(path_type=Path), default=None,
                  help=f"Folder of the four IDX files ({where}).")
    @click.option("--size", type=click.IntRange(8, 512), default=32, show_default=True,
                  help="Image side in pixels after padding (the tiny supernet preset takes 32).")
    @click.option("--pad", type=click.IntRange(0, 64), default=2, show_default=True,
                  help="Zero pixels added on every side of the 28x28 image before resizing.")
    @click.option("--train-per-class", type=click.IntRange(min=1), default=None,
                  help="Keep this many training images per class (default: all 6,000).")
    @click.option("--test-per-class", type=click.IntRange(min=1), default=None,
                  help="Keep this many test images per class (default: all 1,000).")
    @click.option("--seed", type=int, default=0, show_default=True,
                  help="Seed of the per-class subsets.")
    @click.option("--force", is_flag=True, help="Replace an existing export in OUT.")
    def command(out: Path, source: Path | None, size: int, pad: int,
                train_per_class: int | None, test_per_class: int | None, seed: int,
                force: bool) -> None:
        from asebench._extras import require
        from asebench.datasets import export_idx

        require("live", f"asebench data {name}")
        result = export_idx(name, out, source, size, pad, train_per_class, test_per_class,
                            seed, force)
        note = "" if result.verified else \
            f" (unverified: no checksums are recorded for {spec.title})"
        click.echo(f"wrote {result.root}: {result.num_train} training and {result.num_test} "
                   f"test images ({size} px, {spec.title}), sha256 {result.sha256[:16]}..."
                   f"{note}")
        flip = "" if spec.mirror_safe else " --no-flip"
        click.echo(f"train a supernet on it with: asebench supernet train --data {result.root} "
                   f"--preset tiny --resolution {size} --classes 0 "
                   f"--holdout {max(10, min(1000, result.num_train // 10))} --batch-size 64 "
                   f"--min-crop 0.5{flip} --workers 0 --preload")

    return command


for _name in ("fashion-mnist", "mnist", "kmnist"):
    data.add_command(_idx_command(_name))
