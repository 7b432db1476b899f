"""A fused training step for the most common model: Dense layers, softmax, crossentropy and plain SGD.

``Step.train`` runs any model through the layers' own ``forward``/``backward``, the loss's
``values_and_gradient`` and the optimizer's ``apply``. For a chain of Dense layers (ReLU or linear hidden
activations, softmax output) trained with categorical crossentropy and SGD without momentum, clipping, weight
decay, EMA, schedule or decay, ``dense_softmax_sgd`` builds once per fit a closure doing the same
floating-point operations on the same operands in the same order, without a Python call per layer, per
activation or per variable. Only where it writes its results differs: in place into arrays it made itself (a
batch's own temporaries), never into anything a caller can see, so every value is bit for bit the one the
general path computes. A batch the closure was not built for takes the general path: data that is not 2-D
float32, the first batch (the optimizer builds its state there), an optimizer whose settings changed mid-fit.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..activations import Linear, Relu, Softmax
from ..layers.core import Dense
from ..losses import EPSILON, ONE_MINUS_EPSILON, CategoricalCrossentropy, Loss
from ..optimizers.base import Optimizer
from ..optimizers.optimizers import SGD

_FLOAT32 = np.dtype("float32")


def _is_plain_dense(layer) -> bool:
    kind = type(layer)
    return (isinstance(layer, Dense) and kind.forward is Dense.forward and kind.backward is Dense.backward
            and layer.bias is not None and layer.trainable and len(layer.trainable_weights) == 2
            and all(w.value.dtype == _FLOAT32 for w in layer.trainable_weights))


def dense_softmax_sgd(step) -> Callable | None:
    """The fused ``train(x, y, sample_weight)`` for ``step``'s model, or None when the model is not such a chain.

    The closure falls back to ``step.general_train`` for a batch it was not built for.
    """
    layers, loss, opt = step.layers, step.loss, step.optimizer
    if (not layers or step.scaled or len({id(layer) for layer in layers}) != len(layers)
            or not all(_is_plain_dense(layer) for layer in layers)):
        return None
    kinds = [type(layer.activation) for layer in layers]
    if kinds[-1] is not Softmax or any(kind not in (Relu, Linear) for kind in kinds[:-1]):
        return None
    loss_kind = type(loss)
    if not (isinstance(loss, CategoricalCrossentropy) and loss_kind.values_and_gradient
            is CategoricalCrossentropy.values_and_gradient and loss_kind._targets is CategoricalCrossentropy._targets
            and loss_kind.prepare is Loss.prepare and not loss.sparse and not loss.from_logits
            and not loss.label_smoothing):
        return None
    opt_kind = type(opt)
    if not (isinstance(opt, SGD) and opt_kind.apply is SGD.apply and opt_kind._current_lr is Optimizer._current_lr):
        return None

    general = step.general_train
    # Per hidden layer, last to first for the backward pass: (kernel, bias, relu?).
    hidden = [(layer.kernel, layer.bias, kind is Relu) for layer, kind in zip(layers[:-1], kinds[:-1])]
    hidden_backward = hidden[::-1]
    out_kernel, out_bias = layers[-1].kernel, layers[-1].bias
    lr_var, iterations = opt._learning_rate, opt.iterations
    if lr_var.value.dtype != _FLOAT32:
        return None
    constants: dict[int, tuple[np.ndarray, np.float32]] = {}
    add, maximum, minimum, exp, log, f32 = np.add.reduce, np.maximum, np.minimum, np.exp, np.log, np.float32
    # Constants as 0-d float32 arrays: the same float32 operand as a numpy scalar or a Python 0, which a ufunc
    # takes without converting it each call.
    lo, hi, zero = (np.array(c, dtype="float32") for c in (EPSILON, ONE_MINUS_EPSILON, 0))

    def train(x, y, sw):
        if (x.ndim != 2 or y.ndim != 2 or y.dtype is not _FLOAT32 or x.dtype is not _FLOAT32
                or opt._built_for is None or opt.momentum or opt._clips or opt.weight_decay or opt.use_ema
                or opt._schedule is not None or opt.decay):
            return general(x, y, sw)
        # Forward: Dense.forward (x @ kernel, += bias, activation) per layer; Softmax.__call__ at the end.
        inputs, pre = [x], []
        h = x
        for kernel, bias, relu in hidden:
            z = h @ kernel.value
            z += bias.value
            pre.append(z)
            h = maximum(z, zero) if relu else z
            inputs.append(h)
        z = h @ out_kernel.value
        z += out_bias.value
        z -= maximum.reduce(z, axis=-1, keepdims=True)
        exp(z, out=z)
        y_pred = z / add(z, axis=-1, keepdims=True)
        # CategoricalCrossentropy.values_and_gradient with upstream 1/n (or sample_weight / n) per sample.
        n = y_pred.shape[0]
        found = constants.get(n)
        if found is None:
            found = constants[n] = (np.array(1.0 / n, dtype="float32"), f32(n))
        up, n32 = found
        if sw is not None:
            sw = sw.reshape(n)
            up = (sw.astype("float32", copy=False) / n32)[:, None]
        total = add(y_pred, axis=-1, keepdims=True)
        normed = y_pred / total
        clipped = minimum(maximum(normed, lo), hi)
        values = -add(y * log(clipped), axis=-1)
        g = -y / clipped
        g[clipped != normed] = 0
        g -= add(g * normed, axis=-1, keepdims=True)
        g /= total
        g *= up
        loss_value = add(values if sw is None else values * sw, dtype="float32") / n32
        # Softmax.backward, then Dense.backward and the SGD update (var -= lr * grad) per layer; each kernel is
        # used for the input gradient before it is updated, as when all gradients come first.
        lr = lr_var.value  # float32, 0-d
        g -= add(g * y_pred, axis=-1, keepdims=True)
        g *= y_pred
        grad_kernel = inputs[-1].T @ g
        grad_bias = add(g, axis=0)
        if hidden:
            g = g @ out_kernel.value.T
        grad_kernel *= lr
        out_kernel.value -= grad_kernel
        grad_bias *= lr
        out_bias.value -= grad_bias
        i = len(hidden)
        for kernel, bias, relu in hidden_backward:
            i -= 1
            if relu:
                g = g * (pre[i] > zero)
            grad_kernel = inputs[i].T @ g
            grad_bias = add(g, axis=0)
            if i:
                g = g @ kernel.value.T
            grad_kernel *= lr
            kernel.value -= grad_kernel
            grad_bias *= lr
            bias.value -= grad_bias
        count = iterations.value
        count[()] = int(count) + 1  # Optimizer._count_step, inline
        return float(loss_value), n, y_pred

    return train
