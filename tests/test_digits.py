"""``asebench data digits``: scikit-learn's UCI digits as the live backend's image folder."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sklearn")

from asebench.cli import cli  # noqa: E402
from asebench.digits import export_digits, load_digits_arrays, read_manifest  # noqa: E402
from asebench.errors import AsebenchError  # noqa: E402


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("digits") / "d"
    export_digits(out, size=16, test_per_class=30, seed=0)
    return out


def _indices(root: Path, split: str) -> dict[int, int]:
    return {int(p.stem): int(p.parent.name) for p in (root / split).rglob("*.png")}


def test_counts_split_and_labels(export: Path) -> None:
    _, labels = load_digits_arrays()
    train, test = _indices(export, "train"), _indices(export, "test")
    assert len(labels) == 1797 and len(train) + len(test) == 1797
    assert not set(train) & set(test)
    assert np.bincount(list(test.values()), minlength=10).tolist() == [30] * 10
    assert np.bincount(list(train.values())).tolist() == \
        (np.bincount(labels) - 30).tolist()
    # every file sits in the folder of its true label (the file name is the sklearn row)
    assert all(labels[row] == digit for row, digit in {**train, **test}.items())
    manifest = read_manifest(export)
    assert manifest is not None and manifest["size"] == 16
    assert sum(manifest["test_counts"]) == 300 and sum(manifest["train_counts"]) == 1497


def test_images_match_the_source(export: Path) -> None:
    from PIL import Image

    images, _ = load_digits_arrays()
    row = min(_indices(export, "test"))
    with Image.open(next((export / "test").rglob(f"{row:04d}.png"))) as img:
        assert img.mode == "RGB" and img.size == (16, 16)
        pixels = np.asarray(img)
    assert (pixels[..., 0] == pixels[..., 1]).all() and (pixels[..., 1] == pixels[..., 2]).all()
    # 2x bilinear upscaling: the block means follow the 8x8 source image closely
    blocks = pixels[..., 0].astype(float).reshape(8, 2, 8, 2).mean((1, 3))
    assert np.corrcoef(blocks.ravel(), images[row].ravel())[0, 1] > 0.9


def test_live_backend_reads_the_training_pool(export: Path) -> None:
    from asebench.supernet import scan_image_folder

    folder = scan_image_folder(export)
    assert folder.classes == tuple(str(d) for d in range(10)) and len(folder) == 1497


def test_deterministic_and_train_subset(tmp_path: Path, export: Path) -> None:
    again = export_digits(tmp_path / "again", size=16, test_per_class=30, seed=0)
    assert again.sha256 == read_manifest(export)["sha256"]  # type: ignore[index]
    small = export_digits(tmp_path / "small", size=16, test_per_class=30, train_per_class=20)
    assert small.train_counts == (20,) * 10 and small.test_counts == (30,) * 10
    # the same seed gives the same test split whatever the training subset
    assert _indices(tmp_path / "small", "test") == _indices(export, "test")
    export_digits(tmp_path / "other", size=16, test_per_class=30, seed=1)
    assert _indices(tmp_path / "other", "test") != _indices(export, "test")


def test_bad_targets(tmp_path: Path, export: Path) -> None:
    with pytest.raises(AsebenchError, match="not empty"):
        export_digits(export, size=16)
    file = tmp_path / "file"
    file.write_text("x")
    with pytest.raises(AsebenchError, match="is a file"):
        export_digits(file)
    with pytest.raises(AsebenchError, match="no training image"):
        export_digits(tmp_path / "x", test_per_class=500)
    with pytest.raises(AsebenchError, match="size"):
        export_digits(tmp_path / "y", size=4)
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["file"]  # no temporary folder left


def test_force_replaces(tmp_path: Path) -> None:
    export_digits(tmp_path / "d", size=8, test_per_class=5, train_per_class=3)
    result = export_digits(tmp_path / "d", size=8, test_per_class=5, train_per_class=4,
                           force=True)
    assert len(list((tmp_path / "d" / "train").rglob("*.png"))) == 40 == result.num_train
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d"]


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(args, prog_name="asebench")
    out = capsys.readouterr()
    return int(exit_info.value.code), out.out, out.err


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["data", "digits", str(tmp_path / "d"), "--size", "8",
                         "--train-per-class", "2", "--test-per-class", "3"], capsys)
    assert code == 0 and "20 training and 30 test images" in out
    code, _, err = _run(["data", "digits", str(tmp_path / "d")], capsys)
    assert code == 2 and err.startswith("asebench: error: ") and err.count("\n") == 1
    assert "already exists" in err


def test_missing_scikit_learn_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)  # import fails as if absent
    code, _, err = _run(["data", "digits", str(tmp_path / "d")], capsys)
    assert code == 2 and "asebench[digits]" in err and err.count("\n") == 1
    assert not (tmp_path / "d").exists()


def test_supernet_trains_on_the_export_with_digit_augmentation(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], one_thread: None) -> None:
    from asebench.supernet import read_checkpoint

    data = tmp_path / "d"
    export_digits(data, size=16, test_per_class=2, train_per_class=6)
    code, _, err = _run(["supernet", "train", "--data", str(data), "--out",
                         str(tmp_path / "s.pt"), "--preset", "tiny", "--resolution", "16",
                         "--classes", "0", "--holdout", "10", "--batch-size", "16",
                         "--min-crop", "0.5", "--no-flip", "--workers", "0",
                         "--phases", "full=1", "--steps-per-epoch", "1"], capsys)
    assert code == 0, err
    train = read_checkpoint(tmp_path / "s.pt").train
    assert tuple(train["crop_scale"]) == (0.5, 1.0) and train["flip"] is False
    code, _, err = _run(["supernet", "train", "--data", str(data), "--out",
                         str(tmp_path / "t.pt"), "--min-crop", "0"], capsys)
    assert code == 2 and "--min-crop" in err and err.count("\n") == 1
