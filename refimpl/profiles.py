"""Profiles: what differs between the callback contracts of Keras 3, tf-keras, Keras 2, 1 and 0.

refimpl follows ``keras3``; the dialect packages (``refimpl.dialects.tf_keras``, ``refimpl.dialects.keras2`` …)
switch a model to another profile so that code written for those systems gets what those systems did: the
Keras 2.2.4 and 1.2.2 behaviour here was measured on the real releases (the conformance harness).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """The knobs that differ between Keras versions.

    Attributes:
        name: ``keras3``, ``tf-keras``, ``keras2``, ``keras1`` or ``keras0`` (for display and saving only: behaviour is
            decided by the settings below, never by comparing names).
        hooks_take_logs: every hook is called with ``logs``; when False (Keras 0), a hook whose
            signature has no ``logs`` parameter is called without it.
        batch_logs_size: batch hooks' logs carry ``batch`` and ``size`` (Keras 1/2; not tf-keras).
        batch_values_running_mean: batch-end values are running means over the epoch (Keras 3, tf.keras);
            when False they are the batch's own values and ``BaseLogger`` averages them (Keras 1/2).
        base_logger: ``fit`` adds a ``BaseLogger`` first (Keras 1/2; not tf-keras).
        learning_rate_key: the key LR callbacks write into epoch logs (``lr`` before Keras 3).
        accuracy_key: the logs name of ``metrics=["accuracy"]`` (``acc`` in Keras 1 and 2; tf-keras logs
            ``accuracy``).
        metric_function_names: a metric given by a short name is logged under its function's name
            (``mae`` as ``mean_absolute_error``: Keras 2.2 and 1.2, measured).
        eval_callbacks: ``evaluate`` and ``predict`` take ``callbacks`` and fit's validation run calls the test
            hooks; when False (Keras 2.2: its ``Callback`` has no test or predict hooks) ``evaluate`` and
            ``predict`` refuse ``callbacks`` and the validation run calls no hook.

        batch_history: the model keeps ``batch_history`` / ``epoch_history`` (Keras 0).
        csv_adds_val_columns: ``CSVLogger`` adds ``val_`` columns when the first epoch has no validation
            results (Keras 3); before, the header held the first epoch's keys only.
        checkpoint_skips_without_monitor: ``ModelCheckpoint(save_best_only=True)`` skips saving when the
            monitored value is missing (tf-keras); Keras 3 saves.
        checkpoint_best_starts_infinite: ``ModelCheckpoint``'s first "improved from" message shows ``inf``
            / ``-inf`` (tf-keras); Keras 3 shows ``None``.
        checkpoint_says_finished: ``ModelCheckpoint(verbose=1)`` prints "finished saving" after each save
            (Keras 3).
        train_end_logs: ``on_train_end`` receives a copy of the last epoch's logs (tf-keras, Keras 3); when False
            (Keras 2.2 and 1.2, measured), an empty dict.
        class_weight_with_sample_weight: ``class_weight`` and ``sample_weight`` given together multiply (tf-keras);
            when False, ``class_weight`` is ignored with a warning (Keras 2.2, 1.2 and 0.3, measured and in their
            ``standardize_weights``).
        batch_size_from_steps: arrays given a step count (``steps_per_epoch``, ``validation_steps``, ``steps``) and
            no batch size are cut into batches of ceil(samples / steps), so that every epoch covers them once
            (tf-keras 2.21, measured: 100 samples, ``steps_per_epoch=3``: 34, 34, 32 in each epoch); when False
            the batch size is 32 (Keras 3).
    """

    name: str
    hooks_take_logs: bool = True
    batch_logs_size: bool = False
    batch_values_running_mean: bool = True
    base_logger: bool = False
    learning_rate_key: str = "learning_rate"
    accuracy_key: str | None = None
    metric_function_names: bool = False
    eval_callbacks: bool = True
    batch_history: bool = False
    csv_adds_val_columns: bool = True
    checkpoint_skips_without_monitor: bool = False
    checkpoint_best_starts_infinite: bool = False
    checkpoint_says_finished: bool = True
    train_end_logs: bool = True
    class_weight_with_sample_weight: bool = True
    batch_size_from_steps: bool = False


# What Keras 0, 1, 2 and (for lr, CSVLogger and ModelCheckpoint) tf-keras share against Keras 3.
_BEFORE_KERAS3 = {"batch_logs_size": True, "batch_values_running_mean": False, "base_logger": True,
                  "learning_rate_key": "lr", "csv_adds_val_columns": False, "checkpoint_skips_without_monitor": True,
                  "checkpoint_best_starts_infinite": True, "checkpoint_says_finished": False}

KERAS3 = Profile("keras3")
# tf-keras 2.21, measured: Keras 3's logs (accuracy, running means, no batch/size, no BaseLogger) but lr in logs
# and the older ModelCheckpoint and CSVLogger
TF_KERAS = Profile("tf-keras", **{**_BEFORE_KERAS3, "batch_logs_size": False, "batch_values_running_mean": True,
                                  "base_logger": False}, batch_size_from_steps=True)
# Keras 2.2.4 and 1.2.2, measured through the harness: on_train_end gets {}, mae is logged as mean_absolute_error
KERAS2 = Profile("keras2", **_BEFORE_KERAS3, accuracy_key="acc", metric_function_names=True, eval_callbacks=False,
                 train_end_logs=False, class_weight_with_sample_weight=False)
KERAS1 = Profile("keras1", **_BEFORE_KERAS3, accuracy_key="acc", metric_function_names=True, eval_callbacks=False,
                 train_end_logs=False, class_weight_with_sample_weight=False)
# Keras of May 2015 (its source history): evaluate() took no callbacks and fit's validation called no hook
KERAS0 = Profile("keras0", **_BEFORE_KERAS3, hooks_take_logs=False, batch_history=True, eval_callbacks=False,
                 class_weight_with_sample_weight=False)
PROFILES = {p.name: p for p in (KERAS3, TF_KERAS, KERAS2, KERAS1, KERAS0)}

# The names Keras 2.2 and 1.2 log a metric under when it is given by a short name (measured on 2.2.4 and 1.2.2:
# metrics=['mae', 'mse', 'mape', 'msle'] and ['MAE', 'MSE'] log the functions' names).
FUNCTION_METRIC_NAMES = {"mae": "mean_absolute_error", "MAE": "mean_absolute_error",
                         "mse": "mean_squared_error", "MSE": "mean_squared_error",
                         "mape": "mean_absolute_percentage_error", "MAPE": "mean_absolute_percentage_error",
                         "msle": "mean_squared_logarithmic_error", "MSLE": "mean_squared_logarithmic_error"}


def logged_metric_name(profile: Profile, name: str) -> str:
    """The logs name of a metric compiled as the string ``name`` under ``profile``.

    Example:
        >>> logged_metric_name(KERAS2, "mae"), logged_metric_name(KERAS2, "accuracy"), logged_metric_name(KERAS3, "mae")
        ('mean_absolute_error', 'acc', 'mae')
    """
    if profile.accuracy_key and name == "accuracy":
        return profile.accuracy_key
    if profile.metric_function_names:
        return FUNCTION_METRIC_NAMES.get(name, name)
    return name


def get(name: str) -> Profile:
    """Return the profile called ``name``.

    Raises:
        ValueError: for an unknown name; the message lists the known ones.
    """
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"Unknown profile {name!r}. Known profiles: {', '.join(PROFILES)}.") from None


def class_weight_in_use(profile: Profile, class_weight, sample_weight):
    """``class_weight``, or ``None`` where ``profile`` ignores it beside ``sample_weight`` (Keras 2.2 and older),
    with a warning saying so."""
    if class_weight is None or sample_weight is None or profile.class_weight_with_sample_weight:
        return class_weight
    warnings.warn(f"class_weight is ignored because sample_weight was given, as in Keras 2.2 and older "
                  f"(profile {profile.name}); pass the class weights inside sample_weight instead.", stacklevel=3)
    return None

