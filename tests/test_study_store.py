"""The study store can be trusted: one writer per folder, no stale or corrupt runs reused
silently, a manifest that ``asebench verify`` and every reader check.

Locking and kills use real ``asebench`` processes; studies run on the real embedded table.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from asebench.analysis import load
from asebench.errors import AsebenchError
from asebench.store import Layout, StudyLock, is_locked, verify_study
from asebench.study import StudySpec, run_study

ROOT = Path(__file__).resolve().parents[1]
SPEC = StudySpec(methods=("random", "local"), datasets=("cifar10",), seeds=6, chunk_size=2)


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "asebench", *args]


def _run_args(out: Path, methods: str = "random", seeds: int = 6) -> list[str]:
    return _cli("run", "--methods", methods, "--datasets", "cifar10", "--seeds", str(seeds),
                "--chunk-size", "1", "--workers", "1", "--no-progress", "--out", str(out))


def _frames(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    study = load(path)
    runs = study.runs.drop(columns="wall_seconds").sort_values(["label", "seed"])
    traces = study.traces.sort_values(["label", "seed", "step"])
    return runs.reset_index(drop=True), traces.reset_index(drop=True)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_study(SPEC, tmp_path_factory.mktemp("ref") / "study", workers=1, progress=False)


# -- the manifest and verify ----------------------------------------------------------------
def test_a_finished_study_verifies_clean_and_records_what_made_it(reference: Path) -> None:
    assert verify_study(reference) == []
    meta = json.loads((reference / "metadata.json").read_text())
    (made_by,) = meta["made_by"]
    assert made_by["code_version"] == meta["code_version"] and made_by["chunks"] == 6
    assert made_by["data_sha256"] == meta["study"]["data"]["sha256"]
    done = subprocess.run(_cli("verify", str(reference)), capture_output=True, text=True)
    assert done.returncode == 0 and "sound (6 chunks, 12 runs" in done.stdout


def test_verify_names_each_problem_in_one_line(reference: Path, tmp_path: Path) -> None:
    study = tmp_path / "study"
    shutil.copytree(reference, study)
    shard = sorted((study / "shards").glob("*.parquet"))[0]
    shard.write_bytes(shard.read_bytes()[:100])  # truncated
    trace = sorted((study / "traces").glob("*.parquet"))[-1]
    data = bytearray(trace.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte, same size
    trace.write_bytes(bytes(data))
    entry = sorted((study / "manifest").glob("*.json"))[2]
    entry.unlink()  # a chunk gone from the manifest
    done = subprocess.run(_cli("verify", str(study)), capture_output=True, text=True)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert any(str(shard) in line and "size 100 bytes" in line for line in lines), lines
    assert any(str(trace) in line and "sha256" in line for line in lines), lines
    assert any(entry.stem in line and "not in the manifest" in line for line in lines), lines
    assert any("1 chunk(s) (2 runs) not stored" in line for line in lines), lines


def test_verify_finds_duplicate_seeds_behind_a_valid_checksum(reference: Path,
                                                              tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from asebench.store import ChunkWriter, ParquetStore, read_entries

    study = tmp_path / "study"
    shutil.copytree(reference, study)
    key, entry = sorted(read_entries(study)[0].items())[0]
    runs = pq.read_table(study / entry.runs.file)
    doubled = runs.set_column(runs.schema.get_field_index("seed"), "seed",
                              pa.array([0] * runs.num_rows, pa.int64()))
    store = ParquetStore(study, ChunkWriter(entry.study, entry.made_by))
    store.write_chunk(key, doubled, pq.read_table(study / entry.traces.file))
    problems = [p.line() for p in verify_study(study)]
    assert len(problems) == 1 and "seeds are not 0..1 once each (1 repeated" in problems[0]


# -- readers and --resume on a corrupt store -----------------------------------------------
def test_a_truncated_shard_is_one_line_for_readers_and_recomputed_by_resume(
        reference: Path, tmp_path: Path) -> None:
    study = tmp_path / "study"
    shutil.copytree(reference, study)
    shard = sorted((study / "shards").glob("*.parquet"))[1]
    shard.write_bytes(shard.read_bytes()[:100])
    table = subprocess.run(_cli("table", str(study)), capture_output=True, text=True)
    assert table.returncode == 2 and "Traceback" not in table.stderr
    (line,) = table.stderr.splitlines()
    assert line.startswith("asebench: error: ") and str(shard) in line
    with pytest.raises(AsebenchError, match="truncated"):
        load(study)

    resumed = subprocess.run(_cli("run", "--methods", "random,local", "--datasets", "cifar10",
                                  "--seeds", "6", "--chunk-size", "2", "--workers", "1",
                                  "--no-progress", "--resume", "--out", str(study)),
                             capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert "1 finished chunk(s)" in resumed.stderr and "recomputing" in resumed.stderr
    assert verify_study(study) == []
    for ours, theirs in zip(_frames(study), _frames(reference)):
        pd.testing.assert_frame_equal(ours, theirs, check_exact=True)


def test_a_shard_of_another_study_is_refused(reference: Path, tmp_path: Path) -> None:
    other = run_study(StudySpec(methods=("random",), datasets=("cifar10",), seeds=2,
                                chunk_size=2, master_seed=7), tmp_path / "other",
                      workers=1, progress=False)
    study = tmp_path / "study"
    shutil.copytree(reference, study)
    (entry,) = (other / "manifest").glob("*.json")
    for folder in ("manifest", "shards", "traces"):
        source = next((other / folder).glob(f"{entry.stem}.*"))
        shutil.copy(source, study / folder / source.name)
    with pytest.raises(AsebenchError, match="belongs to another study"):
        load(study)
    resumed = subprocess.run(_cli("run", "--methods", "random,local", "--datasets", "cifar10",
                                  "--seeds", "6", "--chunk-size", "2", "--workers", "1",
                                  "--no-progress", "--resume", "--out", str(study)),
                             capture_output=True, text=True)
    assert resumed.returncode == 2 and "another study" in resumed.stderr


def test_readers_read_only_finished_chunks_while_a_study_runs(reference: Path,
                                                              tmp_path: Path) -> None:
    study = tmp_path / "study"
    shutil.copytree(reference, study)
    metadata = json.loads((study / "metadata.json").read_text())
    metadata["status"] = "running"
    (study / "metadata.json").write_text(json.dumps(metadata))
    entry = sorted((study / "manifest").glob("*.json"))[0]
    entry.unlink()  # the chunk in flight: files written, entry not yet
    with StudyLock(study):
        assert is_locked(study)
        runs = load(study).runs
        assert len(runs) == 10  # 12 runs, the unfinished chunk's 2 left out
    assert not is_locked(study)
    with pytest.raises(AsebenchError, match="not in the manifest"):
        load(study)  # nobody writes it any more: the leftover is reported


# -- stale runs -----------------------------------------------------------------------------
def test_resume_refuses_runs_of_other_code_unless_asked_to_rerun_them(tmp_path: Path) -> None:
    copy = tmp_path / "src"
    shutil.copytree(ROOT / "asebench", copy / "asebench",
                    ignore=shutil.ignore_patterns("__pycache__"))
    with open(copy / "asebench" / "search" / "_baselines.py", "a") as handle:
        handle.write("\n# a change to a search method\n")
    (copy / "data").symlink_to(ROOT / "data")
    study = tmp_path / "study"
    # the copy instead of this checkout (an editable install's finder comes before sys.path)
    boot = ("import sys; sys.meta_path[:] = [f for f in sys.meta_path if '__editable__' not in "
            "str(getattr(f, '__module__', ''))]; sys.path.insert(0, sys.argv.pop(1)); "
            "from asebench.cli import main; main()")
    first = subprocess.run([sys.executable, "-c", boot, str(copy),
                            *_run_args(study, seeds=3)[3:]], capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    before = {p: p.read_bytes() for p in study.rglob("*") if p.is_file() and p.name != ".lock"}
    old_version = json.loads((study / "metadata.json").read_text())["code_version"]
    from asebench.study import code_version

    assert old_version != code_version()

    refused = subprocess.run([*_run_args(study, seeds=3), "--resume"], capture_output=True,
                             text=True)
    assert refused.returncode == 2
    (line,) = refused.stderr.splitlines()
    assert old_version in line and code_version() in line and "3 of 3" in line, line
    assert "--rerun-stale" in line
    after = {p: p.read_bytes() for p in study.rglob("*") if p.is_file() and p.name != ".lock"}
    assert after == before  # nothing changed

    rerun = subprocess.run([*_run_args(study, seeds=3), "--resume", "--rerun-stale"],
                           capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert "recomputing 3 chunk(s)" in rerun.stderr
    meta = json.loads((study / "metadata.json").read_text())
    assert [m["code_version"] for m in meta["made_by"]] == [code_version()]
    assert verify_study(study) == []


# -- one writer -----------------------------------------------------------------------------
def test_a_second_run_on_a_busy_folder_is_refused_naming_the_holder(reference: Path,
                                                                    tmp_path: Path) -> None:
    out = tmp_path / "study"
    shutil.copytree(reference, out)
    # the holder: another process holding the folder's lock until its stdin closes
    holder_code = ("import sys; from pathlib import Path; from asebench.store import "
                   "StudyLock; lock = StudyLock(Path(sys.argv[1])); lock.acquire(); "
                   "print('held', flush=True); sys.stdin.read()")
    holder = subprocess.Popen([sys.executable, "-c", holder_code, str(out)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        record = json.loads(Layout(out).lock.read_text())
        before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
        second = subprocess.run(
            _cli("run", "--methods", "random,local", "--datasets", "cifar10", "--seeds", "6",
                 "--chunk-size", "2", "--workers", "1", "--no-progress", "--resume",
                 "--rerun-stale", "--out", str(out)), capture_output=True, text=True)
        assert second.returncode == 2
        (line,) = second.stderr.splitlines()
        assert record["pid"] == holder.pid
        assert f"pid {holder.pid} on {record['host']}, started {record['started']}" in line
        assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    finally:
        holder.communicate(timeout=600)
    assert verify_study(out) == []


@pytest.mark.slow
def test_two_runs_started_together_exactly_one_proceeds(tmp_path: Path) -> None:
    for attempt in range(5):
        out = tmp_path / f"study{attempt}"
        runs = [subprocess.Popen([*_run_args(out, method, seeds=8), "--resume"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                for method in ("random", "local")]
        results = [(p.wait(timeout=600), p.communicate()[1]) for p in runs]
        codes = sorted(code for code, _ in results)
        assert codes == [0, 2], results
        (refusal,) = [err for code, err in results if code == 2]
        (line,) = refusal.splitlines()  # the lock's holder, or (if it had finished) its study
        assert line.startswith("asebench: error: --out"), line
        assert verify_study(out) == []
        (winner,) = [m for (code, _), m in zip(results, ("random", "local")) if code == 0]
        assert [m["label"] for m in load(out).config["methods"]] == [winner]


def test_a_lock_left_by_a_killed_run_is_taken_over(tmp_path: Path) -> None:
    out = tmp_path / "study"
    # killed by SIGKILL after its first chunk, lock held (from here, a kill would race the
    # run: on a busy machine it could finish, or not have taken the lock yet)
    first = subprocess.Popen([sys.executable, str(ROOT / "tests" / "killed_run.py"), "1",
                              *_run_args(out, seeds=60)[3:]], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    assert first.wait() == -signal.SIGKILL
    holder = json.loads(Layout(out).lock.read_text())
    assert holder["pid"] == first.pid
    assert not is_locked(out)
    second = subprocess.run([*_run_args(out, seeds=60), "--resume"], capture_output=True,
                            text=True)
    assert second.returncode == 0, second.stderr
    notices = [line for line in second.stderr.splitlines() if "taking over" in line]
    assert len(notices) == 1 and f"pid {holder['pid']}" in notices[0]
    assert verify_study(out) == []
    assert Layout(out).lock.read_text() == ""  # released


def test_readers_never_block_or_take_the_lock(reference: Path) -> None:
    with StudyLock(reference):
        assert len(load(reference).runs) == 12
        assert verify_study(reference) == []
