"""The MNIST-family IDX reader and ``asebench data fashion-mnist|mnist|kmnist``: real checks
on small IDX files written here, and on Debian's Fashion-MNIST where it is installed."""

from __future__ import annotations

import gzip
import hashlib
import json
import struct
from pathlib import Path

import numpy as np
import pytest

from asebench.cli import cli
from asebench.datasets import (
    DATASETS,
    FILES,
    IMAGES_MAGIC,
    LABELS_MAGIC,
    IdxDataset,
    export_idx,
    load_idx_dataset,
    parse_idx,
    read_idx,
    read_idx_manifest,
)
from asebench.errors import AsebenchError

FASHION = Path("/usr/share/datasets/fashion-mnist")
needs_fashion = pytest.mark.skipif(
    not (FASHION / "train-images-idx3-ubyte.gz").is_file(),
    reason=f"Debian's dataset-fashion-mnist is not installed ({FASHION} is absent)")

TINY = IdxDataset("tiny", "Tiny", tuple(str(c) for c in range(10)), "written by the test",
                  counts={"train": 30, "test": 20})


def idx_bytes(magic: int, array: np.ndarray) -> bytes:
    header = struct.pack(">I", magic) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def write_idx(path: Path, magic: int, array: np.ndarray, gz: bool = False) -> Path:
    data = idx_bytes(magic, array)
    if gz:
        path = path.with_name(path.name + ".gz")
        data = gzip.compress(data, compresslevel=1, mtime=0)
    path.write_bytes(data)
    return path


def arrays(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 256, (n, 28, 28), dtype=np.uint8),
            (np.arange(n) % 10).astype(np.uint8))


def write_dataset(folder: Path, train: int = 30, test: int = 20, gz: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for split, n, seed in (("train", train, 1), ("test", test, 2)):
        images, labels = arrays(n, seed)
        write_idx(folder / FILES[f"{split}-images"][0], IMAGES_MAGIC, images, gz)
        write_idx(folder / FILES[f"{split}-labels"][0], LABELS_MAGIC, labels, gz)
    return folder


# -- the file format ----------------------------------------------------------------------

@pytest.mark.parametrize("gz", [False, True])
def test_reads_plain_and_gzipped_files(tmp_path: Path, gz: bool) -> None:
    images, labels = arrays(7, 0)
    got = read_idx(write_idx(tmp_path / "i", IMAGES_MAGIC, images, gz), IMAGES_MAGIC)
    assert got.gzipped is gz and got.data.shape == (7, 28, 28)
    assert np.array_equal(got.data, images)
    assert got.sha256 == hashlib.sha256(idx_bytes(IMAGES_MAGIC, images)).hexdigest()
    lab = read_idx(write_idx(tmp_path / "l", LABELS_MAGIC, labels, gz), LABELS_MAGIC)
    assert lab.data.tolist() == labels.tolist()


def test_truncated_and_overlong_files(tmp_path: Path) -> None:
    data = idx_bytes(IMAGES_MAGIC, arrays(3, 0)[0])
    with pytest.raises(AsebenchError, match=r"is truncated: 2300 bytes, its header \(3 x 28 x "
                                            r"28\) says 2368"):
        parse_idx(data[:2300], IMAGES_MAGIC)
    with pytest.raises(AsebenchError, match="truncated: 10 bytes, shorter than its 16-byte"):
        parse_idx(data[:10], IMAGES_MAGIC)
    with pytest.raises(AsebenchError, match="longer than its header says"):
        parse_idx(data + b"\0", IMAGES_MAGIC)
    cut = tmp_path / "cut.gz"
    cut.write_bytes(gzip.compress(data)[:-40])
    with pytest.raises(AsebenchError, match="truncated or corrupt gzip file"):
        read_idx(cut, IMAGES_MAGIC)


def test_wrong_magic_says_what_the_file_is(tmp_path: Path) -> None:
    images, labels = arrays(3, 0)
    with pytest.raises(AsebenchError, match="magic number 0x00000801, expected 0x00000803 "
                                            r"\(IDX images\): it is an IDX labels file"):
        parse_idx(idx_bytes(LABELS_MAGIC, labels), IMAGES_MAGIC)
    with pytest.raises(AsebenchError, match="it is an IDX file of another type or shape"):
        parse_idx(idx_bytes(0x00000802, images[:, 0]), IMAGES_MAGIC)
    with pytest.raises(AsebenchError, match="it is not an IDX file"):
        parse_idx(b"\x89PNG\r\n\x1a\n" + bytes(100), LABELS_MAGIC)
    with pytest.raises(AsebenchError, match="only 2 bytes"):
        parse_idx(b"\0\0", LABELS_MAGIC)
    with pytest.raises(AsebenchError, match="does not exist"):
        read_idx(tmp_path / "none", LABELS_MAGIC)


# -- a dataset of four files --------------------------------------------------------------

@pytest.mark.parametrize("gz", [False, True])
def test_loads_a_dataset(tmp_path: Path, gz: bool) -> None:
    folder = write_dataset(tmp_path / "d", gz=gz)
    data = load_idx_dataset(TINY, folder)
    assert len(data.train) == 30 and len(data.test) == 20 and not data.verified
    assert np.array_equal(data.train.images, arrays(30, 1)[0])
    assert data.test.labels.dtype == np.int64 and data.test.labels.tolist()[:11] == \
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0]
    assert all(p.endswith(".gz") is gz for p in data.files.values())


def test_wrong_counts_shapes_and_labels(tmp_path: Path) -> None:
    folder = write_dataset(tmp_path / "d")
    name = FILES["train-images"][0]
    write_idx(folder / name, IMAGES_MAGIC, arrays(29, 1)[0])
    with pytest.raises(AsebenchError, match="holds 29 images, expected 30 \\(the Tiny training "):
        load_idx_dataset(TINY, folder)
    write_idx(folder / name, IMAGES_MAGIC, np.zeros((30, 27, 27), np.uint8))
    with pytest.raises(AsebenchError, match="holds images of 27 x 27 pixels, expected 28 x 28"):
        load_idx_dataset(TINY, folder)
    write_idx(folder / name, IMAGES_MAGIC, arrays(30, 1)[0])
    labels = (np.arange(20) % 10).astype(np.uint8)
    labels[13] = 12
    write_idx(folder / FILES["test-labels"][0], LABELS_MAGIC, labels)
    with pytest.raises(AsebenchError, match="has label 12 at row 13, outside 0-9"):
        load_idx_dataset(TINY, folder)
    # the test labels as training labels: the count gives it away
    write_idx(folder / FILES["train-labels"][0], LABELS_MAGIC, labels[:20])
    with pytest.raises(AsebenchError, match="holds 20 labels, expected 30"):
        load_idx_dataset(TINY, folder)


def test_missing_files_are_all_named(tmp_path: Path) -> None:
    folder = write_dataset(tmp_path / "d")
    (folder / FILES["test-images"][0]).unlink()
    (folder / FILES["train-labels"][0]).unlink()
    with pytest.raises(AsebenchError, match=r"lacks train-labels-idx1-ubyte\[.gz\], "
                                            r"t10k-images-idx3-ubyte\[.gz\] \(it needs the four"):
        load_idx_dataset(TINY, folder)
    with pytest.raises(AsebenchError, match="does not exist.*apt-get install "
                                            "dataset-fashion-mnist"):
        load_idx_dataset("fashion-mnist", tmp_path / "none")
    with pytest.raises(AsebenchError, match="MNIST has no default folder: give --data"):
        load_idx_dataset("mnist")
    with pytest.raises(AsebenchError, match="unknown IDX dataset 'cifar'"):
        load_idx_dataset("cifar", folder)


def test_recorded_checksums_are_checked(tmp_path: Path) -> None:
    folder = write_dataset(tmp_path / "d")
    good = load_idx_dataset(TINY, folder).sha256
    sealed = IdxDataset("tiny", "Tiny", TINY.classes, "", counts=TINY.counts, sha256=good)
    assert sealed.verified and load_idx_dataset(sealed, folder).verified
    images = arrays(30, 1)[0]
    images[0, 0, 0] ^= 1  # one pixel: same structure, other contents
    write_idx(folder / FILES["train-images"][0], IMAGES_MAGIC, images)
    with pytest.raises(AsebenchError, match="is not the Tiny file train-images-idx3-ubyte: its "
                                            "decompressed sha256 is"):
        load_idx_dataset(sealed, folder)


def test_only_fashion_mnist_has_recorded_checksums() -> None:
    assert DATASETS["fashion-mnist"].verified
    assert not DATASETS["mnist"].verified and not DATASETS["kmnist"].verified
    assert all(len(s) == 64 for s in DATASETS["fashion-mnist"].sha256.values())


# -- the export -----------------------------------------------------------------------------

def test_export_layout_padding_and_determinism(tmp_path: Path) -> None:
    from PIL import Image

    from asebench.supernet import scan_image_folder

    folder = write_dataset(tmp_path / "d", gz=True)
    result = export_idx(TINY, tmp_path / "out", folder, train_per_class=2)
    assert result.train_counts == (2,) * 10 and result.test_counts == (2,) * 10
    manifest = read_idx_manifest(tmp_path / "out", "tiny")
    assert manifest is not None and manifest["verified"] is False and manifest["pad"] == 2
    assert manifest["sha256"] == result.sha256 and manifest["train_counts"] == [2] * 10
    images, labels = arrays(30, 1)
    files = sorted((tmp_path / "out" / "train").rglob("*.png"))
    assert len(files) == 20
    for path in files:  # the file's row and folder are its row and label in the IDX file
        row = int(path.stem)
        assert int(path.parent.name) == labels[row]
        with Image.open(path) as img:
            assert img.size == (32, 32)
            pixels = np.asarray(img.convert("L"))
        assert np.array_equal(pixels[2:30, 2:30], images[row]) and pixels[:2].max() == 0
    # every test image kept when not subset; the official split is kept as it is
    full = export_idx(TINY, tmp_path / "full", folder)
    assert full.num_test == 20 and full.num_train == 30
    assert scan_image_folder(tmp_path / "full").classes == tuple(str(c) for c in range(10))
    again = export_idx(TINY, tmp_path / "again", folder, train_per_class=2)
    assert again.sha256 == result.sha256
    other = export_idx(TINY, tmp_path / "other", folder, train_per_class=2, seed=1)
    assert other.sha256 != result.sha256


def test_export_resizes(tmp_path: Path) -> None:
    from PIL import Image

    folder = write_dataset(tmp_path / "d")
    export_idx(TINY, tmp_path / "out", folder, size=16, pad=0, test_per_class=1)
    with Image.open(next((tmp_path / "out" / "test").rglob("*.png"))) as img:
        assert img.size == (16, 16)


def test_export_failures_leave_nothing(tmp_path: Path) -> None:
    folder = write_dataset(tmp_path / "d")
    with pytest.raises(AsebenchError, match="asked for 4 images of class 0 but the split has "
                                            "only 3"):
        export_idx(TINY, tmp_path / "out", folder, train_per_class=4)
    (folder / FILES["test-labels"][0]).write_bytes(b"\0\0\x08\x01\0\0\0\x14" + bytes(5))
    with pytest.raises(AsebenchError, match="truncated"):
        export_idx(TINY, tmp_path / "out", folder)
    with pytest.raises(AsebenchError, match="image size must be 8..512"):
        export_idx(TINY, tmp_path / "out", folder, size=4)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d"]


# -- the command line -----------------------------------------------------------------------

def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(args, prog_name="asebench")
    out = capsys.readouterr()
    return int(exit_info.value.code), out.out, out.err


def _one_line_error(code: int, err: str) -> None:
    assert code == 2 and err.startswith("asebench: error: ") and err.count("\n") == 1, err


@pytest.mark.parametrize("damage", ["truncated", "foreign", "missing", "no-folder"])
def test_cli_bad_input_exits_2_and_writes_nothing(tmp_path: Path, damage: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    folder = write_dataset(tmp_path / "d", gz=True)
    target = folder / (FILES["train-images"][0] + ".gz")
    if damage == "truncated":
        target.write_bytes(target.read_bytes()[:500])
    elif damage == "foreign":
        target.write_bytes(gzip.compress(b"%PDF-1.4 not an IDX file" * 10))
    elif damage == "missing":
        target.unlink()
    source = tmp_path / "elsewhere" if damage == "no-folder" else folder
    code, out, err = _run(["data", "fashion-mnist", str(tmp_path / "out"), "--data",
                           str(source)], capsys)
    _one_line_error(code, err)
    expected = {"truncated": "truncated or corrupt gzip", "foreign": "it is not an IDX file",
                "missing": "lacks train-images-idx3-ubyte[.gz]",
                "no-folder": "does not exist"}[damage]
    assert expected in err and out == ""
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_cli_small_files_are_not_fashion_mnist(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    folder = write_dataset(tmp_path / "d")
    code, _, err = _run(["data", "fashion-mnist", str(tmp_path / "out"), "--data",
                         str(folder)], capsys)
    _one_line_error(code, err)
    assert "holds 30 images, expected 60,000 (the Fashion-MNIST training split)" in err
    assert not (tmp_path / "out").exists()


def test_cli_mnist_is_exported_unverified(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    # full-sized MNIST-shaped files (blank images): structure checked, no checksums to match
    folder = tmp_path / "mnist"
    folder.mkdir()
    for split, n in (("train", 60_000), ("test", 10_000)):
        write_idx(folder / FILES[f"{split}-images"][0], IMAGES_MAGIC,
                  np.zeros((n, 28, 28), np.uint8), gz=True)
        write_idx(folder / FILES[f"{split}-labels"][0], LABELS_MAGIC,
                  (np.arange(n) % 10).astype(np.uint8), gz=True)
    code, out, err = _run(["data", "mnist", str(tmp_path / "out"), "--data", str(folder),
                           "--train-per-class", "1", "--test-per-class", "1"], capsys)
    assert code == 0, err
    assert "10 training and 10 test images" in out and "unverified" in out
    assert "--no-flip" in out  # a mirrored digit is not a digit
    manifest = json.loads((tmp_path / "out" / "mnist.json").read_text())
    assert manifest["verified"] is False and manifest["classes"][3] == "3"


# -- Debian's Fashion-MNIST -----------------------------------------------------------------

@needs_fashion
def test_debian_fashion_mnist_is_verified() -> None:
    data = load_idx_dataset("fashion-mnist")
    assert data.verified and data.folder == str(FASHION)
    assert np.bincount(data.train.labels).tolist() == [6000] * 10
    assert np.bincount(data.test.labels).tolist() == [1000] * 10
    assert dict(data.sha256) == dict(DATASETS["fashion-mnist"].sha256)


@needs_fashion
def test_a_changed_fashion_mnist_file_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "fm"
    folder.mkdir()
    for key, (name, _) in FILES.items():
        if key != "test-labels":
            (folder / f"{name}.gz").symlink_to(FASHION / f"{name}.gz")
    labels = bytearray(gzip.decompress((FASHION / "t10k-labels-idx1-ubyte.gz").read_bytes()))
    labels[8] = (labels[8] + 1) % 10  # one label changed: still a valid IDX labels file
    (folder / "t10k-labels-idx1-ubyte").write_bytes(bytes(labels))
    with pytest.raises(AsebenchError, match="is not the Fashion-MNIST file "
                                            "t10k-labels-idx1-ubyte"):
        load_idx_dataset("fashion-mnist", folder)


@needs_fashion
def test_cli_exports_fashion_mnist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(["data", "fashion-mnist", str(tmp_path / "fm"),
                           "--train-per-class", "3", "--test-per-class", "2"], capsys)
    assert code == 0, err
    assert "30 training and 20 test images (32 px, Fashion-MNIST)" in out
    assert "unverified" not in out and "--no-flip" not in out
    manifest = json.loads((tmp_path / "fm" / "fashion-mnist.json").read_text())
    assert manifest["verified"] is True and manifest["classes"][9] == "Ankle boot"
    assert manifest["files_sha256"] == dict(DATASETS["fashion-mnist"].sha256)
