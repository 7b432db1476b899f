"""CallbackList finds hooks however a callback defines them, also when that changes during the run."""

import numpy as np

import refimpl as keras
from refimpl.callbacks import CallbackList


def fit(callbacks, epochs=2, **kw):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.zeros((12, 3)), np.zeros((12, 1)), batch_size=4, epochs=epochs, verbose=0, callbacks=callbacks, **kw)
    return model


def test_hook_set_in_train_batch_begin_hears_that_batch_end():
    seen = []

    class Late(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            if batch == 1 and "on_train_batch_end" not in self.__dict__:
                self.on_train_batch_end = lambda b, logs=None: seen.append((b, sorted(logs)))

    fit([Late()], epochs=1)
    assert seen == [(1, ["loss"]), (2, ["loss"])]  # logs are computed once someone listens


def test_deleted_instance_hook_falls_back_to_the_class():
    seen = []

    class Del(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.on_epoch_end = lambda epoch, logs=None: seen.append(("instance", epoch))

        def on_epoch_end(self, epoch, logs=None):
            seen.append(("class", epoch))

        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 1:
                del self.on_epoch_end

    fit([Del()])
    assert seen == [("instance", 0), ("class", 1)]


def test_class_patched_during_the_run():
    seen = []

    class Patch(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            type(self).on_epoch_end = lambda self, epoch, logs=None: seen.append(epoch)

    fit([Patch()])
    assert seen == [0, 1]


def test_callback_appended_during_a_hook_hears_that_hook_on():
    seen = []

    class Joiner(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            seen.append(("begin", epoch))

        def on_epoch_end(self, epoch, logs=None):
            seen.append(("end", epoch))

    class Appender(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 0:
                self.cbs.callbacks.append(Joiner())

    appender = Appender()
    cbs = CallbackList([appender])
    appender.cbs = cbs
    cbs.on_epoch_begin(0)
    cbs.on_epoch_end(0)
    assert seen == [("begin", 0), ("end", 0)]


def test_non_callable_instance_hook_raises_type_error_naming_the_callback():
    class Bad(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.on_epoch_end = None

    try:
        fit([Bad()])
    except TypeError as e:
        assert "Bad.on_epoch_end" in "".join(getattr(e, "__notes__", []))
    else:
        raise AssertionError("a None hook was accepted")


def test_noop_callbacks_stay_out_of_the_dispatch_after_a_hook_is_set_elsewhere():
    class Tq(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.on_batch_end = lambda batch, logs=None: None

    noop = [keras.callbacks.Callback() for _ in range(10)]
    cbs = CallbackList([*noop, Tq()])
    assert [type(cb).__name__ for cb, _, _ in cbs._targets("on_train_batch_end")] == ["Tq"]
    assert all(not cbs.dispatches(h) for h in ("on_test_batch_end", "on_predict_batch_end", "on_epoch_end"))
