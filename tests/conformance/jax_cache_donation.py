"""Does a Keras model (jax) keep its weights in numpy memory that jax has let go of?

Run with a Keras 3 environment's Python: `python jax_cache_donation.py cache|off|adapter`. `cache` turns on jax's
persistent compilation cache as jax documents it, `off` leaves it off, `adapter` lets the suite's keras3 adapter
decide (its `module()`; needs this repository on PYTHONPATH). Prints one JSON line.

Each fit starts a new model, gives set_weights numpy arrays that jax can use in place (aligned), and drops them.
They are views into POOL, which this script keeps, so that memory is never reused by anyone else: a weight whose
buffer is still inside POOL after jax let go of its view is memory the model does not own. Writing POOL then shows
what any later allocation there would do. Seen with Keras 3.4.1-3.8.0 (jax 0.4.31, 0.4.38) and the cache on: the
steps loaded from the cache (every fit after the first) write the donated state into that memory.
"""

import gc
import json
import os
import sys
import tempfile
import warnings
import weakref

os.environ.setdefault("KERAS_BACKEND", "jax")
warnings.simplefilter("ignore")

import numpy as np  # noqa: E402

FITS = 6
POOL = np.zeros(1 << 16, np.float32)
START, END = POOL.ctypes.data, POOL.ctypes.data + POOL.nbytes
used = 0


def in_pool(array):
    """A copy of `array` inside POOL, 128-byte aligned so that jax takes it without copying."""
    global used
    first = used + (-(START + 4 * used) % 128) // 4
    used = first + array.size
    view = POOL[first:used].reshape(array.shape)
    view[...] = array
    return view


def main(mode):
    if mode == "adapter":
        from conformance.adapters import get_adapter

        keras = get_adapter("keras3-jax").module()
    else:
        import keras
    import jax

    if mode == "cache":
        jax.config.update("jax_compilation_cache_dir", tempfile.mkdtemp(prefix="jax-cache-donation-"))
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    rng = np.random.default_rng(0)
    x, y = rng.random((4, 3)).astype("float32"), rng.random((4, 1)).astype("float32")
    dangling = changed = 0
    for _ in range(FITS):
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        weights = [rng.uniform(-0.5, 0.5, size=w.shape).astype("float32") for w in model.get_weights()]
        given = [in_pool(w) for w in weights]
        model.set_weights(given)
        views = [weakref.ref(view) for view in given]
        del given
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="mse")
        model.fit(x, y, batch_size=4, epochs=1, verbose=0)
        gc.collect()
        inside = any(START <= v.value.unsafe_buffer_pointer() < END for v in model.weights)
        released = all(view() is None for view in views)
        POOL[:] = 4.5e14
        dangling += inside and released
        changed += any(not np.array_equal(a, b) for a, b in zip(weights, model.get_weights()))
    print(json.dumps({"keras": keras.__version__, "jax": jax.__version__, "mode": mode, "fits": FITS,
                      "dangling": dangling, "changed": changed}))


if __name__ == "__main__":
    main(sys.argv[1])
