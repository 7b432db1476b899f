"""Speed and memory of refimpl, measured side by side in one run: ``python -m bench``.

Ratios, not absolute times (the machine varies): refimpl's fit step against two bare numpy loops doing the
same maths (forward, backward, SGD update) -- a plain one and one as tight as numpy allows (buffers reused,
everything in place) -- whose final weights must equal refimpl's exactly; ten no-op callbacks against none,
and predict's peak memory against the size of its input plus output. Live Keras 3 is timed too when it is importable.
Results go to bench/results/core.json; the exit status is non-zero when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

import refimpl as keras

TARGETS = {"fit_vs_bare": 1.25, "fit_vs_tight": 1.10, "noop_callbacks_overhead": 0.05, "predict_peak_vs_io": 1.5}


def bare_loop(x, y, weights, batch_size, epochs, lr):
    """The same maths as refimpl's fit (relu hidden layers, softmax, Keras's crossentropy, SGD), no framework."""
    ws = [w.copy() for w in weights]
    n = len(x)
    for _ in range(epochs):
        for start in range(0, n, batch_size):
            xb, yb = x[start:start + batch_size], y[start:start + batch_size]
            acts, zs = [xb], []
            h = xb
            for i in range(0, len(ws), 2):
                z = h @ ws[i] + ws[i + 1]
                zs.append(z)
                if i + 2 < len(ws):
                    h = np.maximum(z, 0)
                else:
                    e = np.exp(z - z.max(axis=1, keepdims=True))
                    h = e / e.sum(axis=1, keepdims=True)
                acts.append(h)
            # Keras's crossentropy: renormalise, clip, log; its gradient is zero where the clip bites.
            total = h.sum(axis=1, keepdims=True)
            normed = h / total
            clipped = np.clip(normed, np.float32(1e-7), np.float32(1 - 1e-7))
            loss = float((-(yb * np.log(clipped)).sum(axis=1)).sum() / len(xb))  # noqa: F841 (logged)
            g_n = -yb / clipped
            g_n[clipped != normed] = 0
            g_p = (g_n - (g_n * normed).sum(axis=1, keepdims=True)) / total / np.float32(len(xb))
            g = h * (g_p - (g_p * h).sum(axis=1, keepdims=True))
            grads = [None] * len(ws)
            for i in range(len(ws) - 2, -1, -2):
                grads[i] = acts[i // 2].T @ g
                grads[i + 1] = g.sum(axis=0)
                if i:
                    g = (g @ ws[i].T) * (zs[i // 2 - 1] > 0)
            for w, gw in zip(ws, grads):
                w -= np.float32(lr) * gw
    return ws


def tight_loop(x, y, weights, batch_size, epochs, lr):
    """The same maths as ``bare_loop`` in the fewest, cheapest numpy calls: batches sliced once, ufunc methods
    (``np.add.reduce``) instead of their Python wrappers (``np.sum``), transposes bound once, constants as 0-d
    float32 arrays (a ufunc converts a numpy or Python scalar operand on every call, not a 0-d array), every
    update in place where that saves an allocation. Returns the final weights."""
    ws = [w.copy() for w in weights]
    kernels, biases = ws[0::2], ws[1::2]
    kernels_t = [k.T for k in kernels]
    n = len(x)

    def f32(value):
        return np.array(value, dtype="float32")

    batches = [(x[s:s + batch_size], y[s:s + batch_size], np.float32(min(batch_size, n - s)),
                f32(1.0 / min(batch_size, n - s))) for s in range(0, n, batch_size)]
    lr32, lo, hi, zero = f32(lr), f32(1e-7), f32(np.float32(1) - np.float32(1e-7)), f32(0)
    add, maximum, minimum, exp, log = np.add.reduce, np.maximum, np.minimum, np.exp, np.log
    last = len(kernels) - 1
    for _ in range(epochs):
        for xb, yb, nb, inv_nb in batches:
            acts, zs = [xb], []
            h = xb
            for i in range(last):
                z = h @ kernels[i]
                z += biases[i]
                zs.append(z)
                h = maximum(z, zero)
                acts.append(h)
            z = h @ kernels[last]
            z += biases[last]
            z -= maximum.reduce(z, axis=1, keepdims=True)
            exp(z, out=z)
            out = z / add(z, axis=1, keepdims=True)
            # Keras's crossentropy: renormalise, clip, log; its gradient is zero where the clip bites.
            total = add(out, axis=1, keepdims=True)
            normed = out / total
            clipped = minimum(maximum(normed, lo), hi)
            loss = -float(add(add(yb * log(clipped), axis=1), dtype="float32") / nb)  # noqa: F841 (logged)
            g = -yb / clipped
            g[clipped != normed] = 0
            g -= add(g * normed, axis=1, keepdims=True)
            g /= total
            g *= inv_nb
            g -= add(g * out, axis=1, keepdims=True)
            g *= out
            for i in range(last, -1, -1):
                gk = acts[i].T @ g
                gb = add(g, axis=0)
                if i:
                    g = g @ kernels_t[i]
                    g *= zs[i - 1] > zero
                gk *= lr32
                kernels[i] -= gk
                gb *= lr32
                biases[i] -= gb
    return ws


def make_model(module, sizes):
    layers = [module.Input((sizes[0],))]
    for units in sizes[1:-1]:
        layers.append(module.layers.Dense(units, activation="relu"))
    layers.append(module.layers.Dense(sizes[-1], activation="softmax"))
    return module.Sequential(layers)


def best_of(fn, repeats, clock=time.process_time):
    """The shortest of ``repeats`` runs of ``fn``. The clock is this process's CPU time by default, so that
    other processes on a shared machine do not enter the single-threaded numpy loops' ratios."""
    times = []
    for _ in range(repeats):
        t = clock()
        fn()
        times.append(clock() - t)
    return min(times)


def fit_case(name, sizes, batch_size, n, epochs, repeats):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, sizes[0])).astype("float32")
    y = np.eye(sizes[-1], dtype="float32")[rng.integers(0, sizes[-1], n)]
    model = make_model(keras, sizes)
    weights = model.get_weights()

    def run_refimpl(callbacks=None):
        model.set_weights(weights)
        model.compile(optimizer=keras.optimizers.SGD(0.01), loss="categorical_crossentropy")
        model.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=False, verbose=0, callbacks=callbacks)

    steps = epochs * -(-n // batch_size)
    run_refimpl()
    expected = tight_loop(x, y, weights, batch_size, epochs, 0.01)
    for loop_weights in (expected, bare_loop(x, y, weights, batch_size, epochs, 0.01)):
        if not all(np.array_equal(a, b) for a, b in zip(model.get_weights(), loop_weights)):
            raise AssertionError(f"{name}: a bare loop's final weights differ from refimpl's: not the same maths")
    # Interleaved, best of each: the three see the same machine load.
    bare, tight, ref, noop = (float("inf"),) * 4
    for _ in range(repeats):
        bare = min(bare, best_of(lambda: bare_loop(x, y, weights, batch_size, epochs, 0.01), 1))
        tight = min(tight, best_of(lambda: tight_loop(x, y, weights, batch_size, epochs, 0.01), 1))
        ref = min(ref, best_of(run_refimpl, 1))
        noop = min(noop, best_of(lambda: run_refimpl([keras.callbacks.Callback() for _ in range(10)]), 1))
    row = {"case": name, "steps": steps, "bare_us_per_step": bare / steps * 1e6,
           "tight_us_per_step": tight / steps * 1e6, "refimpl_us_per_step": ref / steps * 1e6,
           "fit_vs_bare": ref / bare, "fit_vs_tight": ref / tight, "noop_callbacks_overhead": noop / ref - 1}
    try:
        os.environ.setdefault("KERAS_BACKEND", "jax")
        import keras as real_keras  # noqa: PLC0415  (optional: only when installed)

        kmodel = make_model(real_keras, sizes)
        kmodel.set_weights(weights)

        def run_keras():
            kmodel.compile(optimizer=real_keras.optimizers.SGD(0.01), loss="categorical_crossentropy")
            kmodel.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=False, verbose=0)

        run_keras()  # compile once before timing
        # Wall time: Keras runs threads whose CPU time would all count under process_time.
        row["keras_us_per_step"] = best_of(run_keras, repeats, clock=time.perf_counter) / steps * 1e6
    except ImportError:
        row["keras_us_per_step"] = None
    return row


def predict_memory(rows=1_000_000, width=64):
    model = make_model(keras, [width, 10])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    x = np.random.default_rng(0).normal(size=(rows, width)).astype("float32")
    tracemalloc.start()
    out = model.predict(x, batch_size=1024, verbose=0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    io_bytes = x.nbytes + out.nbytes
    # x was allocated before tracing started, so the traced peak is what predict added; count x back in.
    return {"rows": rows, "width": width, "input_plus_output_mb": io_bytes / 2**20,
            "peak_mb": (peak + x.nbytes) / 2**20, "predict_peak_vs_io": (peak + x.nbytes) / io_bytes}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "core.json"))
    args = ap.parse_args(argv)
    n = 2048 if args.quick else 8192
    fits = [fit_case("mlp 64-128-10, batch 32", [64, 128, 10], 32, n, 2, args.repeats),
            fit_case("tiny 4-8-10, batch 4", [4, 8, 10], 4, n // 4, 2, args.repeats)]
    memory = predict_memory(rows=100_000 if args.quick else 1_000_000)
    print(f"{'case (us per step)':28s} {'bare':>8s} {'tight':>8s} {'refimpl':>8s} {'keras':>8s} {'vs bare':>8s} "
          f"{'vs tight':>8s} {'10 no-op cb':>11s}")
    for r in fits:
        keras_us = f"{r['keras_us_per_step']:8.1f}" if r["keras_us_per_step"] else "       -"
        print(f"{r['case']:28s} {r['bare_us_per_step']:8.1f} {r['tight_us_per_step']:8.1f} "
              f"{r['refimpl_us_per_step']:8.1f} {keras_us} {r['fit_vs_bare']:8.2f} {r['fit_vs_tight']:8.2f} "
              f"{r['noop_callbacks_overhead']:+10.1%}")
    print(f"predict {memory['rows']}x{memory['width']}: peak {memory['peak_mb']:.0f} MB for "
          f"{memory['input_plus_output_mb']:.0f} MB in+out ({memory['predict_peak_vs_io']:.2f}x)")
    checks = {
        "fit_vs_bare": max(r["fit_vs_bare"] for r in fits) <= TARGETS["fit_vs_bare"],
        "fit_vs_tight": max(r["fit_vs_tight"] for r in fits) <= TARGETS["fit_vs_tight"],
        "noop_callbacks_overhead": fits[1]["noop_callbacks_overhead"] <= TARGETS["noop_callbacks_overhead"],
        "predict_peak_vs_io": memory["predict_peak_vs_io"] <= TARGETS["predict_peak_vs_io"],
    }
    result = {"python": sys.version.split()[0], "machine": platform.machine(), "numpy": np.__version__,
              "targets": TARGETS, "fit": fits, "predict_memory": memory, "met": checks,
              "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    for name, ok in checks.items():
        print(f"{'met ' if ok else 'MISSED'} {name} (target {TARGETS[name]})")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
