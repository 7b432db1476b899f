"""Training runs whose results were recorded from live Keras 3.15.1 (jax, CPU) for the unit tests.

``python -m tests.core.keras_reference --impl keras --out tests/core/data/keras_reference.json`` (in a
virtualenv with Keras 3 and KERAS_BACKEND=jax) re-records them; the tests run the same function on
refimpl and compare with the stored numbers.
"""

from __future__ import annotations

import argparse
import importlib
import json

import numpy as np

OPTIMIZERS = {
    "sgd": ("SGD", {"learning_rate": 0.05}),
    "sgd_momentum": ("SGD", {"learning_rate": 0.05, "momentum": 0.9}),
    "sgd_nesterov": ("SGD", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}),
    "rmsprop": ("RMSprop", {"learning_rate": 0.01}),
    "rmsprop_centered_momentum": ("RMSprop", {"learning_rate": 0.01, "momentum": 0.5, "centered": True}),
    "adam": ("Adam", {"learning_rate": 0.01}),
    "adam_amsgrad": ("Adam", {"learning_rate": 0.01, "amsgrad": True}),
    "adamw": ("AdamW", {"learning_rate": 0.01}),
    "adagrad": ("Adagrad", {"learning_rate": 0.1}),
    "sgd_clipnorm": ("SGD", {"learning_rate": 0.05, "clipnorm": 0.1}),
    "sgd_global_clipnorm": ("SGD", {"learning_rate": 0.05, "global_clipnorm": 0.1}),
    "sgd_clipvalue": ("SGD", {"learning_rate": 0.05, "clipvalue": 0.01}),
    "adam_ema": ("Adam", {"learning_rate": 0.01, "use_ema": True, "ema_overwrite_frequency": 3}),
}
LOSSES = {
    "mse": (None, 1), "mae": (None, 1), "binary_crossentropy": ("sigmoid", 1),
    "categorical_crossentropy": ("softmax", 3), "sparse_categorical_crossentropy": ("softmax", 3),
}


def cases():
    for name in OPTIMIZERS:
        yield "mse", name
    for loss in LOSSES:
        if loss != "mse":
            yield loss, "sgd"
            yield loss, "adam"


def run_case(keras, loss: str, opt_name: str) -> dict:
    rng = np.random.default_rng(0)
    activation, units = LOSSES[loss]
    x = rng.normal(size=(20, 3)).astype("float32")
    if loss in ("mse", "mae"):
        y = rng.normal(size=(20, 1)).astype("float32")
    elif loss == "binary_crossentropy":
        y = (rng.random((20, 1)) > 0.5).astype("float32")
    elif loss == "categorical_crossentropy":
        y = np.eye(3, dtype="float32")[rng.integers(0, 3, 20)]
    else:
        y = rng.integers(0, 3, 20).astype("int32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="tanh"),
                              keras.layers.Dense(units, activation=activation)])
    model.set_weights([(rng.normal(size=np.shape(w)) / 2).astype("float32") for w in model.get_weights()])
    cls, kwargs = OPTIMIZERS[opt_name]
    metrics = ["mae"] if loss in ("mse", "mae") else ["accuracy"]
    model.compile(optimizer=getattr(keras.optimizers, cls)(**kwargs), loss=loss, metrics=metrics)
    history = model.fit(x, y, batch_size=8, epochs=3, verbose=0, shuffle=False, validation_data=(x[:6], y[:6]),
                        sample_weight=np.linspace(0.5, 1.5, 20).astype("float32"))
    return {"weights": [np.asarray(w).tolist() for w in model.get_weights()],
            "history": {k: [float(v) for v in vs] for k, vs in history.history.items()}}


def record(keras) -> dict:
    return {f"{loss}/{opt}": run_case(keras, loss, opt) for loss, opt in cases()}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--impl", default="keras")
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    keras = importlib.import_module(args.impl)
    with open(args.out, "w") as f:
        json.dump({"recorded_with": f"{args.impl} {getattr(keras, '__version__', '')}", "cases": record(keras)}, f)


if __name__ == "__main__":
    main()
