"""Callbacks with one realistic bug each (`MUTANTS`), and their fixed versions (`CLEAN`).

Each factory takes the working directory and the Keras-like module, as `conformance.callback_check` offers.
`EXPECTED[name]` is the kind of finding the check must report for the mutant: crash, hang, file or invariant.
"""

from __future__ import annotations

import csv
import json
import os
import queue


def csv_requires_val(workdir, keras, clean=False):
    """A CSV logger that writes loss and val_loss; the mutant crashes when a fit has no validation."""

    class Logger(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.path = workdir / "log.csv"
            if not self.path.exists():
                self.path.write_text("epoch,loss,val_loss\n")

        def on_epoch_end(self, epoch, logs=None):
            val = logs.get("val_loss", "") if clean else logs["val_loss"]
            with open(self.path, "a") as f:
                f.write(f"{epoch},{logs['loss']},{val}\n")

    return Logger()


def checkpoint_val_every_epoch(workdir, keras, clean=False):
    """Keeps the best val_loss; the mutant decides at the first epoch that every epoch has validation."""

    class Best(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.best, self.validated = float("inf"), None

        def on_epoch_end(self, epoch, logs=None):
            if self.validated is None or clean:
                self.validated = "val_loss" in logs
            if self.validated and logs["val_loss"] < self.best:
                self.best = logs["val_loss"]
                tmp = workdir / "best.json.tmp"
                tmp.write_text(json.dumps({"epoch": epoch, "val_loss": float(self.best)}))
                os.replace(tmp, workdir / "best.json")

    return Best()


def progbar_known_steps(workdir, keras, clean=False):
    """Prints a percentage per batch; the mutant divides by params['steps'], None for a generator."""

    class Bar(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            steps = self.params.get("steps")
            if clean and not steps:
                print(f"batch {batch + 1}")
                return
            print(f"{100 * (batch + 1) // steps}%")

    return Bar()


def train_begin_first(workdir, keras, clean=False):
    """Collects test losses; the mutant makes its list in on_train_begin, so evaluate() alone crashes."""

    class Collect(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            if clean:
                self.test_losses = []

        def on_train_begin(self, logs=None):
            self.test_losses = []

        def on_test_end(self, logs=None):
            self.test_losses.append(logs.get("loss") if logs else None)

    return Collect()


class EpochCounter:
    """Counts the epochs of the current fit; declares that the count equals the epochs the fit ran."""

    conformance_invariants = ("counts_this_fit",)

    def counts_this_fit(self, record):
        last = record.last
        if last.method == "fit" and last.outcome == "completed":
            assert self.count == len(last.epochs), (
                f"counted {self.count} epochs, the fit ran {len(last.epochs)}")


def state_across_fits(workdir, keras, clean=False):
    """The mutant resets its count in __init__ only, so a second fit on the same instance counts on."""

    class Counter(EpochCounter, keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.count = 0

        def on_train_begin(self, logs=None):
            if clean:
                self.count = 0

        def on_epoch_end(self, epoch, logs=None):
            self.count += 1

    return Counter()


def nonatomic_json(workdir, keras, clean=False):
    """Keeps a JSON list of epoch logs; the mutant streams it ('[' at the start, ']' at the end), so an
    interrupted fit leaves a file json cannot read."""

    class Journal(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.rows = []
            if not clean:
                self.f = open(workdir / "epochs.json", "w")
                self.f.write("[")
                self.f.flush()

        def on_epoch_end(self, epoch, logs=None):
            row = {"epoch": epoch, **{k: float(v) for k, v in logs.items()}}
            self.rows.append(row)
            if clean:
                tmp = workdir / "epochs.json.tmp"
                tmp.write_text(json.dumps(self.rows))
                os.replace(tmp, workdir / "epochs.json")
            else:
                self.f.write(("," if len(self.rows) > 1 else "") + json.dumps(row))
                self.f.flush()

        def on_train_end(self, logs=None):
            if not clean:
                self.f.write("]")
                self.f.close()

    return Journal()


def hang_zero_epochs(workdir, keras, clean=False):
    """Hands epoch results to a writer through a queue; the mutant's on_train_end waits for one result,
    which never comes when a fit runs no epoch."""

    class Queued(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.q = queue.Queue()

        def on_epoch_end(self, epoch, logs=None):
            self.q.put(dict(logs))

        def on_train_end(self, logs=None):
            last = None
            if clean:
                while not self.q.empty():
                    last = self.q.get()
            else:
                last = self.q.get()  # blocks forever on an empty queue
                while not self.q.empty():
                    last = self.q.get()
            self.last = last

    return Queued()


def needs_accuracy(workdir, keras, clean=False):
    """Tracks the best accuracy; the mutant reads logs['accuracy'], absent when no accuracy is compiled."""

    class BestAccuracy(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.best = 0.0

        def on_epoch_end(self, epoch, logs=None):
            acc = logs.get("accuracy") if clean else logs["accuracy"]
            if acc is not None:
                self.best = max(self.best, acc)

    return BestAccuracy()


def one_batch_end_per_step(workdir, keras, clean=False):
    """Averages batch losses; the mutant asserts one on_train_batch_end per step, which steps_per_execution,
    an early stop and a generator that runs dry all break."""

    class Mean(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.losses = []

        def on_train_batch_end(self, batch, logs=None):
            self.losses.append(logs["loss"])

        def on_epoch_end(self, epoch, logs=None):
            steps = self.params.get("steps")
            if not clean and steps is not None and len(self.losses) != steps:
                raise RuntimeError(f"expected {steps} batch losses, got {len(self.losses)}")
            self.mean = sum(self.losses) / max(len(self.losses), 1)

    return Mean()


def fixed_csv_columns(workdir, keras, clean=False):
    """A csv.DictWriter whose columns come from the first epoch's logs; the mutant crashes when a later
    epoch has another key (val_ keys under validation_freq, a key another callback adds)."""

    class DictLogger(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.writer = None
            self.f = open(workdir / "log.csv", "w", newline="")

        def on_epoch_end(self, epoch, logs=None):
            row = {"epoch": epoch, **logs}
            if self.writer is None:
                self.writer = csv.DictWriter(self.f, fieldnames=list(row),
                                             extrasaction="ignore" if clean else "raise", restval="")
                self.writer.writeheader()
            self.writer.writerow(row)
            self.f.flush()

        def on_train_end(self, logs=None):
            self.f.close()

    return DictLogger()


def final_epoch_report(workdir, keras, clean=False):
    """Writes a summary at the end of a fit; the mutant reads the last epoch's logs as if params['epochs']
    epochs always ran (not so after stop_training, a dry generator, or epochs=0)."""

    class Summary(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.per_epoch = {}

        def on_epoch_end(self, epoch, logs=None):
            self.per_epoch[epoch] = dict(logs)

        def on_train_end(self, logs=None):
            if clean:
                last = self.per_epoch[max(self.per_epoch)] if self.per_epoch else {}
            else:
                last = self.per_epoch[self.params["epochs"] - 1]
            tmp = workdir / "summary.json.tmp"
            tmp.write_text(json.dumps({k: float(v) for k, v in last.items()}))
            os.replace(tmp, workdir / "summary.json")

    return Summary()


def test_end_means_validation(workdir, keras, clean=False):
    """Reads val_loss at the end of an epoch in which it saw on_test_end; an evaluate nested in fit (from
    another callback) also ends with on_test_end, without making val_ keys."""

    class AfterValidation(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.tested = False

        def on_test_end(self, logs=None):
            self.tested = True

        def on_epoch_end(self, epoch, logs=None):
            if getattr(self, "tested", False) and (not clean or "val_loss" in logs):
                self.last_val = logs["val_loss"]

    return AfterValidation()


EXPECTED = {
    "csv_requires_val": "crash", "checkpoint_val_every_epoch": "crash", "progbar_known_steps": "crash",
    "train_begin_first": "crash", "state_across_fits": "invariant", "nonatomic_json": "file",
    "hang_zero_epochs": "hang", "needs_accuracy": "crash", "one_batch_end_per_step": "crash",
    "fixed_csv_columns": "crash", "final_epoch_report": "crash", "test_end_means_validation": "crash",
}


def _clean(factory):
    def make(workdir, keras):
        return factory(workdir, keras, clean=True)
    make.__name__ = make.__qualname__ = f"{factory.__name__}_clean"
    return make


for _name in list(EXPECTED):
    globals()[f"{_name}_clean"] = _clean(globals()[_name])
