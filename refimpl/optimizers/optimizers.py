"""SGD, RMSprop, Adam, AdamW and Adagrad with Keras 3's update rules and defaults."""

from __future__ import annotations

import numpy as np

from .base import Optimizer


class SGD(Optimizer):
    """Gradient descent, with optional (Nesterov) momentum.

    ``velocity = momentum * velocity - lr * grad``; the weight moves by ``velocity`` (or, with
    Nesterov, by ``momentum * velocity - lr * grad``).

    Args:
        learning_rate: Defaults to 0.01.
        momentum: in [0, 1]. Defaults to 0.0.
        nesterov: Defaults to `False`.
    """

    default_learning_rate = 0.01

    def __init__(self, learning_rate=None, momentum: float = 0.0, nesterov: bool = False, **kwargs):
        if not 0 <= momentum <= 1:
            raise ValueError(f"momentum must be in [0, 1]; got {momentum!r}.")
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.momentum, self.nesterov = float(momentum), bool(nesterov)

    def build_slots(self, variable):
        return [self._slot(variable, "momentum")] if self.momentum else []

    def apply(self, grads, variables) -> None:
        if self.momentum or self._clips or self.weight_decay or self.use_ema or self._built_for is None:
            return super().apply(grads, variables)
        # Plain SGD, the common case: the same update as ``update`` without a call per variable.
        lr = self._current_lr()
        for var, grad in zip(variables, grads):
            var.value -= lr * grad
        self._count_step()

    def update(self, variable, grad, slots, lr):
        if not slots:
            variable.value -= lr * grad
            return
        m = slots[0].value
        momentum = np.float32(self.momentum)
        m[...] = -grad * lr + m * momentum
        if self.nesterov:
            variable.value += -grad * lr + m * momentum
        else:
            variable.value += m

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class RMSprop(Optimizer):
    """Divides the gradient by a running root mean square of recent gradients.

    Args:
        learning_rate: Defaults to 0.001.
        rho: decay of the squared-gradient average. Defaults to 0.9.
        momentum: Defaults to 0.0.
        epsilon: added inside the square root. Defaults to 1e-7.
        centered: subtract the squared mean gradient from the denominator. Defaults to `False`.
    """

    def __init__(self, learning_rate=None, rho: float = 0.9, momentum: float = 0.0, epsilon: float = 1e-7,
                 centered: bool = False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = float(rho), float(momentum), float(epsilon), centered

    def build_slots(self, variable):
        slots = [self._slot(variable, "velocity")]
        if self.momentum > 0:
            slots.append(self._slot(variable, "momentum"))
        if self.centered:
            slots.append(self._slot(variable, "average_gradient"))
        return slots

    def update(self, variable, grad, slots, lr):
        # (1 - rho) is formed in Python floats before the cast, as Keras does; in float32 it drifts by 1e-7.
        rho, one_minus_rho = np.float32(self.rho), np.float32(1 - self.rho)
        velocity = slots[0].value
        velocity[...] = rho * velocity + one_minus_rho * np.square(grad)
        if self.centered:
            avg = slots[-1].value
            avg[...] = rho * avg + one_minus_rho * grad
            denominator = velocity - np.square(avg) + np.float32(self.epsilon)
        else:
            denominator = velocity + np.float32(self.epsilon)
        increment = lr * grad / np.sqrt(denominator)
        if self.momentum > 0:
            m = slots[1].value
            m[...] = np.float32(self.momentum) * m + increment
            variable.value -= m
        else:
            variable.value -= increment

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                "centered": self.centered}


class Adam(Optimizer):
    """Adaptive moment estimation.

    Args:
        learning_rate: Defaults to 0.001.
        beta_1: decay of the first moment. Defaults to 0.9.
        beta_2: decay of the second moment. Defaults to 0.999.
        epsilon: added to the denominator, outside the square root. Defaults to 1e-7.
        amsgrad: use the running maximum of the second moment. Defaults to `False`.
    """

    def __init__(self, learning_rate=None, beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7,
                 amsgrad: bool = False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = float(beta_1), float(beta_2), float(epsilon), amsgrad

    def build_slots(self, variable):
        slots = [self._slot(variable, "momentum"), self._slot(variable, "velocity")]
        if self.amsgrad:
            slots.append(self._slot(variable, "velocity_hat"))
        return slots

    def update(self, variable, grad, slots, lr):
        step = np.float32(self.iterations.value + 1)
        b1, b2 = np.float32(self.beta_1), np.float32(self.beta_2)
        alpha = lr * np.sqrt(1 - b2**step) / (1 - b1**step)
        m, v = slots[0].value, slots[1].value
        # The moment factors are formed in Python floats (1 - 0.999 == 0.001), the bias corrections in
        # float32 (0.999 ** t): Keras does both that way, and the 5e-5 gap between the two matters.
        m += (grad - m) * np.float32(1 - self.beta_1)
        v += (np.square(grad) - v) * np.float32(1 - self.beta_2)
        if self.amsgrad:
            v_hat = slots[2].value
            np.maximum(v_hat, v, out=v_hat)
            v = v_hat
        variable.value -= (alpha * m) / (np.sqrt(v) + np.float32(self.epsilon))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                "amsgrad": self.amsgrad}


class AdamW(Adam):
    """Adam with decoupled weight decay.

    Args:
        weight_decay: Defaults to 0.004.
    """

    def __init__(self, learning_rate=None, weight_decay: float = 0.004, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, **kwargs)


class Adagrad(Optimizer):
    """Scales each weight's step by the root of its accumulated squared gradients.

    Args:
        learning_rate: Defaults to 0.001.
        initial_accumulator_value: starting value of the accumulators. Defaults to 0.1.
        epsilon: added inside the square root. Defaults to 1e-7.
    """

    def __init__(self, learning_rate=None, initial_accumulator_value: float = 0.1, epsilon: float = 1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.initial_accumulator_value, self.epsilon = float(initial_accumulator_value), float(epsilon)

    def build_slots(self, variable):
        return [self._slot(variable, "accumulator", self.initial_accumulator_value)]

    def update(self, variable, grad, slots, lr):
        acc = slots[0].value
        acc += np.square(grad)
        variable.value -= lr * grad / np.sqrt(acc + np.float32(self.epsilon))

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}
