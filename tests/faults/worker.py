"""One training run of the fault harness: ``python -m tests.faults.worker WORKDIR``.

Deterministic (fixed seeds), so an uninterrupted run and a killed-then-resumed run must end identically.
At the end it writes ``final.weights.h5`` and ``outcome.json`` (History) atomically.
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np

import refimpl as keras
from refimpl.saving import atomic_write

EPOCHS = 6


def build_model():
    model = keras.Sequential([keras.Input((32,)), keras.layers.Dense(128, activation="relu", name="hidden"),
                              keras.layers.Dropout(0.2, name="drop"), keras.layers.Dense(4, name="out")])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    return model


def data():
    rng = np.random.default_rng(42)
    x = rng.random((480, 32)).astype("float32")
    y = (x[:, :4] * 2.0 - x[:, 4:8]).astype("float32")
    return x, y


def main(workdir: str) -> None:
    keras.utils.set_random_seed(1)
    model = build_model()
    x, y = data()
    callbacks = [
        # delete_checkpoint=False: a run killed after training finished resumes to "nothing left to do".
        keras.callbacks.BackupAndRestore(os.path.join(workdir, "backup"), save_freq=3, delete_checkpoint=False),
        keras.callbacks.ModelCheckpoint(os.path.join(workdir, "model.keras")),
        keras.callbacks.ModelCheckpoint(os.path.join(workdir, "w.{epoch:02d}-{val_loss:.4f}.weights.h5"),
                                        save_weights_only=True),
        keras.callbacks.ModelCheckpoint(os.path.join(workdir, "best.keras"), save_best_only=True),
        keras.callbacks.CSVLogger(os.path.join(workdir, "log.csv"), append=True),
    ]
    print("start", flush=True)  # the harness times its kill from here, past interpreter start-up
    history = model.fit(x, y, batch_size=24, epochs=EPOCHS, validation_split=0.2, verbose=0, callbacks=callbacks)
    model.save_weights(os.path.join(workdir, "final.weights.h5"))
    with atomic_write(os.path.join(workdir, "outcome.json")) as temp:
        with open(temp, "w", encoding="utf-8") as f:
            json.dump({"history": history.history, "epoch": history.epoch}, f)


if __name__ == "__main__":
    main(sys.argv[1])
