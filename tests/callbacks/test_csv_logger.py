"""CSVLogger: the file it writes, read back with the csv module."""

from __future__ import annotations

import csv
import warnings

import numpy as np
import pytest

import refimpl as keras
from refimpl.callbacks import CSVLogger, LambdaCallback


def make_model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss="mse", metrics=["mae"])
    return model


def data(n: int = 16, seed: int = 0):
    x = np.random.default_rng(seed).normal(size=(n, 3)).astype("float32")
    return x, x.sum(axis=1, keepdims=True)


def fit(model, callbacks, epochs: int = 2, validation: bool = False, **kwargs):
    x, y = data()
    if validation:
        kwargs["validation_data"] = data(8, seed=1)
    return model.fit(x, y, batch_size=8, epochs=epochs, verbose=0, shuffle=False, callbacks=callbacks, **kwargs)


def read_rows(path, delimiter: str = ",") -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f, delimiter=delimiter))


def test_header_rows_and_full_precision_numbers(tmp_path):
    path = tmp_path / "log.csv"
    history = fit(make_model(), [CSVLogger(path)], epochs=3, validation=True)
    rows = read_rows(path)
    assert rows[0] == ["epoch", "loss", "mae", "val_loss", "val_mae"]
    assert [row[0] for row in rows[1:]] == ["0", "1", "2"]
    for column, key in enumerate(rows[0][1:], start=1):
        # Written with repr: reading a cell back gives exactly the logged float.
        assert [float(row[column]) for row in rows[1:]] == history.history[key]
    assert path.read_bytes().count(b"\r\n") == 4  # CSV line ends, as Keras writes them


def test_without_validation_val_columns_are_na(tmp_path):
    path = tmp_path / "log.csv"
    fit(make_model(), [CSVLogger(path)], epochs=2)
    rows = read_rows(path)
    assert rows[0] == ["epoch", "loss", "mae", "val_loss", "val_mae"]
    assert [row[3:] for row in rows[1:]] == [["NA", "NA"], ["NA", "NA"]]


def test_validation_every_other_epoch_keeps_one_header(tmp_path):
    path = tmp_path / "log.csv"
    history = fit(make_model(), [CSVLogger(path)], epochs=3, validation=True, validation_freq=2)
    rows = read_rows(path)
    assert rows[0] == ["epoch", "loss", "mae", "val_loss", "val_mae"]
    assert rows[1][3:] == ["NA", "NA"] and rows[3][3:] == ["NA", "NA"]
    assert float(rows[2][3]) == history.history["val_loss"][0]


def test_append_adds_rows_under_the_existing_header(tmp_path):
    path = tmp_path / "log.csv"
    model = make_model()
    fit(model, [CSVLogger(path)], epochs=2)
    fit(model, [CSVLogger(path, append=True)], epochs=4, initial_epoch=2)
    rows = read_rows(path)
    assert [row[0] for row in rows] == ["epoch", "0", "1", "2", "3"]


@pytest.mark.parametrize("separator", ["\t", ";"])
def test_append_reads_the_existing_header_with_its_separator(tmp_path, separator):
    path = tmp_path / "log.tsv"
    model = make_model()
    fit(model, [CSVLogger(path, separator=separator)], epochs=1, validation=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "has no column for ..." warning: the header was read right
        history = fit(model, [CSVLogger(path, separator=separator, append=True)], epochs=2, initial_epoch=1,
                      validation=True)
    rows = read_rows(path, separator)
    assert rows[0] == ["epoch", "loss", "mae", "val_loss", "val_mae"] and len(rows) == 3
    assert float(rows[2][1]) == history.history["loss"][0] and "NA" not in rows[2]


def test_append_to_a_missing_file_writes_the_header(tmp_path):
    path = tmp_path / "new.csv"
    fit(make_model(), [CSVLogger(path, append=True)], epochs=1)
    assert read_rows(path)[0] == ["epoch", "loss", "mae", "val_loss", "val_mae"]


def test_without_append_an_existing_file_is_replaced(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("old,content\n1,2\n")
    fit(make_model(), [CSVLogger(path)], epochs=1)
    rows = read_rows(path)
    assert rows[0][0] == "epoch" and len(rows) == 2


def test_append_follows_the_existing_columns_and_warns_about_the_others(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("epoch,loss,accuracy\r\n0,1.0,0.5\r\n", encoding="utf-8")
    with pytest.warns(UserWarning, match="no column for mae") as caught:
        history = fit(make_model(), [CSVLogger(path, append=True)], epochs=2)
    assert sum("no column" in str(w.message) for w in caught) == 1
    rows = read_rows(path)
    assert rows[0] == ["epoch", "loss", "accuracy"]
    assert rows[2:] == [["0", repr(history.history["loss"][0]), "NA"],
                        ["1", repr(history.history["loss"][1]), "NA"]]


@pytest.mark.parametrize("separator", ["\t", ";", "|"])
def test_custom_separator(tmp_path, separator):
    path = tmp_path / "log.tsv"
    history = fit(make_model(), [CSVLogger(path, separator=separator)], epochs=2)
    rows = read_rows(path, delimiter=separator)
    assert rows[0] == ["epoch", "loss", "mae", "val_loss", "val_mae"]
    assert float(rows[2][1]) == history.history["loss"][1]


def test_awkward_values_and_keys_survive_a_round_trip(tmp_path):
    path = tmp_path / "log.csv"
    extra = {"note": 'a,"b"\nc', "größe": 1.5, "损失": 2, "weights": np.array([1.5, 2.0]), "pair": [1, 2],
             "grid": np.arange(4.0).reshape(2, 2), "scalar": np.array(3.25), "f32": np.float32(0.1)}
    add = LambdaCallback(on_epoch_end=lambda epoch, logs: logs.update(extra))
    fit(make_model(), [add, CSVLogger(path)], epochs=1)
    header, row = read_rows(path)[:2]
    cells = dict(zip(header, row))
    assert cells["note"] == 'a,"b"\nc'
    assert cells["größe"] == "1.5" and cells["损失"] == "2"
    assert cells["weights"] == "[1.5, 2.0]"
    assert cells["pair"] == "[1, 2]"
    assert cells["grid"] == "[[0.0, 1.0], [2.0, 3.0]]"
    assert cells["scalar"] == "3.25" and cells["f32"] == "0.1"
    assert cells["val_note"] == "NA"


def test_each_row_is_on_disk_when_the_epoch_ends(tmp_path):
    path = tmp_path / "log.csv"
    rows_seen = []
    peek = LambdaCallback(on_epoch_end=lambda epoch, logs: rows_seen.append(len(read_rows(path))))
    fit(make_model(), [CSVLogger(path), peek], epochs=3)
    assert rows_seen == [2, 3, 4]


def test_keys_that_appear_later_are_reported(tmp_path):
    path = tmp_path / "log.csv"
    late = LambdaCallback(on_epoch_end=lambda epoch, logs: logs.update({"late": 1.0} if epoch else {}))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit(make_model(), [late, CSVLogger(path)], epochs=3)
    assert [str(w.message).count("late") > 0 for w in caught if "CSVLogger" in str(w.message)] == [True]
    assert "late" not in read_rows(path)[0]


def test_an_unwritable_path_fails_before_the_first_epoch(tmp_path):
    epochs_started = []
    probe = LambdaCallback(on_epoch_begin=lambda epoch, logs: epochs_started.append(epoch))
    with pytest.raises(OSError) as error:
        fit(make_model(), [CSVLogger(tmp_path / "missing" / "log.csv"), probe], epochs=1)
    assert "missing" in str(error.value)
    assert epochs_started == []


def test_one_logger_reused_for_a_second_fit_starts_a_new_file(tmp_path):
    path = tmp_path / "log.csv"
    logger = CSVLogger(path)
    model = make_model()
    fit(model, [logger], epochs=3)
    fit(model, [logger], epochs=1)
    assert [row[0] for row in read_rows(path)] == ["epoch", "0"]


@pytest.mark.parametrize("separator", ["", ",,", '"', "\n", 1])
def test_bad_separator_is_rejected(separator):
    with pytest.raises(ValueError, match="separator"):
        CSVLogger("log.csv", separator=separator)


def test_bad_append_is_rejected():
    with pytest.raises(ValueError, match="append"):
        CSVLogger("log.csv", append="yes")
