"""Shared fixtures: the real embedded table, loaded once per test session."""

from __future__ import annotations

import pytest

from asebench.tables import NB201Table, default_table


@pytest.fixture(scope="session")
def table() -> NB201Table:
    return default_table()


@pytest.fixture(scope="module")
def one_thread():
    """One torch thread for a test module: tiny convolutions only gain contention from more."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def trained_supernet(tmp_path_factory: pytest.TempPathFactory):
    """A tiny supernet trained through all four phases on a generated 4-class image folder:
    ``(checkpoint, image folder named 'toy')``. Built once, shared by the live-backend tests."""
    import torch

    from asebench.supernet import Phase, TrainConfig, make_toy_image_folder, train_supernet

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        root = tmp_path_factory.mktemp("live")
        data = make_toy_image_folder(root / "toy", num_classes=4, per_class=16, size=36, seed=1)
        config = TrainConfig(preset="tiny", num_classes=None, holdout=24, batch_size=16, lr=0.1,
                             workers=0, phases=(Phase("full", 2), Phase("kernel", 1),
                                                Phase("depth", 1, 2), Phase("expand", 1, 2)))
        train_supernet(data, root / "net.pt", config, progress=False)
    finally:
        torch.set_num_threads(threads)
    return root / "net.pt", data
