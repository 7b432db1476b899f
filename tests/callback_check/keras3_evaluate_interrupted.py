"""Evidence for conformance/expectations/callback-check-keras3-jax.toml: run with Keras 3 (jax) installed.

A callback raises in on_test_batch_end (as Ctrl-C, or a crashing callback, would); afterwards predict() and
evaluate() on the same model fail with ``TypeError: 'NoneType' object is not callable``. Prints one line per
step; exits 1 when the defect shows, 0 when the model stayed usable (as on refimpl: ``--refimpl``).
"""

import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")
import numpy as np  # noqa: E402

if "--refimpl" in sys.argv:
    import refimpl as keras
else:
    import keras


class Interrupt(keras.callbacks.Callback):
    def on_test_batch_end(self, batch, logs=None):
        raise RuntimeError("interrupted")


def main() -> int:
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(23, 3)).astype("float32"), rng.normal(size=(23, 1)).astype("float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", run_eagerly="--eager" in sys.argv)
    try:
        model.evaluate(x, y, verbose=0, callbacks=[Interrupt()])
    except RuntimeError as e:
        print("evaluate() interrupted by the callback:", e)
    broken = False
    for name, call in (("predict()", lambda: model.predict(x, verbose=0)),
                       ("evaluate()", lambda: model.evaluate(x, y, verbose=0))):
        try:
            call()
            print(name, "afterwards: ok")
        except TypeError as e:
            print(name, f"afterwards: TypeError: {e}")
            broken = True
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
