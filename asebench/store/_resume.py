"""What ``--resume`` keeps: the finished chunks that pass the store check and were made by
this code on this data; the rest is recomputed or refused."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Collection, Mapping

from asebench.errors import AsebenchError
from asebench.store._manifest import Entry, Provenance, read_entries
from asebench.store._parquet import ParquetStore
from asebench.store._verify import Problem, check_store, raise_on_problems

__all__ = ["StaleStudy", "kept_chunks", "versions_present"]


class StaleStudy(AsebenchError):
    """A study folder holds runs made by other code (or on other data)."""


def _notice(text: str) -> None:
    print(f"asebench: {text}", file=sys.stderr)


def kept_chunks(store: ParquetStore, config: Mapping[str, object], planned: Collection[str],
                made_by: Provenance, rerun_stale: bool) -> set[str]:
    """The chunk keys of ``store`` a resumed run keeps; drops the entries of the others.

    Chunks whose files are missing, truncated or fail their checksum are recomputed (said in
    one line). Chunks made by other code or on another table are refused unless
    ``rerun_stale`` (then exactly those are recomputed). Nothing is changed before a refusal.

    Raises:
        CorruptStore: a chunk of another study, or one that is not part of this plan.
        StaleStudy: stale chunks without ``rerun_stale``.
    """
    state = check_store(store.root, config)
    foreign = [p for p in state.problems if p.foreign or p.key not in planned]
    foreign += [Problem(store.layout.entry(key),
                        "a chunk that is not part of this study's plan", key, foreign=True)
                for key in sorted(set(state.entries) - set(planned))]
    raise_on_problems(store.root, foreign)
    broken = {p.key for p in state.problems if p.key is not None and not p.foreign}
    current = (made_by.code_version, made_by.data_sha256)
    stale = {k for k, e in state.entries.items()
             if (e.made_by.code_version, e.made_by.data_sha256) != current}
    if stale and not rerun_stale:
        raise StaleStudy(_stale_message(store, state.entries, stale, made_by))
    unlisted = store.unlisted_shards(state.entries)
    if unlisted:
        _notice(f"{unlisted} shard file(s) of {store.root} have no manifest entry (cut short, or "
                "written by an older asebench); recomputing their chunks")
    if broken:
        _notice(f"{len(broken)} finished chunk(s) of {store.root} are unreadable or fail their "
                "checksum; recomputing them")
    if stale:
        _notice(f"recomputing {len(stale)} chunk(s) of {store.root} made by other code "
                f"(--rerun-stale); the other {len(state.entries) - len(stale)} are kept")
    store.forget(broken | stale)
    return set(state.entries) - stale


def _stale_message(store: ParquetStore, entries: Mapping[str, Entry], stale: set[str],
                   made_by: Provenance) -> str:
    counts = Counter(entries[k].made_by for k in stale)
    other_data = " on another data table"
    theirs = ", ".join(
        f"{p.describe()}{'' if p.data_sha256 == made_by.data_sha256 else other_data}: {n}"
        for p, n in counts.most_common())
    return (f"--out {store.root}: {len(stale)} of {len(entries)} finished chunk(s) were made by "
            f"other code [{theirs}], this is {made_by.describe()}; pass --rerun-stale to "
            "recompute exactly those, or use another directory")


def versions_present(store: ParquetStore) -> list[dict[str, object]]:
    """The provenances of the stored chunks, with how many chunks each made."""
    counts = Counter(e.made_by for e in read_entries(store.root)[0].values())
    return [{"code_version": p.code_version, "asebench": p.asebench,
             "data_sha256": p.data_sha256, "chunks": n}
            for p, n in sorted(counts.items(), key=lambda item: -item[1])]
