"""Candidates in the model registry: trained and measured without being activated, their
metrics and gate verdict readable without loading the model, a failed candidate refused at
activation, the version a rollback would restore, and one training at a time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from classifier import ModelRegistry
from classifier.dataset import read_labelled_csv
from classifier.errors import InputError
from classifier.training import train_candidate, train_with_gate
from tests.model_support import CHECK, POISON, small_seed


@pytest.fixture(scope="module")
def seed_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_seed(tmp_path_factory.mktemp("seed"))


@pytest.fixture()
def reg_dir(seed_csv: Path, tmp_path: Path) -> Path:
    first = train_with_gate(seed_csv, [], tmp_path / "reg", holdout=CHECK)
    assert first.activated and first.passed
    return tmp_path / "reg"


def test_candidate_is_stored_with_metrics_and_not_activated(seed_csv: Path, reg_dir: Path) -> None:
    reg = ModelRegistry(reg_dir)
    active = reg.active_version()
    res = train_candidate(seed_csv, [("aydinlatma", "meydandaki projektör yanmıyor")], reg_dir, holdout=CHECK,
                          extra_metadata={"corrections_through": 7})  # fmt: skip
    assert res.passed and not res.activated
    assert reg.active_version() == active and res.new_version in reg.versions()
    info = reg.info(res.new_version)
    assert info["metrics"]["macro_f1"] == res.new_metrics["macro_f1"]
    assert set(info["metrics"]["per_class"]) >= {"aydinlatma", "temizlik"}
    assert info["metrics"]["coverage_precision"][0]["coverage"] == 0.5
    gate = info["gate"]
    assert gate["passed"] is True and gate["compared_with"] == active
    assert gate["active_metrics"]["macro_f1"] == res.old_metrics["macro_f1"]
    assert info["corrections_through"] == 7
    # The sidecar is plain JSON beside the model: a page reads it without unpickling 3 MB.
    assert (
        json.loads((reg_dir / "meta" / f"{res.new_version}.json").read_text())["version"] == res.new_version
    )


def test_failed_candidate_is_refused_at_activation(seed_csv: Path, reg_dir: Path) -> None:
    reg = ModelRegistry(reg_dir)
    res = train_candidate(seed_csv, POISON, reg_dir, holdout=CHECK)
    assert not res.passed, res.reason
    assert reg.info(res.new_version)["gate"]["passed"] is False
    with pytest.raises(InputError, match="failed the evaluation gate"):
        reg.activate(res.new_version)
    reg.activate(res.new_version, force=True)  # an operator may still insist, on purpose
    assert reg.active_version() == res.new_version


def test_previous_version_is_what_rollback_restores(seed_csv: Path, reg_dir: Path) -> None:
    reg = ModelRegistry(reg_dir)
    first = reg.active_version()
    assert reg.previous_version() is None
    second = train_with_gate(seed_csv, [], reg_dir, holdout=CHECK, tolerance=1.0).new_version
    assert reg.active_version() == second and reg.history() == [first, second]
    assert reg.previous_version() == first
    assert reg.rollback() == first
    assert reg.previous_version() is None


def test_info_of_a_model_stored_without_sidecar_is_read_from_the_file(reg_dir: Path) -> None:
    reg = ModelRegistry(reg_dir)
    version = reg.active_version()
    (reg_dir / "meta" / f"{version}.json").unlink()
    assert reg.info(version)["version"] == version
    assert (reg_dir / "meta" / f"{version}.json").is_file()  # written back for the next reader
    with pytest.raises(InputError):
        reg.info("nope")


def test_one_training_at_a_time(tmp_path: Path) -> None:
    reg = ModelRegistry(tmp_path / "reg")
    assert not reg.training_running()
    first = reg.training_lock()
    assert first.acquire()
    assert reg.training_running()
    second = reg.training_lock()
    assert not second.acquire()  # held, even from the same process
    first.release()
    assert not reg.training_running()
    with reg.training_lock() as held:
        assert held and reg.training_running()
    assert not reg.training_running()


def test_retraining_on_the_same_data_passes_the_gate(seed_csv: Path, tmp_path: Path) -> None:
    """The check slice is the same examples every time and no model trains on it, so the active
    model is not judged on examples it learned (it used to score 1.0 there and beat everyone)."""
    first = train_with_gate(seed_csv, [], tmp_path / "reg")
    again = train_candidate(seed_csv, [], tmp_path / "reg")
    assert again.passed, again.reason
    assert again.new_metrics["macro_f1"] == again.old_metrics["macro_f1"] == first.new_metrics["macro_f1"]


def test_corrections_are_always_learned_and_never_held_out(seed_csv: Path, tmp_path: Path) -> None:
    from classifier.training import check_slice

    fixes = [("aydinlatma", f"meydandaki projektör {n} yanmıyor") for n in range(40)]
    assert check_slice(fixes, 0.2)[1], "some of these texts fall in the check slice as plain examples"
    res = train_candidate(seed_csv, [], tmp_path / "reg", always_train=fixes)
    assert res.details["n_extra"] == 40
    assert res.details["n_train"] + res.details["n_check"] == len(read_labelled_csv(seed_csv)) + 40
    assert res.details["n_check"] == len(check_slice(read_labelled_csv(seed_csv), 0.2)[1])
    held_out_fix = check_slice(fixes, 0.2)[1][0][1]
    predicted, _ = ModelRegistry(tmp_path / "reg").load(res.new_version).topic.predict([held_out_fix])
    assert predicted == ["aydinlatma"]


def test_check_slice_is_stable_as_data_grows() -> None:
    from classifier.training import check_slice

    rows = [("a" if n % 2 else "b", f"metin {n}") for n in range(400)]
    _, small = check_slice(rows[:200], 0.2)
    _, big = check_slice(rows, 0.2)
    assert set(small) <= set(big) and 40 <= len(big) <= 120
