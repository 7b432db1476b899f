"""The suite's facts about each contract profile, in one table.

What the hooks receive is the spec's business (`conformance/spec/hooks.toml`, read by `conformance.model`);
this table holds the rest the suite needs to know: the names a profile logs under, whether its batch values are
running means, and which fit/evaluate/predict arguments its release's signatures can express (what the
strategies may draw). Facts derivable from the spec (which recorder kinds exist, which scenario families bind a
clause) are derived from it here, not restated.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from conformance.spec import PROFILES, SpecError, clause_ids, load_hooks


@dataclass(frozen=True)
class ProfileFacts:
    """What the suite knows about one profile besides the hook table.

    Args:
        name: `keras3`, `tf-keras`, `keras2`, `keras1` or `keras0`.
        releases: The real releases the profile describes, in words (shown in the docs' tables).
        measured: The releases the profile was checked against live (conformance/expectations/ holds what they
            do differently); empty when none is run here.
        lr_key: The epoch logs key LearningRateScheduler writes (`learning_rate`; `lr` before Keras 3).
        metric_names: How a compiled metric is logged when not under its own name (Keras 2.2 and 1.2: accuracy
            as `acc`, `mae` under its function's name `mean_absolute_error`).
        eval_callbacks: evaluate() and predict() take callbacks, and fit's validation run calls the test hooks
            (Keras 2.3 and later); when False (Keras 2.2 and older) the Callback class has no test or predict
            hooks and only fit() takes callbacks.
        running_means: Training batch-end values are running means over the epoch (Keras 3, tf-keras); when False they
            are each batch's own values, averaged into the epoch by BaseLogger (Keras 2, 1, 0).
        full_signatures: fit/evaluate/predict accept generators, PyDatasets, steps, validation_freq,
            validation_batch_size, steps_per_execution and return_dict (tf-keras and Keras 3); the scenarios of
            Keras 2.2, 1 and 0 fit arrays (Keras 2.2 took generators in fit_generator only).
        accuracy_only: compile() has no metrics argument; accuracy comes from show_accuracy (Keras 0).
        initial_epoch: fit() takes initial_epoch (not Keras 0).
        needs_batch_size: scenarios always pass batch_size (Keras 0 defaulted to 128, not 32).
        min_epochs: The smallest epochs value scenarios draw (Keras 2 and older avoid epochs=0).
        class_weight_with_sample_weight: class_weight and sample_weight given together multiply (tf-keras); when
            False the release ignores class_weight (Keras 2.2.4, 1.2.2 and 0.3.3 in standardize_weights, measured
            on 2.2.4), and the test_on_batch reference values use the sample weights alone.
        batches_arrays_by_steps: Arrays passed with steps (steps_per_epoch) and no batch_size are cut into batches
            of ceil(samples / steps), not 32 (tf-keras, measured on 2.21). The driver's test_on_batch values follow
            batches of 32, so the batch-value clauses skip those calls.
    """

    name: str
    releases: str = ""
    measured: tuple[str, ...] = ()
    lr_key: str = "lr"
    metric_names: dict[str, str] = field(default_factory=dict)
    eval_callbacks: bool = True
    running_means: bool = False
    full_signatures: bool = True
    accuracy_only: bool = False
    initial_epoch: bool = True
    needs_batch_size: bool = False
    min_epochs: int = 1
    batches_arrays_by_steps: bool = False
    class_weight_with_sample_weight: bool = True

    @property
    def legacy(self) -> bool:
        """Keras 1 and 0: arrays only and none of the later fit arguments."""
        return not self.full_signatures

    def recorder_kinds(self) -> tuple[str, ...]:
        """The recording callbacks scenarios may use: `no_logs` where the spec has hooks without logs, the
        dispatch recorders where the profile has the clauses of spec/dispatch.toml."""
        from conformance.scenario import DISPATCH_KINDS

        no_logs = any(self.name in h.no_logs for h in load_hooks().values())
        kinds = ("full", "legacy", "no_logs") if no_logs else ("full", "legacy")
        if "dispatch.instance-hooks" in clause_ids(self.name):
            kinds += DISPATCH_KINDS
        return kinds

    def checks_bad_input(self) -> bool:
        """Whether a clause of this profile judges bad fit() arguments (else that scenario family is skipped)."""
        return "errors.bad-fit-arguments" in clause_ids(self.name)


# How Keras 2.2 and 1.2 log the metrics the scenarios compile (measured on Keras 2.2.4 and 1.2.2).
LEGACY_METRIC_NAMES = {"accuracy": "acc", "mae": "mean_absolute_error", "mse": "mean_squared_error"}

TABLE: dict[str, ProfileFacts] = {p.name: p for p in (
    ProfileFacts("keras3", "Keras 3.0 to 3.15", ("keras3-jax", "keras3-torch"), lr_key="learning_rate",
                 running_means=True, min_epochs=0),
    # tf-keras 2.21, measured: accuracy as accuracy, running means at batch end (no BaseLogger), lr in logs
    ProfileFacts("tf-keras", "tf-keras 2.15 to 2.21 (tf.keras of TensorFlow 2.x)", ("tf_keras",),
                 running_means=True, batches_arrays_by_steps=True),
    # Keras 2.2.4 and 1.2.2, measured: accuracy is logged as acc, the other metrics under their function's name
    # (metrics=['mae'] logs mean_absolute_error; seed 002's prose says accuracy)
    ProfileFacts("keras2", "standalone Keras 2.0 to 2.3 (the Keras 2 callbacks page, 2017)", ("keras-2.2.4",),
                 metric_names=LEGACY_METRIC_NAMES, eval_callbacks=False, full_signatures=False,
                 class_weight_with_sample_weight=False),
    ProfileFacts("keras1", "Keras 1.0 to 1.2 (the Keras 1 callbacks page, 2016)", ("keras-1.2.2",),
                 metric_names=LEGACY_METRIC_NAMES, eval_callbacks=False, full_signatures=False,
                 class_weight_with_sample_weight=False),
    # Keras of May 2015 (source history, commit 1d61d18, 2015-05-31): evaluate(X, y, batch_size, show_accuracy,
    # verbose) takes no callbacks; fit's validation calls evaluate without them; no stop_training yet
    ProfileFacts("keras0", "Keras 0.x of May 2015 (the Keras 0 callbacks page; not on PyPI)", (), full_signatures=False,
                 eval_callbacks=False, accuracy_only=True, initial_epoch=False, needs_batch_size=True,
                 class_weight_with_sample_weight=False),
)}
assert tuple(TABLE) == PROFILES, "one row per profile of the spec"


def facts(profile: str) -> ProfileFacts:
    """The row of `profile`.

    Raises:
        SpecError: If `profile` is unknown; the message lists the known ones.
    """
    try:
        return TABLE[profile]
    except KeyError:
        raise SpecError(f"unknown profile {profile!r}; known profiles: {', '.join(PROFILES)}") from None


__all__ = ["TABLE", "ProfileFacts", "facts"]
