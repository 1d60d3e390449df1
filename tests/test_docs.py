"""The documentation runs: every shell and Python block of README.md and docs/*.md, and every
relative link resolves.

Convention for a fenced block (the fence's info string):

- ```` ```bash ````, ```` ```sh ````, ```` ```shell ```` and ```` ```python ```` blocks run;
- a block marked ``no-run`` after its language, with the reason in brackets, does not:
  ```` ```bash no-run (needs ImageNet and GPUs) ````. Use it only for blocks that cannot run
  here: installing packages, data or hardware the tests lack (ImageNet, OFA's weights, the
  official benchmark files, GPUs), the full-size jobs (``make run``, ``make test`` itself) and
  timing measurements;
- any other fence (```` ```text ````, no language) is output or a listing and never runs.

The runnable blocks of one page run in order in one fresh temporary folder (the working
directory), so a later block may read what an earlier one wrote and relative ``--out`` paths
land there. Before a block runs, ``--seeds N`` and ``--ablation-seeds N`` with N > 2 become 2
(the text says 500 or 20; two seeds exercise the same code). Shell blocks run under
``bash -euo pipefail`` with this interpreter's ``bin/`` first on ``PATH`` (so ``asebench`` and
``python`` are the tested ones); Python blocks run with this interpreter. Every page of
``docs/`` is found by the glob, so a new page is covered without editing this file.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
RUNNABLE = {"bash": "bash", "sh": "bash", "shell": "bash", "python": "python"}
FENCE = re.compile(r"^```(\S*)[ \t]*(.*)$")
README_MAX_LINES = 250

# pages that other branches add (the store, `asebench doctor`, plugins): linked from the README
# already; once they exist they are checked like every other page
PENDING_PAGES: set[str] = set()


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    language: str
    info: str
    code: str

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"

    @property
    def runs(self) -> bool:
        return self.language in RUNNABLE and not self.info.startswith("no-run")


def blocks(page: Path) -> list[Block]:
    """The fenced blocks of a markdown page, in order."""
    out: list[Block] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if match is None:
            i += 1
            continue
        start, body = i, []
        i += 1
        while i < len(lines) and not lines[i].startswith("```"):
            body.append(lines[i])
            i += 1
        if i == len(lines):
            raise AssertionError(f"{page.relative_to(ROOT)}:{start + 1}: unclosed code fence")
        out.append(Block(page, start + 1, match.group(1), match.group(2).strip(),
                         "\n".join(body) + "\n"))
        i += 1
    return out


def small(code: str) -> str:
    """``code`` with every seed count above 2 cut to 2."""
    def cut(match: re.Match[str]) -> str:
        return f"{match.group(1)} {min(int(match.group(2)), 2)}"

    return re.sub(r"(?<![\w-])(--seeds|--ablation-seeds)[ =](\d+)", cut, code)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("ASEBENCH_DATA", None)  # the embedded table, whatever the caller's shell says
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["MPLBACKEND"] = "Agg"
    return env


def _run(block: Block, cwd: Path) -> None:
    code = small(block.code)
    if RUNNABLE[block.language] == "bash":
        argv = ["bash", "-euo", "pipefail", "-c", code]
    else:
        argv = [sys.executable, "-c", code]
    done = subprocess.run(argv, cwd=cwd, env=_env(), capture_output=True, text=True,
                          timeout=600)
    if done.returncode != 0:
        pytest.fail(f"{block.where}: the block exits {done.returncode}\n--- code\n{code}"
                    f"--- stdout\n{done.stdout[-3000:]}\n--- stderr\n{done.stderr[-3000:]}",
                    pytrace=False)


def test_the_docs_are_found() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in PAGES}
    assert {"README.md", "docs/constraints.md", "docs/results.md"} <= names
    assert any(b.runs for p in PAGES for b in blocks(p))


def test_seeds_are_cut_to_two() -> None:
    code = "asebench run --seeds 500 --out x\nasebench figures --seeds=50 --ablation-seeds 100\n"
    assert small(code) == ("asebench run --seeds 2 --out x\n"
                           "asebench figures --seeds 2 --ablation-seeds 2\n")
    assert small("--seeds 1 --my-seeds 9") == "--seeds 1 --my-seeds 9"


@pytest.mark.slow
@pytest.mark.parametrize("page", [p for p in PAGES if any(b.runs for b in blocks(p))],
                         ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_runnable_block_runs(page: Path, tmp_path: Path) -> None:
    for block in blocks(page):
        if block.runs:
            _run(block, tmp_path)


def test_every_no_run_block_says_why() -> None:
    for page in PAGES:
        for block in blocks(page):
            if block.info.startswith("no-run"):
                assert re.fullmatch(r"no-run \(.+\)", block.info), \
                    f"{block.where}: write the reason: ```{block.language} no-run (why)"
            elif block.language in RUNNABLE:
                assert not block.info, f"{block.where}: unknown fence info {block.info!r}"


def _anchors(page: Path) -> set[str]:
    """GitHub's anchors for the page's headings."""
    out = set()
    in_fence = False
    for line in page.read_text(encoding="utf-8").splitlines():
        in_fence ^= line.startswith("```")
        if not in_fence and line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            out.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return out


def test_every_relative_link_resolves() -> None:
    link = re.compile(r"\]\(([^)\s]+)\)")
    for page in PAGES:
        text = re.sub(r"(?ms)^```.*?^```", "", page.read_text(encoding="utf-8"))
        for target in link.findall(text):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            resolved = (page.parent / path).resolve() if path else page
            name = resolved.relative_to(ROOT).as_posix() if resolved.is_relative_to(ROOT) \
                else str(resolved)
            if name in PENDING_PAGES and not resolved.exists():
                continue
            assert resolved.exists(), f"{page.relative_to(ROOT)}: broken link {target}"
            if anchor and resolved.suffix == ".md":
                assert anchor in _anchors(resolved), \
                    f"{page.relative_to(ROOT)}: no heading for #{anchor} in {name}"


def test_readme_is_a_front_door() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, \
        f"README.md has {len(lines)} lines; move detail to docs/ (at most {README_MAX_LINES})"
    text = "\n".join(lines)
    for page in (ROOT / "docs").glob("*.md"):
        assert f"docs/{page.name}" in text, f"README.md does not link docs/{page.name}"
