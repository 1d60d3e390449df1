"""The live backend: a tiny trained supernet scored on its held-out split, searched by ASE-NAS."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from asebench.backends import Backend, BudgetedEvaluator, get_backend
from asebench.errors import AsebenchError
from asebench.records import Budget
from asebench.supernet import (
    AccuracyPredictor,
    analytic_cost,
)

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def backend(trained_supernet: tuple[Path, Path]):
    ckpt, data = trained_supernet
    return get_backend("live", supernet=str(ckpt), data=str(data),
                       calibration="24", batch_size="32")


@pytest.fixture(scope="module")
def capped(backend):
    """The backend under the MAdds limit of a study's --constraint madds_m<=1.5."""
    from asebench.constraints import constrained_backend

    return constrained_backend(backend, ["madds_m<=1.5"])[0]


def test_evaluate_and_report(backend) -> None:
    from asebench.backends import describe

    info = describe(backend)
    assert isinstance(backend, Backend) and info.benchmark == "live"
    assert info.metric("madds_m") is not None and info.metric("madds_m").known_before_query
    space = backend.space
    arch = space.sample(np.random.default_rng(0))
    first = backend.evaluate(arch, np.random.default_rng(0))
    assert 0.0 <= first.reward <= 100.0 and first.cost_s > 0
    expected = analytic_cost(backend.scorer.supernet.config, space.decode(arch))
    assert first.metrics["madds_m"] == pytest.approx(expected.madds_m)
    assert first.metrics["params_m"] == pytest.approx(expected.params_m)
    # the same network under its other encoding answers the same
    twin = space.canonical(arch)
    assert backend.evaluate(twin, np.random.default_rng(1)).reward == first.reward
    report = backend.report(arch)
    assert report["test_accuracy"] == first.reward
    assert set(report) >= {"test_accuracy", "top5", "madds_m", "params_m"}


def test_scores_are_reproducible_and_differ_between_archs(backend) -> None:
    scorer = backend.scorer
    arch = scorer.space.smallest()
    assert scorer.score(arch).top1 == scorer.score(arch).top1
    rng = np.random.default_rng(5)
    tops = {scorer.score(scorer.space.sample(rng)).top1 for _ in range(4)}
    tops.add(scorer.score(scorer.space.largest()).top1)
    assert max(tops) > 25.0  # above chance (4 classes)


def test_ase_nas_on_the_live_backend(capped) -> None:
    from asebench.search import get

    searcher = get("ase", K=3, M=2, lr=3e-4, entropy_weight=1e-3)
    trace = searcher.run(capped, Budget(queries=8), np.random.default_rng(0))
    assert 1 <= len(trace) <= 8
    assert capped.space.validate(trace.answer) == trace.answer
    assert all(capped.wrapped.cost(a)["madds_m"] <= 1.5 for a in trace.archs)
    assert trace.answer_reward == pytest.approx(max(trace.info["final_center_rewards"]))
    assert all(cost > 0 for cost in trace.costs)


def test_predicted_reward(backend, trained_supernet, tmp_path: Path) -> None:
    space = backend.space
    rng = np.random.default_rng(7)
    archs = [space.sample(rng) for _ in range(6)]
    accs = [backend.scorer.score(a).top1 for a in archs]
    predictor = AccuracyPredictor(space, hidden=32)
    predictor.fit(archs, accs, epochs=200, seed=0)
    predictor.save(tmp_path / "p.pt")
    ckpt, data = trained_supernet
    live = get_backend("live", supernet=str(ckpt), data=str(data), calibration="24",
                       predictor=str(tmp_path / "p.pt"))
    result = BudgetedEvaluator(live, Budget(queries=2), np.random.default_rng(0)).evaluate(
        archs[0])
    assert result.reward == pytest.approx(float(AccuracyPredictor.load(
        tmp_path / "p.pt").predict([archs[0]])[0]))
    assert abs(result.reward - accs[0]) < 5.0


def test_errors(backend, capped, trained_supernet, tmp_path: Path) -> None:
    with pytest.raises(AsebenchError, match="needs 20 positions, got 6"):
        capped.evaluate((0,) * 6, np.random.default_rng(0))  # refused before any scoring
    space = capped.space  # the MAdds limit restricts the space: nothing over it is scored
    over = space.parent.largest()
    assert backend.cost(over)["madds_m"] > 1.5 and not space.contains(over)
    with pytest.raises(AsebenchError, match="infeasible|outside"):
        capped.evaluate(over, np.random.default_rng(0))
    with pytest.raises(AsebenchError, match="arch outside the mobilenet space"):
        backend.report((12,) * 20)
    ckpt, data = trained_supernet
    with pytest.raises(AsebenchError, match="unknown live backend option"):
        get_backend("live", supernet=str(ckpt), data=str(data), colour="red")
    with pytest.raises(AsebenchError, match="does not exist"):
        get_backend("live", supernet=str(tmp_path / "none.pt"), data=str(data))
    with pytest.raises(AsebenchError, match="does not exist"):
        get_backend("live", supernet=str(ckpt), data=str(tmp_path / "nodata"))
    with pytest.raises(AsebenchError, match="batch_size='many' is not an integer"):
        get_backend("live", supernet=str(ckpt), data=str(data), batch_size="many")


def _copy_holdout(ckpt: Path, data: Path, out: Path, shift: int = 0) -> Path:
    """The checkpoint's held-out images copied into ``out/<class>/``; with ``shift`` each
    image goes into the folder of class ``(c + shift) % n`` (wrong labels on purpose)."""
    import shutil

    from asebench.supernet import read_checkpoint

    checkpoint = read_checkpoint(ckpt)
    classes = list(checkpoint.classes)
    root = data / "train" if (data / "train").is_dir() else data
    for rel in checkpoint.holdout:
        cls, name = Path(rel).parts[-2], Path(rel).name
        target = out / classes[(classes.index(cls) + shift) % len(classes)]
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(root / rel, target / name)
    return out


def test_report_on_a_separate_test_split(backend, trained_supernet, tmp_path: Path) -> None:
    from asebench.backends import describe

    ckpt, data = trained_supernet
    options = {"supernet": str(ckpt), "data": str(data), "calibration": "24",
               "batch_size": "32"}
    same = get_backend("live", test_data=str(_copy_holdout(ckpt, data, tmp_path / "same")),
                       **options)
    shifted = get_backend("live", **options, test_data=str(
        _copy_holdout(ckpt, data, tmp_path / "shifted", shift=1)))
    space = backend.space
    archs = [space.largest(), space.smallest(), space.sample(np.random.default_rng(3))]
    for arch in archs:
        reward = backend.evaluate(arch, np.random.default_rng(0)).reward
        # the same images as the reward's held-out split: the same numbers
        assert same.report(arch)["test_accuracy"] == reward
        assert same.evaluate(arch, np.random.default_rng(0)).reward == reward
        # the report comes from the test folder (here with every label wrong), the reward
        # still from the held-out split
        assert shifted.evaluate(arch, np.random.default_rng(0)).reward == reward
        assert shifted.report(arch)["test_accuracy"] != reward
    assert shifted.report(archs[0])["madds_m"] == backend.report(archs[0])["madds_m"]
    assert "separate test split" in describe(shifted).reward
    assert str(tmp_path / "shifted") in describe(shifted).reward
    assert "same held-out split" in describe(backend).reward


def test_test_data_errors(trained_supernet, tmp_path: Path) -> None:
    ckpt, data = trained_supernet
    options = {"supernet": str(ckpt), "data": str(data), "calibration": "24"}
    with pytest.raises(AsebenchError, match="test_data=.*no such folder"):
        get_backend("live", test_data=str(tmp_path / "nowhere"), **options)
    with pytest.raises(AsebenchError, match="holds a train/ folder"):
        get_backend("live", test_data=str(data), **options)
    few = _copy_holdout(ckpt, data, tmp_path / "few")
    import shutil

    shutil.rmtree(sorted(few.iterdir())[0])
    with pytest.raises(AsebenchError, match="classes do not match the checkpoint's.*missing"):
        get_backend("live", test_data=str(few), **options)
    extra = _copy_holdout(ckpt, data, tmp_path / "extra")
    shutil.copytree(sorted(extra.iterdir())[0], extra / "zebra")
    with pytest.raises(AsebenchError, match="not in the checkpoint \\['zebra'\\]"):
        get_backend("live", test_data=str(extra), **options)


def test_supernet_sha256_names_the_weights(trained_supernet) -> None:
    import hashlib

    ckpt, data = trained_supernet
    digest = hashlib.sha256(ckpt.read_bytes()).hexdigest()
    live = get_backend("live", supernet=str(ckpt), data=str(data), calibration="24",
                       supernet_sha256=digest)
    assert live.space is not None
    with pytest.raises(AsebenchError, match="has sha256 .*not the supernet_sha256"):
        get_backend("live", supernet=str(ckpt), data=str(data), calibration="24",
                    supernet_sha256="0" * 64)
