"""LambdaCallback: every hook as a keyword, called with the right arguments, and nothing else called."""

from __future__ import annotations

import json

import numpy as np
import pytest

import refimpl as keras
from refimpl.callbacks import LambdaCallback
from refimpl.callbacks.lambda_callback import HOOK_NAMES


def make_model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


X = np.arange(30, dtype="float32").reshape(10, 3) / 30
Y = X.sum(axis=1, keepdims=True)


def recorder(events: list, hooks) -> LambdaCallback:
    def make(hook):
        return lambda *args: events.append((hook, *args))

    return LambdaCallback(**{hook: make(hook) for hook in hooks})


def run_everything(callback):
    model = make_model()
    model.fit(X, Y, batch_size=4, epochs=1, verbose=0, validation_data=(X[:4], Y[:4]), callbacks=[callback])
    model.evaluate(X, Y, batch_size=8, verbose=0, callbacks=[callback])
    model.predict(X, batch_size=8, verbose=0, callbacks=[callback])


def test_every_hook_is_called_with_its_arguments_in_order():
    events: list = []
    modern = [h for h in HOOK_NAMES if h not in ("on_batch_begin", "on_batch_end")]
    run_everything(recorder(events, modern))
    names = [(event[0], event[1] if len(event) == 3 else None) for event in events]
    fit_part = [("on_train_begin", None), ("on_epoch_begin", 0),
                ("on_train_batch_begin", 0), ("on_train_batch_end", 0),
                ("on_train_batch_begin", 1), ("on_train_batch_end", 1),
                ("on_train_batch_begin", 2), ("on_train_batch_end", 2),
                ("on_test_begin", None), ("on_test_batch_begin", 0), ("on_test_batch_end", 0), ("on_test_end", None),
                ("on_epoch_end", 0), ("on_train_end", None)]
    evaluate_part = [("on_test_begin", None), ("on_test_batch_begin", 0), ("on_test_batch_end", 0),
                     ("on_test_batch_begin", 1), ("on_test_batch_end", 1), ("on_test_end", None)]
    predict_part = [("on_predict_begin", None), ("on_predict_batch_begin", 0), ("on_predict_batch_end", 0),
                    ("on_predict_batch_begin", 1), ("on_predict_batch_end", 1), ("on_predict_end", None)]
    assert names == fit_part + evaluate_part + predict_part
    epoch_end = next(e for e in events if e[0] == "on_epoch_end")
    assert sorted(epoch_end[2]) == ["loss", "val_loss"]
    predict_end = [e for e in events if e[0] == "on_predict_batch_end"]
    assert [e[2]["outputs"].shape for e in predict_end] == [(8, 1), (2, 1)]


def test_only_the_given_hooks_run():
    events: list = []
    run_everything(recorder(events, ["on_test_end"]))
    assert [e[0] for e in events] == ["on_test_end", "on_test_end"]


def test_keras2_batch_hooks_fire_for_training_batches_only():
    events: list = []
    run_everything(recorder(events, ["on_batch_begin", "on_batch_end"]))
    assert events[0][0] == "on_batch_begin"
    assert [(e[0], e[1]) for e in events] == [(h, i) for i in range(3) for h in ("on_batch_begin", "on_batch_end")]


def test_seed_003_json_streaming_example(tmp_path):
    # The Keras 2 page's example, as written there (apart from the file's directory).
    path = tmp_path / "loss_log.json"
    json_log = open(path, mode="wt", buffering=1)  # noqa: UP015 (the seed's spelling)
    json_logging_callback = LambdaCallback(
        on_epoch_end=lambda epoch, logs: json_log.write(
            json.dumps({"epoch": epoch, "loss": logs["loss"]}) + "\n"),
        on_train_end=lambda logs: json_log.close()
    )
    history = make_model().fit(X, Y, epochs=3, verbose=0, callbacks=[json_logging_callback])
    assert json_log.closed
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines == [{"epoch": e, "loss": loss} for e, loss in enumerate(history.history["loss"])]


def test_edits_to_logs_reach_history():
    bump = LambdaCallback(on_epoch_end=lambda epoch, logs: logs.update(extra=epoch * 2.0))
    history = make_model().fit(X, Y, epochs=2, verbose=0, callbacks=[bump])
    assert history.history["extra"] == [0.0, 2.0]


def test_is_a_lambda_callback_and_a_callback():
    callback = LambdaCallback(on_epoch_end=print)
    assert isinstance(callback, LambdaCallback) and isinstance(callback, keras.callbacks.Callback)
    assert type(callback).__name__ == "LambdaCallback"


def test_extra_keywords_are_kept_as_attributes_as_in_keras():
    def custom(logs):
        return "called"

    callback = LambdaCallback(custom_method=custom, note="kept")
    assert callback.custom_method is custom and callback.note == "kept"


def test_misspelled_hook_is_kept_with_a_warning_listing_the_hooks():
    with pytest.warns(UserWarning) as warned:
        callback = LambdaCallback(on_epoch_ends=print)
    assert callback.on_epoch_ends is print
    message = str(warned[0].message)
    assert "on_epoch_ends" in message and all(hook in message for hook in HOOK_NAMES)


def test_non_callable_hook_is_rejected():
    with pytest.raises(TypeError, match="on_train_end"):
        LambdaCallback(on_train_end="close")


def test_a_batch_hook_under_both_names_is_rejected():
    with pytest.raises(TypeError, match="on_train_batch_end.*on_batch_end"):
        LambdaCallback(on_train_batch_end=print, on_batch_end=print)
