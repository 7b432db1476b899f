"""Every code example of every seed page runs on refimpl and does what its page promises.

The examples are read from the pages (``seed_examples.examples``), adapted only by their import lines (and
the changes listed in ``seed_examples.NOT_RUNNABLE_UNCHANGED``), and run on synthetic learnable data of the
shapes they imply: 784 features, 10 one-hot classes.
"""

from __future__ import annotations

import importlib
import inspect
import json
import math
import re

import h5py
import numpy as np
import pytest

from .seed_examples import (
    NOT_RUNNABLE_UNCHANGED,
    PAGES,
    SEED_PAGES,
    SHARED_SEEDS,
    adapt,
    example,
    examples,
    signature_call,
)

EPOCHS = 20  # the examples' nb_epoch / epochs
BATCHES_PER_EPOCH = math.ceil(512 / 128)  # seed_data's 512 training samples in the examples' batches of 128

# Non-signature examples and the test that runs each (a new example on a page fails test_every_example_is_run).
RUN_BY = {
    "000 Create a callback": "test_create_a_callback",
    "000 Example": "test_recording_loss_history",
    "001 Create a callback": "test_create_a_callback",
    "001 Example: recording loss history": "test_recording_loss_history",
    "001 Example: model checkpoints": "test_model_checkpoints",
    "002 Create a callback": "test_create_a_callback",
    "002 Example: recording loss history": "test_recording_loss_history",
    "002 Example: model checkpoints": "test_model_checkpoints",
    "003 LambdaCallback": "test_003_lambda_callback",
    "003 ReduceLROnPlateau": "test_003_reduce_lr_on_plateau",
    "003 CSVLogger": "test_003_csv_logger",
    "003 Create a callback": "test_create_a_callback",
    "003 Example: recording loss history": "test_recording_loss_history",
    "003 Example: model checkpoints": "test_model_checkpoints",
    "004 How to use?": "test_004_custom_callback_prints_keys_hook_by_hook",
}


def run(page: str, code: str, namespace: dict) -> dict:
    exec(compile(adapt(page, code), f"<seed {page}>", "exec"), namespace)
    return namespace


def dialect(page: str):
    return importlib.import_module(SEED_PAGES[page][1])


# ------------------------------------------------------------------------------------------ the pages
def test_page_copies_are_current():
    if not SHARED_SEEDS.is_dir():
        pytest.skip("the shared seed folder is not on this machine; the copies in tests/seeds/pages are used")
    for file_name, _, _ in SEED_PAGES.values():
        assert (PAGES / file_name).read_bytes() == (SHARED_SEEDS / file_name).read_bytes(), file_name


def test_every_example_is_run():
    runnable = {e.name for page in SEED_PAGES for e in examples(page) if not e.is_signature}
    assert runnable == set(RUN_BY), "a seed page gained or lost an example: add a test for it to RUN_BY"
    # The docs list these; each key names an example (or the page's shell block).
    for name in NOT_RUNNABLE_UNCHANGED:
        assert name in RUN_BY or name.endswith("(sh)"), name


SIGNATURES = [e for page in SEED_PAGES for e in examples(page) if e.is_signature]


@pytest.mark.parametrize("block", SIGNATURES, ids=[f"{e.page}-{signature_call(e)[0]}" for e in SIGNATURES])
def test_documented_signature_runs_and_matches(block, in_tmp_dir, no_deprecations):
    """A signature line (``keras.callbacks.ModelCheckpoint(filepath, period=1, ...)``) runs as written, with
    no DeprecationWarning, and the dialect's class has exactly those parameters and defaults."""
    namespace = {"filepath": str(in_tmp_dir / "weights.hdf5"), "filename": str(in_tmp_dir / "log.csv"),
                 "schedule": lambda epoch: 0.01}
    run(block.page, block.code, namespace)
    target, positional, keywords = signature_call(block)
    obj = dialect(block.page)
    for part in target.split("."):
        obj = getattr(obj, part)
    parameters = inspect.signature(obj).parameters
    for name in positional:
        assert name in parameters and parameters[name].default is inspect.Parameter.empty, name
    for name, default in keywords.items():
        assert name in parameters, f"{target} has no parameter {name!r}"
        assert parameters[name].default == default, f"{target}({name}=...) defaults to {parameters[name].default!r}"


# ---------------------------------------------------------------------------------- loss history
@pytest.mark.parametrize("page", ["000", "001", "002", "003"])
def test_create_a_callback(page, seed_data):
    """The page's first LossHistory, attached to a fit of the dialect, records one loss per batch."""
    namespace = run(page, example(page, "Create a callback").code, dict(seed_data))
    history = namespace["LossHistory"]()
    model = _dialect_model(page)
    fit = getattr(model, "summon" if page == "001" else "fit")
    epochs = {"nb_epoch": 2} if page in ("000", "002") else {"epochs": 2}
    fit(seed_data["X_train"], seed_data["Y_train"], batch_size=128, verbose=0, callbacks=[history], **epochs)
    assert len(history.losses) == 2 * BATCHES_PER_EPOCH
    assert all(isinstance(loss, float) and math.isfinite(loss) for loss in history.losses)


def _dialect_model(page: str):
    d = dialect(page)
    if page == "001":
        model = d.models.Pile()
        model.add(d.layers.Daoloth(10, input_dim=784, kernel_initializer="uniform"))
        model.add(d.layers.Azatoth("softmax"))
        model.conjure(loss="categorical_crossentropy", optimizer="rmsprop")
        return model
    model = d.models.Sequential()
    if page == "000":
        model.add(d.layers.Dense(784, 10, init="uniform"))
    elif page == "002":
        model.add(d.layers.Dense(10, input_dim=784, init="uniform"))
    else:
        model.add(d.layers.Dense(10, input_dim=784, kernel_initializer="uniform"))
    model.add(d.layers.Activation("softmax"))
    model.compile(loss="categorical_crossentropy", optimizer="rmsprop")
    return model


@pytest.mark.parametrize("page,heading", [("000", "Example"), ("001", "Example: recording loss history"),
                                          ("002", "Example: recording loss history"),
                                          ("003", "Example: recording loss history")])
def test_recording_loss_history(page, heading, seed_data, capsys, no_deprecations):
    """One loss per batch, printed as the page prints it, falling on learnable data; each is that batch's own
    loss (Keras 0-2), whose size-weighted mean per epoch is the epoch's loss."""
    namespace = run(page, example(page, heading).code, dict(seed_data))
    losses = namespace["history"].losses
    assert len(losses) == EPOCHS * BATCHES_PER_EPOCH
    assert capsys.readouterr().out == f"{losses}\n"
    per_epoch = np.array(losses).reshape(EPOCHS, BATCHES_PER_EPOCH)
    assert per_epoch[-1].mean() < 0.6 * per_epoch[0].mean()
    assert np.all(np.diff(per_epoch.mean(axis=1)) < 0), "the epoch means of the batch losses keep falling"
    model = namespace["model"]
    epoch_losses = model.history.history["loss"]
    np.testing.assert_allclose(per_epoch.mean(axis=1), epoch_losses, rtol=1e-5)  # four full batches of 128
    if page == "000":
        assert losses == model.batch_history.loss
        assert model.batch_history.batch_size == [128] * len(losses)
        assert model.epoch_history.epoch == list(range(EPOCHS))


# ---------------------------------------------------------------------------------- checkpoints
@pytest.mark.parametrize("page", ["001", "002", "003"])
def test_model_checkpoints(page, seed_data, checkpoint_file, capsys, no_deprecations):
    """save_best_only writes /tmp/weights.hdf5 exactly at the epochs whose val_loss beat every earlier one,
    so the file ends up holding the weights of the best epoch."""
    namespace = run(page, example(page, "Example: model checkpoints").code, dict(seed_data))
    model = namespace["model"]
    val_losses = model.history.history["val_loss"]
    improved = [i for i, v in enumerate(val_losses) if all(v < earlier for earlier in val_losses[:i])]
    assert 0 < len(improved) < EPOCHS, "the validation data should give improving and worsening epochs"
    out = capsys.readouterr().out
    saved = [int(m) - 1 for m in re.findall(r"Epoch (\d+): val_loss improved from .*, saving model to "
                                            + re.escape(checkpoint_file), out)]
    skipped = [int(m) - 1 for m in re.findall(r"Epoch (\d+): val_loss did not improve", out)]
    assert saved == improved
    assert sorted(saved + skipped) == list(range(EPOCHS))

    layer = "daoloth" if page == "001" else "dense"
    with h5py.File(checkpoint_file, "r") as f:  # Keras 2's HDF5 layout: model_weights/<layer>/<layer>/kernel:0
        kernel = f[f"model_weights/{layer}/{layer}/kernel:0"][()]
    restored = dialect(page).models.load_model(checkpoint_file)
    np.testing.assert_array_equal(restored.get_weights()[0], kernel)
    best = restored.evaluate(seed_data["X_test"], seed_data["Y_test"], batch_size=128, verbose=0)
    np.testing.assert_allclose(best, min(val_losses), rtol=1e-5)
    assert model.history.history["val_loss"].index(min(val_losses)) == improved[-1]


# ---------------------------------------------------------------------------------- 003's callbacks
def _keras2_model(metrics=None):
    from refimpl.dialects.keras2.layers import Activation, Dense
    from refimpl.dialects.keras2.models import Sequential

    model = Sequential()
    model.add(Dense(10, input_dim=784, kernel_initializer="uniform"))
    model.add(Activation("softmax"))
    model.compile(loss="categorical_crossentropy", optimizer="rmsprop", metrics=metrics)
    return model


def test_003_lambda_callback(seed_data, in_tmp_dir, capsys, no_deprecations):
    code = example("003", "LambdaCallback").code
    assert "processes = ...\n" in code and "model.fit(...,\n" in code
    code = code.replace("processes = ...\n", "processes = []\n")
    code = code.replace("model.fit(...,\n", "model.fit(X_train, Y_train, epochs=2, verbose=0,\n")
    namespace = run("003", code, {**seed_data, "model": _keras2_model()})
    model = namespace["model"]
    # batch_print_callback: the batch number at the start of every batch.
    assert capsys.readouterr().out == "".join(f"{b}\n" for b in range(16)) * 2
    # json_logging_callback: one JSON object per line, one line per epoch; the file is closed at train end.
    assert namespace["json_log"].closed
    lines = (in_tmp_dir / "loss_log.json").read_text().splitlines()
    assert [json.loads(line)["epoch"] for line in lines] == [0, 1]
    np.testing.assert_allclose([json.loads(line)["loss"] for line in lines], model.history.history["loss"])
    assert namespace["processes"] == []


def test_003_reduce_lr_on_plateau(seed_data, capsys):
    """The page's call runs as written (one epoch, no validation data): the monitored val_loss is missing,
    which refimpl says in a warning; the rate in effect is logged as ``lr``."""
    code = example("003", "ReduceLROnPlateau").code
    with pytest.warns(UserWarning, match="val_loss"):
        namespace = run("003", code, {**seed_data, "model": _keras2_model()})
    history = namespace["model"].history.history
    assert history["lr"] == [pytest.approx(0.001)]
    assert namespace["reduce_lr"].min_lr == 0.001


def test_003_csv_logger(seed_data, in_tmp_dir, capsys, no_deprecations):
    namespace = run("003", example("003", "CSVLogger").code, {**seed_data, "model": _keras2_model(["accuracy"])})
    rows = (in_tmp_dir / "training.log").read_text().splitlines()
    assert rows[0] == "epoch,acc,loss"
    assert len(rows) == 2 and rows[1].startswith("0,")
    assert float(rows[1].split(",")[2]) == pytest.approx(namespace["model"].history.history["loss"][0])


# ---------------------------------------------------------------------------------- 004 (Keras 3)
def test_004_custom_callback_prints_keys_hook_by_hook(seed_data, capsys):
    """The Korean tutorial's CustomCallback prints, hook by hook, the logs keys Keras 3 passes."""
    import refimpl as keras

    namespace = run("004", example("004", "How to use?").code, {})
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    x, y = seed_data["X_train"][:256], seed_data["Y_train"][:256]
    callback = namespace["CustomCallback"]()
    model.fit(x, y, batch_size=128, epochs=2, verbose=0, validation_data=(x[:128], y[:128]), callbacks=[callback])
    model.evaluate(x, y, batch_size=128, verbose=0, callbacks=[callback])
    model.predict(x, batch_size=128, verbose=0, callbacks=[callback])

    metrics = ["accuracy", "loss"]
    epoch_end = metrics + ["val_accuracy", "val_loss"]
    expected = ["Starting training; got log keys: []"]
    for epoch in range(2):
        expected.append(f"Start epoch {epoch} of training; got log keys: []")
        for batch in range(2):
            expected.append(f"...Training: start of batch {batch}; got log keys: []")
            expected.append(f"...Training: end of batch {batch}; got log keys: {metrics}")
        expected += ["Start testing; got log keys: []",
                     "...Evaluating: start of batch 0; got log keys: []",
                     f"...Evaluating: end of batch 0; got log keys: {metrics}",
                     f"Stop testing; got log keys: {metrics}",
                     f"End epoch {epoch} of training; got log keys: {epoch_end}"]
    expected.append(f"Stop training; got log keys: {epoch_end}")
    expected += ["Start testing; got log keys: []"]
    for batch in range(2):
        expected += [f"...Evaluating: start of batch {batch}; got log keys: []",
                     f"...Evaluating: end of batch {batch}; got log keys: {metrics}"]
    expected += [f"Stop testing; got log keys: {metrics}", "Start predicting; got log keys: []"]
    for batch in range(2):
        expected += [f"...Predicting: start of batch {batch}; got log keys: []",
                     f"...Predicting: end of batch {batch}; got log keys: ['outputs']"]
    expected.append("Stop predicting; got log keys: []")
    assert capsys.readouterr().out.splitlines() == expected

