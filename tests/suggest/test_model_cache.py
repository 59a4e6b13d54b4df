"""Fitted intent models kept on disk: a second process loads the same model instead of fitting it, and a
damaged or foreign file is fitted again, never trusted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from copilot.suggest import model_cache
from copilot.suggest.model import IntentModel, Sample, fitted, forget_fitted

SAMPLES = [
    Sample("多久能收到", "delivery_time", ("多久", "能", "收到")),
    Sample("几天能到", "delivery_time", ("几天", "能", "到")),
    Sample("能开发票吗", "invoice", ("能", "开发票", "吗")),
    Sample("发票怎么开", "invoice", ("发票", "怎么", "开")),
    Sample("什么时候发货", "ship_time", ("什么", "时候", "发货")),
    Sample("今天能发吗", "ship_time", ("今天", "能", "发", "吗")),
]


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    model_cache.use_folder(tmp_path)
    forget_fitted()  # the in-process fits would hide the disk
    yield tmp_path
    model_cache.use_folder(None)
    forget_fitted()


def probabilities(model: IntentModel) -> dict[str, float]:
    return model.probabilities("多久能收到", ["多久", "能", "收到"])


def test_a_second_process_loads_the_model_the_first_fitted(folder: Path) -> None:
    first = fitted(SAMPLES)
    [stored] = folder.glob("intent-model-*.npz")
    forget_fitted()  # as a new process would start
    second = fitted(SAMPLES)
    assert second is not first
    assert probabilities(second) == probabilities(first)
    assert max(probabilities(second), key=probabilities(second).get) == "delivery_time"
    assert list(folder.glob("intent-model-*.npz")) == [stored]


def test_other_samples_are_another_model(folder: Path) -> None:
    fitted(SAMPLES)
    fitted([*SAMPLES, Sample("能开专票吗", "invoice", ("能", "开", "专票", "吗"))])
    assert len(list(folder.glob("intent-model-*.npz"))) == 2


def test_a_damaged_file_is_fitted_again_and_replaced(folder: Path) -> None:
    expected = probabilities(fitted(SAMPLES))
    [stored] = folder.glob("intent-model-*.npz")
    stored.write_bytes(b"not a model")
    forget_fitted()
    assert probabilities(fitted(SAMPLES)) == expected
    assert model_cache.load(stored.name.removeprefix("intent-model-").removesuffix(".npz")) is not None


def test_arrays_that_do_not_make_a_model_are_refused(folder: Path) -> None:
    arrays = fitted(SAMPLES).arrays()
    assert IntentModel.from_arrays({**arrays, "coef": arrays["coef"][:-1]}) is None
    assert IntentModel.from_arrays({k: v for k, v in arrays.items() if k != "intercept"}) is None
