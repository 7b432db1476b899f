"""Profiles: what differs between the callback contracts of Keras 3, 2, 1 and 0.

refimpl follows ``keras3``; the dialect packages (``refimpl.dialects.keras2`` …) switch a model to an
older profile so that code written for those versions gets what their documentation promised.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """The knobs that differ between Keras versions.

    Attributes:
        name: ``keras3``, ``keras2``, ``keras1`` or ``keras0`` (for display and saving only: behaviour is
            decided by the settings below, never by comparing names).
        hooks_take_logs: every hook is called with ``logs``; when False (Keras 0), a hook whose
            signature has no ``logs`` parameter is called without it.
        batch_logs_size: batch hooks' logs carry ``batch`` and ``size`` (Keras 1/2).
        batch_values_running_mean: batch-end values are running means over the epoch (Keras 3, tf.keras);
            when False they are the batch's own values and ``BaseLogger`` averages them (Keras 1/2).
        base_logger: ``fit`` adds a ``BaseLogger`` first (Keras 1/2).
        learning_rate_key: the key LR callbacks write into epoch logs (``lr`` before Keras 3).
        accuracy_key: the logs name of ``metrics=["accuracy"]`` (``acc`` in Keras 1 and 2).
        batch_history: the model keeps ``batch_history`` / ``epoch_history`` (Keras 0).
        csv_adds_val_columns: ``CSVLogger`` adds ``val_`` columns when the first epoch has no validation
            results (Keras 3); before, the header held the first epoch's keys only.
        checkpoint_skips_without_monitor: ``ModelCheckpoint(save_best_only=True)`` skips saving when the
            monitored value is missing (tf-keras); Keras 3 saves.
        checkpoint_best_starts_infinite: ``ModelCheckpoint``'s first "improved from" message shows ``inf``
            / ``-inf`` (tf-keras); Keras 3 shows ``None``.
        checkpoint_says_finished: ``ModelCheckpoint(verbose=1)`` prints "finished saving" after each save
            (Keras 3).
        train_end_logs: ``on_train_end`` receives a copy of the last epoch's logs; when False (Keras 1),
            an empty dict.
    """

    name: str
    hooks_take_logs: bool = True
    batch_logs_size: bool = False
    batch_values_running_mean: bool = True
    base_logger: bool = False
    learning_rate_key: str = "learning_rate"
    accuracy_key: str | None = None
    batch_history: bool = False
    csv_adds_val_columns: bool = True
    checkpoint_skips_without_monitor: bool = False
    checkpoint_best_starts_infinite: bool = False
    checkpoint_says_finished: bool = True
    train_end_logs: bool = True


# What Keras 0, 1 and 2 (tf-keras) share against Keras 3.
_BEFORE_KERAS3 = {"batch_logs_size": True, "batch_values_running_mean": False, "base_logger": True,
                  "learning_rate_key": "lr", "csv_adds_val_columns": False, "checkpoint_skips_without_monitor": True,
                  "checkpoint_best_starts_infinite": True, "checkpoint_says_finished": False}

KERAS3 = Profile("keras3")
KERAS2 = Profile("keras2", **_BEFORE_KERAS3, accuracy_key="acc")
KERAS1 = Profile("keras1", **_BEFORE_KERAS3, accuracy_key="acc", train_end_logs=False)  # Keras 1.2.2, measured
KERAS0 = Profile("keras0", **_BEFORE_KERAS3, hooks_take_logs=False, batch_history=True)
PROFILES = {p.name: p for p in (KERAS3, KERAS2, KERAS1, KERAS0)}


def get(name: str) -> Profile:
    """Return the profile called ``name``.

    Raises:
        ValueError: for an unknown name; the message lists the known ones.
    """
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"Unknown profile {name!r}. Known profiles: {', '.join(PROFILES)}.") from None
