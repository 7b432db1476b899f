"""The training, evaluation and prediction loops, and the hooks they call.

One epoch of ``fit``: ``on_epoch_begin``; per execution of ``steps_per_execution`` batches,
``on_train_batch_begin(first index)`` and ``on_train_batch_end(last index, running means)``, stopping
after the batch end at which ``model.stop_training`` is set; then (when due) the validation run with
``on_test_*`` on the same callbacks; then ``on_epoch_end`` with ``val_``-prefixed results.
"""

from __future__ import annotations

import math

import numpy as np

from ..callbacks.callback_list import CallbackList
from ..layers.base import forward
from ..losses import Loss
from ..profiles import class_weight_in_use, logged_metric_name
from . import arguments as args
from .data import ArraySource, EpochBatches, executions, warn_ran_out, weigh_classes
from .fit_state import FitState
from .fused import dense_softmax_sgd


def _batch_logs(profile, index: int, batch) -> dict:
    return {"batch": index, "size": len(batch[0])} if profile.batch_logs_size else {}


_FLOAT32 = np.dtype("float32")


class Step:
    """The numpy maths of one batch, bound once per loop so the per-batch path does no lookups."""

    def __init__(self, model):
        self.layers = model._compute_layers()
        self.loss = model._compiled.loss
        self.optimizer = model.optimizer
        self.variables = [v for layer in self.layers for v in layer.trainable_weights]
        self.trainable_layers = [layer for layer in self.layers if layer.trainable_weights]
        # The first layer with weights needs no input gradient: nothing before it learns.
        first = next((i for i, layer in enumerate(self.layers) if layer.trainable_weights), len(self.layers))
        self.backward_layers = self.layers[first:][::-1]
        self._uniform: dict[int, tuple[np.ndarray, np.float32]] = {}
        # compile(loss_weights=[w]) scales the loss, its gradient and the logged value.
        self.loss_scale = np.float32(model._loss_scale)
        self.scaled = bool(self.loss_scale != 1)
        # Float32 targets of the prediction's rank need no preparing when the loss keeps Loss.prepare.
        self.plain_targets = type(self.loss).prepare is Loss.prepare and not self.loss.sparse
        self.inner_backward = self.backward_layers[:-1]
        self.first_backward = self.backward_layers[-1] if self.backward_layers else None
        # The common Dense/softmax/crossentropy/SGD model trains through one fused closure (same values).
        fused = dense_softmax_sgd(self)
        if fused is not None:
            self.train = fused

    def _batch_constants(self, n: int):
        """``(1/n per sample, n)`` as float32, made once per batch size."""
        found = self._uniform.get(n)
        if found is None:
            found = self._uniform[n] = (np.full(n, 1.0 / n, dtype="float32"), np.float32(n))
        return found

    def check_trainable(self) -> None:
        """Fail before training when a layer that needs a backward pass has none (a Keras-style call() layer).

        Raises:
            NotImplementedError: naming the layer and refimpl's scope (numpy, no automatic differentiation).
        """
        from ..layers.base import Layer, no_autodiff_message

        for layer in self.backward_layers:
            if type(layer).backward is Layer.backward:
                raise NotImplementedError(no_autodiff_message(f"Layer '{layer.name}' ({type(layer).__name__})"))

    def general_train(self, x, y, sw):
        """One training batch of any model: the loss, the batch size and the predictions."""
        y_pred = forward(self.layers, x, True)
        if self.plain_targets and y.dtype == _FLOAT32 and y.ndim == y_pred.ndim:
            y_true, y_pred_checked = y, y_pred  # what Loss.prepare would return
        else:
            y_true, y_pred_checked = self.loss.prepare(y, y_pred)
        n = y_pred.shape[0]
        upstream, n32 = self._batch_constants(n)
        if sw is not None:
            upstream = sw.reshape(n).astype("float32", copy=False) / n32
        if self.scaled:
            upstream = upstream * self.loss_scale
        values, grad = self.loss.values_and_gradient(y_true, y_pred_checked, upstream)
        # sum(w * v) / n, in float32 as Keras reduces it.
        loss_value = np.add.reduce(values if sw is None else values * sw.reshape(n), dtype="float32") / n32
        if self.scaled:
            loss_value = loss_value * self.loss_scale
        if grad.dtype != _FLOAT32:
            grad = grad.astype("float32")
        for layer in self.inner_backward:
            grad = layer.backward(grad)
        if self.first_backward is not None:
            self.first_backward.backward(grad, need_input_grad=False)
        grads = [g for layer in self.trainable_layers for g in layer.grads]
        self.optimizer.apply(grads, self.variables)
        return float(loss_value), n, y_pred

    train = general_train

    def test(self, x, y, sw):
        y_pred = forward(self.layers, x, False)
        y_true, y_pred_checked = self.loss.prepare(y, y_pred)
        values = self.loss.values(y_true, y_pred_checked)
        n = values.shape[0]
        if sw is not None:
            values = values * sw.reshape(n)
        return float(values.sum(dtype="float32") / np.float32(n) * self.loss_scale), n, y_pred


def _executions(batches: EpochBatches, steps_per_execution: int):
    first, rest = batches.peek_epoch()
    if first is None:
        return None
    return executions(first, rest, steps_per_execution)


def run_test_loop(model, batches: EpochBatches, callbacks: CallbackList, step: Step, steps_per_execution: int,
                  profile) -> dict:
    """One evaluation: ``on_test_begin``, test batch hooks, ``on_test_end``; returns the final logs.

    A PyDataset's ``on_epoch_end`` runs before ``on_test_begin`` and after the last batch (as Keras 3 resets
    its iterator before each run and ends the pass after it), not after a run ``stop_evaluating`` cut short.
    """
    batches.source.on_epoch_end()
    model.stop_evaluating = False
    callbacks.on_test_begin({})
    logs: dict = {}
    groups = _executions(batches, steps_per_execution)
    running = None
    for index, group in groups or ():
        callbacks.on_test_batch_begin(index, _batch_logs(profile, index, group[0]))
        for x, y, sw in group:
            loss_value, n, y_pred = step.test(x, y, sw)
            if running is None:
                running = model._compiled.fresh(y.shape if y is not None else None, y_pred.shape)
            running.update(loss_value, n, y, y_pred, sw)
        logs = running.logs()
        callbacks.on_test_batch_end(index + len(group) - 1, logs)
        if model.stop_evaluating:
            break
    else:
        batches.source.on_epoch_end()
    callbacks.on_test_end(logs)
    return logs


def _fit_data(model, config: args.FitConfig):
    """The training batches and (when asked for) the validation batches of ``fit``, all arguments checked."""
    source = args.make_source(config.x, config.y, config.sample_weight, config.batch_size, config.shuffle, "x",
                              expect_targets=True)
    is_array = isinstance(source, ArraySource)
    args.check_validation_split(config.validation_split, is_array)
    if config.validation_split and config.validation_data is not None:
        raise ValueError("Pass either validation_split or validation_data, not both.")
    val_source = None
    if config.validation_split:
        source, val_source = _split(source, config.validation_split, config.validation_batch_size)
    elif config.validation_data is not None:
        val_source = _validation_source(config.validation_data, config.validation_batch_size or config.batch_size)
    if is_array:
        model._check_input_width(source.x.shape[1:], "x")
        model._check_targets(source.y, "y")
    if isinstance(val_source, ArraySource):
        model._check_input_width(val_source.x.shape[1:], "validation_data")
        model._check_targets(val_source.y, "validation_data")
    cw = args.check_class_weight(config.class_weight, model._num_classes())
    if is_array:
        cw = class_weight_in_use(model._profile, cw, source.sw)
    if cw is not None and is_array:
        # Arrays: turn class weights into per-sample weights once, not per batch.
        source.sw = weigh_classes(source.y, source.sw, cw)
        cw = None
    batched = _batched_by_steps(model, source, config.batch_size, config.steps_per_epoch)
    val_source = _batched_by_steps(model, val_source, config.validation_batch_size or config.batch_size,
                                   config.validation_steps)
    # Batches cut to cover the arrays in steps_per_epoch steps: every epoch is one whole pass (tf-keras)
    train_batches = EpochBatches(batched, config.steps_per_epoch, class_weight=cw, carry_over=batched is source)
    val_batches = None
    if val_source is not None:
        val_batches = EpochBatches(val_source, config.validation_steps, carry_over=False)
    return batched, train_batches, val_batches


def _batched_by_steps(model, source, batch_size, steps):
    """``source`` cut into ceil(samples / steps) batches, for arrays given a step count and no ``batch_size`` in a
    profile that does so (tf-keras); else ``source`` itself."""
    if batch_size is None and steps and model._profile.batch_size_from_steps and isinstance(source, ArraySource):
        return ArraySource(source.x, source.y, source.sw, math.ceil(source.n / steps), source.shuffle)
    return source


def _split(source: ArraySource, validation_split: float, validation_batch_size):
    """``validation_split``: the last part of the arrays becomes the validation source."""
    split_at = int(math.floor(source.n * (1.0 - validation_split)))
    if split_at == 0 or split_at == source.n:
        raise ValueError(f"validation_split={validation_split} leaves no samples for "
                         f"{'training' if split_at == 0 else 'validation'} out of {source.n}.")
    sw = source.sw
    val_source = ArraySource(source.x[split_at:], source.y[split_at:], None if sw is None else sw[split_at:],
                             validation_batch_size or source.batch_size, False)
    train_source = ArraySource(source.x[:split_at], source.y[:split_at], None if sw is None else sw[:split_at],
                               source.batch_size, source.shuffle)
    return train_source, val_source


def fit(model, config: args.FitConfig):
    """Run ``Model.fit`` as ``config`` says; return the History."""
    profile = model._profile
    model._require_compiled("fit")
    verbose = config.check()  # every argument is checked before any callback or epoch runs
    source, train_batches, val_batches = _fit_data(model, config)
    epochs = config.epochs

    spe = model._steps_per_execution
    state = FitState(model, epochs, config.initial_epoch)
    cb_list = CallbackList(config.callbacks, add_history=True, add_progbar=verbose != 0, model=model,
                           profile=profile, fit_state=state, verbose=verbose, epochs=epochs,
                           steps=train_batches.steps_per_epoch)
    model.history = cb_list.history
    # Keras 2.2 and older: fit's validation run calls no hook (their Callback has no test hooks)
    val_cb_list = cb_list if profile.eval_callbacks else CallbackList([], model=model, profile=profile)
    step = Step(model)
    step.check_trainable()
    if getattr(model.optimizer, "_built_for", True) is None:
        model.optimizer.build(step.variables)  # Keras 3 builds it before on_train_begin (model.summary() counts it)
    source.on_epoch_end()  # a PyDataset's, once before training starts (Keras 3)
    model.stop_training = False
    cb_list.on_train_begin({})
    # A callback (BackupAndRestore) may have asked, in on_train_begin, to resume an interrupted run.
    initial_epoch = state._begin(cb_list.history)
    training_logs: dict = {}
    for epoch in range(initial_epoch, epochs):
        epoch_logs = _train_epoch(model, epoch, train_batches, cb_list, step, state, profile, spe)
        if epoch_logs is None:
            warn_ran_out("x", config.steps_per_epoch, epochs)
            break
        if val_batches is not None and args.should_validate(epoch, config.validation_freq):
            val_logs = run_test_loop(model, val_batches, val_cb_list, step, spe, profile)
            epoch_logs.update({"val_" + k: v for k, v in val_logs.items()})
        training_logs = dict(epoch_logs)
        cb_list.on_epoch_end(epoch, epoch_logs)
        if model.stop_training:
            break
    if epochs > initial_epoch:
        model.optimizer.finalize_variable_values(step.variables)
    cb_list.on_train_end(training_logs if profile.train_end_logs else {})
    return cb_list.history


def _train_epoch(model, epoch: int, batches: EpochBatches, cb_list: CallbackList, step: Step, state: FitState,
                 profile, spe: int) -> dict | None:
    """One epoch's training batches with their hooks; its logs, or None when the data ran out."""
    skip = state._enter_epoch(epoch)
    groups = _executions(batches, spe)
    if groups is None:
        return None
    y_shape = batches.source.y.shape if isinstance(batches.source, ArraySource) else None
    # Running means are only turned into a logs dict per batch when some callback will read it, and a batch
    # hook nobody defines is not called at all. A callback may gain a hook during the run (tqdm sets
    # on_batch_end in on_epoch_begin), so dispatches() is asked each time: two integer comparisons.
    running = update = None
    train = step.train
    per_batch_values = not profile.batch_values_running_mean
    cb_list.on_epoch_begin(epoch, {})
    logs: dict = {}
    for index, group in groups:
        if index < skip:
            continue  # trained before the interruption
        if skip:
            skip = 0
            state._leave_skipped()
        if cb_list.dispatches("on_train_batch_begin"):
            cb_list.on_train_batch_begin(index, _batch_logs(profile, index, group[0]))
        this_batch = None
        for x_b, y_b, sw_b in group:
            loss_value, n, y_pred = train(x_b, y_b, sw_b)
            if running is None:
                running = model._compiled.fresh(y_b.shape if y_shape is None else y_shape, y_pred.shape)
                state._start_metrics(running)
                update = running.update
            update(loss_value, n, y_b, y_pred, sw_b)
            if per_batch_values:
                # Keras 1/2 logged each batch's own values; BaseLogger averaged them per epoch.
                this_batch = this_batch or model._compiled.fresh(y_b.shape, y_pred.shape)
                this_batch.update(loss_value, n, y_b, y_pred, sw_b)
        state.step = index + len(group)
        if cb_list.dispatches("on_train_batch_end"):
            logs = (this_batch or running).logs()
            if profile.batch_logs_size:
                logs = {"batch": index, "size": sum(len(b[0]) for b in group), **logs}
            cb_list.on_train_batch_end(index + len(group) - 1, logs)
        if model.stop_training:
            break
    else:
        # The epoch's batches are done: a PyDataset's on_epoch_end runs now, before validation (Keras 3);
        # not after an epoch that stop_training cut short.
        batches.source.on_epoch_end()
    return running.logs()


def _validation_source(validation_data, batch_size):
    from ..utils.py_dataset import PyDataset
    from .data import GeneratorSource, PyDatasetSource, is_generator_like

    if isinstance(validation_data, PyDataset):
        return PyDatasetSource(validation_data, "validation_data")
    if is_generator_like(validation_data):
        return GeneratorSource(validation_data, "validation_data")
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
        raise ValueError("validation_data must be a tuple (x_val, y_val) or (x_val, y_val, val_sample_weight), "
                         f"a generator or a PyDataset; got {type(validation_data).__name__}.")
    vx, vy, *rest = validation_data
    return args.make_source(vx, vy, rest[0] if rest else None, batch_size, False, "validation_data",
                            expect_targets=True)


def evaluate(model, x, y, batch_size, verbose, sample_weight, steps, callbacks, return_dict):
    model._require_compiled("evaluate")
    verbose = args.resolve_verbose(verbose)
    args.check_callbacks(callbacks)
    args.check_int(steps, "steps", 1, allow_none=True)
    source = args.make_source(x, y, sample_weight, batch_size, False, "x", expect_targets=True)
    if isinstance(source, ArraySource):
        model._check_input_width(source.x.shape[1:], "x")
        model._check_targets(source.y, "y")
    batches = EpochBatches(_batched_by_steps(model, source, batch_size, steps), steps)
    cb_list = CallbackList(callbacks, add_progbar=verbose != 0, model=model, profile=model._profile,
                           verbose=verbose, epochs=1, steps=batches.steps_per_epoch)
    step = Step(model)
    logs = run_test_loop(model, batches, cb_list, step, model._steps_per_execution, model._profile)
    if return_dict:
        return logs
    names = model._compiled.metrics_names
    if not logs:
        return None
    names = [logged_metric_name(model._profile, n) for n in names]
    values = [logs[name] for name in names]
    return values[0] if len(values) == 1 else values


def predict(model, x, batch_size, verbose, steps, callbacks):
    verbose = args.resolve_verbose(verbose)
    args.check_callbacks(callbacks)
    args.check_int(steps, "steps", 1, allow_none=True)
    source = args.make_source(x, None, None, batch_size, False, "x", expect_targets=False, check_values=False)
    if isinstance(source, ArraySource):
        model._check_input_width(source.x.shape[1:], "x")
    batches = EpochBatches(_batched_by_steps(model, source, batch_size, steps), steps)
    cb_list = CallbackList(callbacks, add_progbar=verbose != 0, model=model, profile=model._profile,
                           verbose=verbose, epochs=1, steps=batches.steps_per_epoch)
    layers = model._compute_layers()
    model.stop_predicting = False
    cb_list.on_predict_begin({})
    spe = model._steps_per_execution
    total = source.n if isinstance(source, ArraySource) and steps is None else None
    out: np.ndarray | None = None
    pieces: list[np.ndarray] = []
    filled = 0
    for index, group in _executions(batches, spe) or ():
        cb_list.on_predict_batch_begin(index, _batch_logs(model._profile, index, group[0]))
        start = filled
        for x_b, _, _ in group:
            y_b = forward(layers, x_b, False)
            if total is not None:
                if out is None:
                    # Arrays: one output buffer of the final size, so predicting needs no concatenation copy.
                    out = np.empty((total, *y_b.shape[1:]), dtype=y_b.dtype)
                out[filled:filled + len(y_b)] = y_b
            else:
                pieces.append(y_b)
            filled += len(y_b)
        outputs = out[start:filled] if out is not None else np.concatenate(pieces[-len(group):])
        cb_list.on_predict_batch_end(index + len(group) - 1, {"outputs": outputs})
        if model.stop_predicting:
            break
    else:
        source.on_epoch_end()  # Keras 3: once, after the last batch
    cb_list.on_predict_end({})
    if out is not None:
        return out[:filled]
    if not pieces:
        raise ValueError("predict() got no batches from x: the generator or dataset is empty.")
    return np.concatenate(pieces)
