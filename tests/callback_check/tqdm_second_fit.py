"""Evidence for the tqdm finding on docs/conformance/callbacks.rst: the callback check's shrunk run, as printed.

tqdm 4.70.1's ``TqdmCallback`` used for a second fit(): ``on_train_end`` closes the epoch bar, the next
``on_train_begin`` resets the closed bar's total, and a closed bar no longer counts, so after the second fit
the epoch bar shows 0. Raises ``Finding`` (an AssertionError) naming the broken invariant, on refimpl (the
default) and on Keras 3 (``--keras3``, with KERAS_BACKEND=jax) alike. Needs tqdm and this project importable.
The same run, shrunk by the check, on both: the evaluate() between the two fits is part of the run it kept.
"""

import os
import sys

import numpy as np

if "--keras3" in sys.argv:
    os.environ["KERAS_BACKEND"] = "jax"
    import keras
else:
    import refimpl as keras
from conformance.callback_check.replay import start  # noqa: E402

TASK = 'regression'


def make_data(n, rng):
    x = rng.normal(size=(n, 3)).astype("float32")
    if TASK == "regression":
        y = rng.normal(size=(n, 1)).astype("float32")
    elif TASK == "binary":
        y = (rng.random((n, 1)) > 0.5).astype("float32")
    else:
        y = np.eye(3, dtype="float32")[rng.integers(0, 3, n)]
    return x, y, rng.uniform(0.5, 2.0, size=(n,)).astype("float32")


def generator(x, y, sw, batch_size, finite, x_only=False):
    while True:
        for s in range(0, len(x), batch_size):
            sl = slice(s, s + batch_size)
            yield (x[sl],) if x_only else (x[sl], y[sl]) if sw is None else (x[sl], y[sl], sw[sl])
        if finite:
            return


# a fresh workdir, the callback from the factory, a hook recorder
run = start('conformance.callback_check.third_party:tqdm_callback', keras)
model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation='linear')])
rng = np.random.default_rng(0)
model.set_weights([rng.uniform(-0.5, 0.5, size=np.shape(w)).astype('float32') for w in model.get_weights()])
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01), loss='mse', metrics=['mae'],
              steps_per_execution=1, **({"run_eagerly": True} if "--keras3" in sys.argv else {}))
run.record.model = model

# call 0: fit
rng = np.random.default_rng(1)
x, y, sw = make_data(12, rng)
x_val, y_val, _ = make_data(8, rng)
with run.call('fit', input='arrays', n=12, batch_size=4, steps=None, verbose=1, epochs=2, initial_epoch=0,
              validation='data', validation_freq=1, finite=True, stop_preset=False) as call:
    callbacks = [run.witness, run.callback]
    call.result = model.fit(x=x, y=y, batch_size=4, epochs=2, validation_data=(x_val, y_val), shuffle=False,
                            verbose=1, callbacks=callbacks)

# call 1: evaluate
rng = np.random.default_rng(2)
x, y, sw = make_data(10, rng)
x_val, y_val, _ = make_data(8, rng)
with run.call('evaluate', input='arrays', n=10, batch_size=4, steps=None, verbose=1) as call:
    callbacks = [run.witness, run.callback]
    call.result = model.evaluate(x=x, y=y, batch_size=4, verbose=1, callbacks=callbacks)

# call 2: fit
rng = np.random.default_rng(3)
x, y, sw = make_data(12, rng)
x_val, y_val, _ = make_data(8, rng)
with run.call('fit', input='generator', n=12, batch_size=4, steps=None, verbose=2, epochs=1, initial_epoch=0,
              validation=None, validation_freq=1, finite=True, stop_preset=False) as call:
    callbacks = [run.witness, run.callback]
    call.result = model.fit(x=generator(x, y, None, 4, finite=True, x_only=False), epochs=1, shuffle=False,
                            verbose=2, callbacks=callbacks)

run.finish()
