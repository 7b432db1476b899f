"""The hook order and logs of fit / evaluate / predict that callback authors rely on."""

from __future__ import annotations

import numpy as np
import pytest

import refimpl as keras

from .helpers import Recorder, regression_data, regression_model


def test_one_epoch_with_validation_in_order():
    model = regression_model()
    x, y = regression_data(20)
    rec = Recorder()
    model.fit(x, y, batch_size=8, epochs=1, validation_data=(x[:5], y[:5]), verbose=0, callbacks=[rec])
    assert rec.hooks() == [
        ("on_train_begin", None), ("on_epoch_begin", 0),
        ("on_train_batch_begin", 0), ("on_train_batch_end", 0), ("on_train_batch_begin", 1),
        ("on_train_batch_end", 1), ("on_train_batch_begin", 2), ("on_train_batch_end", 2),
        ("on_test_begin", None), ("on_test_batch_begin", 0), ("on_test_batch_end", 0), ("on_test_end", None),
        ("on_epoch_end", 0), ("on_train_end", None)]
    logs = {h: l for h, _, l in rec.events}
    assert logs["on_train_begin"] == {} and logs["on_epoch_begin"] == {} and logs["on_train_batch_begin"] == {}
    assert list(logs["on_epoch_end"]) == ["loss", "mae", "val_loss", "val_mae"]
    assert logs["on_epoch_end"]["val_loss"] == logs["on_test_end"]["loss"]
    assert logs["on_train_end"] == logs["on_epoch_end"]
    assert all(isinstance(v, float) for v in logs["on_epoch_end"].values())


def test_batch_logs_are_running_means_weighted_by_samples():
    model = regression_model(optimizer=keras.optimizers.SGD(learning_rate=0.0))
    x, y = regression_data(20)
    rec = Recorder()
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0, callbacks=[rec])
    per_batch = [model.test_on_batch(x[i:i + 8], y[i:i + 8])[0] for i in (0, 8, 16)]
    ends = [l["loss"] for h, _, l in rec.events if h == "on_train_batch_end"]
    assert ends[0] == pytest.approx(per_batch[0], rel=1e-6)
    assert ends[2] == pytest.approx((8 * per_batch[0] + 8 * per_batch[1] + 4 * per_batch[2]) / 20, rel=1e-6)


def test_history_matches_epoch_logs_and_is_model_history():
    model = regression_model()
    x, y = regression_data()
    rec = Recorder()
    history = model.fit(x, y, epochs=3, verbose=0, callbacks=[rec], validation_split=0.2)
    ends = [l for h, _, l in rec.events if h == "on_epoch_end"]
    assert history is model.history
    assert history.epoch == [0, 1, 2]
    assert history.history == {k: [e[k] for e in ends] for k in ends[0]}
    assert history.params == {"verbose": 0, "epochs": 3, "steps": 1}  # 16 training samples, batch 32


@pytest.mark.parametrize("hook,index,expected_batches", [
    ("on_train_begin", None, 1), ("on_epoch_begin", 0, 1), ("on_train_batch_begin", 1, 2),
    ("on_train_batch_end", 1, 2)])
def test_stop_training_ends_the_epoch_after_that_batch_but_validation_runs(hook, index, expected_batches):
    def action(rec, h, i, logs):
        if h == hook and (index is None or i == index):
            rec.model.stop_training = True

    model = regression_model()
    x, y = regression_data(32)
    rec = Recorder(action)
    model.fit(x, y, batch_size=8, epochs=3, validation_data=(x, y), verbose=0, callbacks=[rec])
    hooks = [h for h, _ in rec.hooks()]
    assert hooks.count("on_train_batch_end") == expected_batches
    assert hooks.count("on_epoch_end") == 1 and hooks.count("on_test_end") == 1
    assert hooks[-1] == "on_train_end"


def test_fit_resets_stop_training():
    model = regression_model()
    model.stop_training = True
    x, y = regression_data()
    assert len(model.fit(x, y, epochs=2, verbose=0).epoch) == 2


def test_steps_per_execution_fires_hooks_once_per_group_with_clamped_end_index():
    model = regression_model(spe=3)
    x, y = regression_data(56)
    rec = Recorder()
    model.fit(x, y, batch_size=8, epochs=1, verbose=0, callbacks=[rec])
    assert [(h, i) for h, i in rec.hooks() if "batch" in h] == [
        ("on_train_batch_begin", 0), ("on_train_batch_end", 2), ("on_train_batch_begin", 3),
        ("on_train_batch_end", 5), ("on_train_batch_begin", 6), ("on_train_batch_end", 6)]


def test_initial_epoch_and_validation_freq_list():
    model = regression_model()
    x, y = regression_data()
    rec = Recorder()
    history = model.fit(x, y, epochs=4, initial_epoch=1, validation_data=(x, y), validation_freq=[2, 4],
                        verbose=0, callbacks=[rec])
    assert history.epoch == [1, 2, 3]
    ends = [(i, sorted(l)) for h, i, l in rec.events if h == "on_epoch_end"]
    assert [i for i, keys in ends if "val_loss" in keys] == [1, 3]


def test_zero_epochs_calls_only_train_begin_and_end():
    model = regression_model()
    x, y = regression_data()
    rec = Recorder()
    model.fit(x, y, epochs=0, verbose=0, callbacks=[rec])
    assert rec.events == [("on_train_begin", None, {}), ("on_train_end", None, {})]


def test_evaluate_and_predict_hooks_and_returns():
    model = regression_model(metrics=["mse", "mae"])
    x, y = regression_data(20)
    rec = Recorder()
    result = model.evaluate(x, y, batch_size=8, verbose=0, callbacks=[rec])
    assert rec.events[-1][0] == "on_test_end" and rec.events[-1][2] == model.evaluate(
        x, y, batch_size=8, verbose=0, return_dict=True)
    assert result == [rec.events[-1][2][k] for k in ("loss", "mse", "mae")]
    assert rec.params == {"verbose": 0, "epochs": 1, "steps": 3}
    rec = Recorder()
    out = model.predict(x, batch_size=8, verbose=0, callbacks=[rec])
    outputs = [l["outputs"] for h, _, l in rec.events if h == "on_predict_batch_end"]
    assert np.array_equal(np.concatenate(outputs), out) and out.shape == (20, 1)
    assert rec.events[0] == ("on_predict_begin", None, {}) and rec.events[-1] == ("on_predict_end", None, {})


def test_nested_evaluate_in_a_callback_leaves_training_logs_alone():
    def action(rec, hook, index, logs):
        if hook == "on_train_batch_end" and index == 0 and not getattr(rec, "nested", False):
            rec.nested = True
            rec.model.evaluate(x, y, verbose=0)
            rec.nested = False

    model = regression_model(optimizer=keras.optimizers.SGD(learning_rate=0.0))
    x, y = regression_data(16)
    plain = Recorder()
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0, callbacks=[plain])
    nested = Recorder(action)
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0, callbacks=[nested])
    assert [l for h, _, l in plain.events if h == "on_epoch_end"] == [l for h, _, l in nested.events
                                                                       if h == "on_epoch_end"]


def test_legacy_on_batch_hooks_fire_for_training_batches_only():
    seen = []

    class Legacy(keras.callbacks.Callback):
        def on_batch_begin(self, batch, logs=None):
            seen.append(("begin", batch))

        def on_batch_end(self, batch, logs=None):
            seen.append(("end", batch, sorted(logs)))

    model = regression_model()
    x, y = regression_data(16)
    model.fit(x, y, batch_size=8, epochs=1, validation_data=(x, y), verbose=0, callbacks=[Legacy()])
    model.evaluate(x, y, verbose=0, callbacks=[Legacy()])
    assert seen == [("begin", 0), ("end", 0, ["loss", "mae"]), ("begin", 1), ("end", 1, ["loss", "mae"])]


def test_generator_and_pydataset_inputs():
    x, y = regression_data(24)

    def gen():
        while True:
            for i in range(0, 24, 8):
                yield x[i:i + 8], y[i:i + 8]

    model = regression_model()
    history = model.fit(gen(), steps_per_epoch=3, epochs=2, verbose=0)
    assert history.params["steps"] == 3 and len(history.epoch) == 2

    class Data(keras.utils.PyDataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return x[i * 8:(i + 1) * 8], y[i * 8:(i + 1) * 8]

    assert model.fit(Data(), epochs=1, verbose=0).params["steps"] == 3


def test_finite_generator_running_out_warns_and_pairs_every_hook():
    x, y = regression_data(16)
    model = regression_model()
    rec = Recorder()
    with pytest.warns(UserWarning, match="ran out of data"):
        model.fit(((x[i:i + 8], y[i:i + 8]) for i in (0, 8)), epochs=3, verbose=0, callbacks=[rec])
    hooks = [h for h, _ in rec.hooks()]
    assert hooks.count("on_train_batch_begin") == hooks.count("on_train_batch_end") == 2
    assert hooks.count("on_epoch_begin") == hooks.count("on_epoch_end") == 1


def test_exception_in_a_callback_names_the_hook():
    class Broken(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            raise RuntimeError("boom")

    model = regression_model()
    x, y = regression_data()
    with pytest.raises(RuntimeError, match="boom") as info:
        model.fit(x, y, epochs=1, verbose=0, callbacks=[Broken()])
    assert "Broken.on_epoch_end" in "".join(getattr(info.value, "__notes__", []))


def test_learning_rate_assigned_in_epoch_begin_applies_to_that_epoch():
    def action(rec, hook, index, logs):
        if hook == "on_epoch_begin" and index == 1:
            rec.model.optimizer.learning_rate = 0.0

    model = regression_model(optimizer=keras.optimizers.SGD(learning_rate=0.1))
    x, y = regression_data()
    weights = []
    rec = Recorder(lambda r, h, i, l: (action(r, h, i, l), h == "on_epoch_end" and weights.append(
        [w.copy() for w in r.model.get_weights()])))
    model.fit(x, y, epochs=2, verbose=0, callbacks=[rec])
    assert all(np.array_equal(a, b) for a, b in zip(weights[0], weights[1]))


@pytest.mark.parametrize("verbose,expect", [(1, "━"), (2, "3/3 - ")])
def test_progress_output(capsys, verbose, expect):
    model = regression_model()
    x, y = regression_data(20)
    model.fit(x, y, batch_size=8, epochs=2, verbose=verbose)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out and expect in out and "loss:" in out


def test_ten_noop_callbacks_are_never_dispatched():
    cbs = keras.callbacks.CallbackList([keras.callbacks.Callback() for _ in range(10)])
    assert all(not targets for targets in cbs._dispatch.values())
