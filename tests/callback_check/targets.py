"""Small factories for the tool's own tests: the ways a factory can declare invariants, and bad factories."""

from __future__ import annotations

from conformance.callback_check import Subject


def _quiet(keras):
    class Quiet(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.last_epoch = epoch

    return Quiet()


def pair_with_false_invariant(keras):
    """Returns (callback, invariants); the invariant returns False after any evaluate()."""
    return _quiet(keras), [lambda cb, record: record.last.method != "evaluate"]


def subject_with_reader(workdir, keras):
    """Writes a file the built-in readers do not know, and a reader for it that always refuses."""

    class Writer(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            (workdir / "state.mine").write_text("x")

    def refuse(path):
        raise ValueError("not mine")

    return Subject(Writer(), readers={".mine": refuse})


def needs_an_argument(workdir, keras, colour):
    return _quiet(keras)


def not_a_callback():
    return object()


class BadInvariants:
    conformance_invariants = ("no_such_method",)


def bad_invariants(keras):
    class Bad(BadInvariants, keras.callbacks.Callback):
        pass

    return Bad()
