"""Writing figures, their numbers and ``README.md`` into a report folder, atomically."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from asebench._atomic import atomic_write_bytes, atomic_write_text

__all__ = ["ReportEntry", "write_figure", "write_readme"]


def _figure_bytes(fig: Figure, fmt: str) -> bytes:
    buffer = io.BytesIO()
    # a fixed creation date keeps the PDF identical across reruns
    metadata = {"CreationDate": None} if fmt == "pdf" else {"Software": None}
    fig.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()


def write_figure(out_dir: Path | str, name: str, fig: Figure,
                 data: pd.DataFrame | Mapping[str, pd.DataFrame]) -> list[Path]:
    """Write ``name.png``, ``name.pdf`` and the figure's numbers as CSV into ``out_dir``.

    Args:
        out_dir: the report folder (created if needed).
        name: file stem, e.g. ``fig6_distance``.
        fig: the figure.
        data: the plotted numbers: one DataFrame (``name.csv``) or several
            (``{suffix: frame}`` -> ``name_suffix.csv``).

    Returns:
        The paths written, figures first.
    """
    out = Path(out_dir)
    paths = [atomic_write_bytes(out / f"{name}.{fmt}", _figure_bytes(fig, fmt))
             for fmt in ("png", "pdf")]
    frames = {name: data} if isinstance(data, pd.DataFrame) else {
        f"{name}_{suffix}": frame for suffix, frame in data.items()}
    for stem, frame in frames.items():
        paths.append(atomic_write_text(out / f"{stem}.csv",
                                       frame.to_csv(index=False, float_format="%.6g")))
    return paths


@dataclass(frozen=True)
class ReportEntry:
    """One item of ``README.md``: a figure (or table) with its caption and command.

    Attributes:
        name: file stem (``fig6_distance``) or file name (``table1.md``).
        title: heading, e.g. ``Fig. 6: accuracy difference vs architecture distance``.
        caption: two lines; the second states what our data says about the paper's claim.
        command: the shell command that regenerates it.
        files: the files written for it (relative names are shown).
        image: whether ``name.png`` is an image to embed.
    """

    name: str
    title: str
    caption: str
    command: str
    files: tuple[str, ...] = ()
    image: bool = True


def write_readme(out_dir: Path | str, entries: Sequence[ReportEntry], header: str = "") -> Path:
    """Write ``out_dir/README.md`` listing every entry: image, caption, command, files."""
    lines = ["# asebench reports", ""]
    if header:
        lines += [header.strip(), ""]
    for entry in entries:
        lines += [f"## {entry.title}", ""]
        if entry.image:
            lines += [f"![{entry.title}]({entry.name}.png)", ""]
        caption = [line.strip() for line in entry.caption.strip().splitlines() if line.strip()]
        lines += ["  \n".join(caption), ""]
        lines += ["```sh", entry.command, "```", ""]
        if entry.files:
            lines += ["Files: " + ", ".join(f"[{f}]({f})" for f in entry.files), ""]
    return atomic_write_text(Path(out_dir) / "README.md", "\n".join(lines))
