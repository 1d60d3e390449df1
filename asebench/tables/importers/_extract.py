"""Read one architecture's numbers through the official API objects.

Each architecture's raw state (``{hp: ArchResults state dict}``) is turned into the official
``ArchResults`` / ``ResultsCount`` objects of ``nats_bench`` or ``nas_201_api`` and read with
their own accessors, exactly as ``simulate_train_eval`` / ``get_more_info`` do:

* reward of one query on dataset ``d`` with ``hp``: ``x-valid`` accuracy after the last epoch of
  the drawn seed (``cifar10`` queries read the ``cifar10-valid`` runs);
* cost: ``train-all-time`` (sum of the per-epoch train times) + ``valid-per-time`` (the
  ``x-valid`` evaluation time summed over epochs, divided by the number of epochs).

Nothing of the source is kept after an architecture is read, so memory stays flat.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

from asebench.errors import DataError
from asebench.tables._format import DATASETS

__all__ = ["FLAVORS", "HPS", "ArchReader", "Record"]

HPS: tuple[str, ...] = ("12", "200")
FLAVORS = ("nats", "nb201")
_NB201_HP = {"less": "12", "full": "200"}
_SEARCH = {"cifar10": "cifar10-valid", "cifar100": "cifar100", "ImageNet16-120": "ImageNet16-120"}

Value = float | int | None
Record = dict[str, Value | list[Value]]
"""``{"<dataset>/<column>": value or per-seed list}`` for one architecture."""


def _mean_if_differs(values: Sequence[Value]) -> Value:
    """The common value when all seeds agree (exact), else their mean (None if none)."""
    present = [v for v in values if v is not None]
    if not present:
        return None
    if all(v == present[0] for v in present):
        return present[0]
    return sum(present) / len(present)


def _plus(a: Value, b: Value) -> Value:
    return None if a is None or b is None else a + b


class ArchReader:
    """Wraps one official API object into which architectures are injected one at a time.

    Args:
        flavor: ``nats`` (``nats_bench``) or ``nb201`` (``nas_201_api``).
        meta_archs: the benchmark's arch strings in index order.
    """

    def __init__(self, flavor: str, meta_archs: Sequence[str]) -> None:
        empty = {"meta_archs": list(meta_archs), "arch2infos": {}, "evaluated_indexes": []}
        if flavor == "nats":
            from nats_bench.api_topology import NATStopology
            from nats_bench.api_utils import ArchResults

            self.api: Any = NATStopology(empty, fast_mode=False, verbose=False)
        elif flavor == "nb201":
            from nas_201_api import ArchResults, NASBench201API

            self.api = NASBench201API(empty, verbose=False)
        else:
            raise ValueError(f"unknown flavor {flavor!r}")
        self.flavor = flavor
        self._arch_results = ArchResults

    def load(self, index: int, state: Mapping[str, Any]) -> OrderedDict[str, Any]:
        """Turn one arch's raw ``{hp: state dict}`` into official ``ArchResults`` and register
        them in the API object (as its own ``reload`` does)."""
        if not isinstance(state, Mapping):
            raise DataError(
                f"arch {index}: expected a dict of schedules, got {type(state).__name__}")
        hp2results: OrderedDict[str, Any] = OrderedDict()
        for key, sub in state.items():
            hp = _NB201_HP.get(key, key) if self.flavor == "nb201" else str(key)
            hp2results[hp] = self._arch_results.create_from_state_dict(sub)
        if not any(hp in hp2results for hp in HPS):
            raise DataError(
                f"arch {index}: no 12- or 200-epoch results (schedules {list(state)})")
        self.api.arch2infos_dict[index] = hp2results
        if self.flavor == "nats":
            self.api.evaluated_indexes.add(index)
        return hp2results

    def drop(self, index: int) -> None:
        self.api.arch2infos_dict.pop(index, None)
        if self.flavor == "nats":
            self.api.evaluated_indexes.discard(index)

    def read(self, index: int, state: Mapping[str, Any]) -> tuple[str, Record]:
        """``(arch string, record)`` of one architecture; the API object is left empty."""
        try:
            hp2results = self.load(index, state)
            arch_str = next(iter(hp2results.values())).arch_str
            record: Record = {}
            for dataset in DATASETS:
                for hp in HPS:
                    if hp in hp2results:
                        _read_schedule(hp2results[hp], dataset, hp, record)
                _read_costs(hp2results, dataset, record)
            return str(arch_str), record
        except DataError:
            raise
        except (KeyError, ValueError, TypeError, AttributeError, AssertionError,
                IndexError, ZeroDivisionError) as exc:
            raise DataError(f"arch {index}: unexpected content ({type(exc).__name__}: {exc})"
                            ) from None
        finally:
            self.drop(index)


def _runs(results: Any, dataset: str) -> list[tuple[int, Any]]:
    if dataset not in results.get_dataset_names():
        return []
    return [(seed, results.query(dataset, seed)) for seed in results.get_dataset_seeds(dataset)]


def _eval(run: Any, setname: str) -> tuple[Value, Value]:
    """(accuracy, per-epoch eval time) of ``setname`` after the last epoch, as get_more_info."""
    if setname not in run.get_eval_set():
        return None, None
    info = run.get_eval(setname)
    total = info["iepoch"] + 1
    per_time = info["all_time"] / total if info["all_time"] is not None else None
    return info["accuracy"], per_time


def _mean_metric(results: Any, dataset: str, setname: str) -> Value:
    """The official seed average (``get_metrics(..., is_random=False)``)."""
    runs = _runs(results, dataset)
    if not runs or any(setname not in run.get_eval_set() for _, run in runs):
        return None
    return float(results.get_metrics(dataset, setname, is_random=False)["accuracy"])


def _read_schedule(results: Any, dataset: str, hp: str, record: Record) -> None:
    search = _SEARCH[dataset]
    runs = _runs(results, search)
    prefix = f"{dataset}/"
    if runs:
        seeds: list[Value] = []
        valid: list[Value] = []
        train_time: list[Value] = []
        valid_time: list[Value] = []
        test: list[Value] = []
        valtest: list[Value] = []
        for seed, run in runs:
            train = run.get_train()
            seeds.append(seed)
            train_time.append(train["all_time"])
            accuracy, per_time = _eval(run, "x-valid")
            valid.append(accuracy)
            valid_time.append(per_time)
            if dataset != "cifar10":
                test.append(_eval(run, "x-test")[0])
                valtest.append(_eval(run, "ori-test")[0])
        record[prefix + f"seeds_{hp}"] = seeds
        record[prefix + f"n_seeds_{hp}"] = len(seeds)
        record[prefix + f"valid_acc_{hp}"] = valid
        record[prefix + f"valid_acc_{hp}_mean"] = _mean_metric(results, search, "x-valid")
        record[prefix + f"train_time_{hp}ep_s"] = train_time
        record[prefix + f"valid_time_{hp}ep_s"] = valid_time
        if dataset != "cifar10":
            record[prefix + f"test_acc_{hp}"] = test
            record[prefix + f"test_acc_{hp}_mean"] = _mean_metric(results, search, "x-test")
            record[prefix + f"valtest_acc_{hp}"] = valtest
        if hp == "12":
            per_seed = [_plus(t, v) for t, v in zip(train_time, valid_time)]
            record[prefix + "cost_12ep_seed_s"] = per_seed
            record[prefix + "cost_12ep_s"] = _mean_if_differs(per_seed)
        if hp == "200":
            epochs = [run.get_train()["iepoch"] + 1 for _, run in runs]
            per_epoch = [None if t is None else t / e for t, e in zip(train_time, epochs)]
            record[prefix + "train_time_per_epoch_s"] = _mean_if_differs(per_epoch)
    if dataset == "cifar10":
        # the report split: trained on train+valid, tested on the CIFAR-10 test set
        full = _runs(results, "cifar10")
        if full:
            record[prefix + f"test_seeds_{hp}"] = [float(seed) for seed, _ in full]
            record[prefix + f"test_acc_{hp}"] = [_eval(run, "ori-test")[0] for _, run in full]
            record[prefix + f"test_acc_{hp}_mean"] = _mean_metric(results, "cifar10", "ori-test")


def _read_costs(hp2results: Mapping[str, Any], dataset: str, record: Record) -> None:
    """params / FLOPs / latency of the dataset's own network (official get_compute_costs)."""
    for hp in ("200", "12"):
        results = hp2results.get(hp)
        if results is None:
            continue
        for name in (dataset, _SEARCH[dataset]):
            if name in results.get_dataset_names():
                costs = results.get_compute_costs(name)
                record[f"{dataset}/params_m"] = _float(costs.get("params"))
                record[f"{dataset}/flops_m"] = _float(costs.get("flops"))
                record[f"{dataset}/latency_nats_s"] = _float(costs.get("latency"))
                return


def _float(value: Any) -> Value:
    return None if value is None else float(value)
