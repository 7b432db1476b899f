"""Layers, activations, losses and metrics against values worked out by hand, and gradients numerically."""

from __future__ import annotations

import numpy as np
import pytest

import refimpl as keras
from refimpl import activations, losses, metrics


def numeric_grad(f, x, h=1e-3):
    x = x.astype("float64")
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        g[i] = (f(up) - f(down)) / (2 * h)
    return g


def test_dense_forward_is_x_times_kernel_plus_bias():
    layer = keras.layers.Dense(2, kernel_initializer="ones", bias_initializer="ones")
    out = layer(np.array([[1.0, 2.0, 3.0]], dtype="float32"))
    assert out.tolist() == [[7.0, 7.0]]
    assert [w.shape for w in layer.get_weights()] == [(3, 2), (2,)]


@pytest.mark.parametrize("activation", ["linear", "relu", "sigmoid", "tanh", "softmax", "softplus", "elu"])
def test_dense_backward_matches_numeric_gradient(activation):
    rng = np.random.default_rng(0)
    layer = keras.layers.Dense(3, activation=activation)
    x = rng.normal(size=(4, 2)).astype("float32")
    layer(x)
    upstream = rng.normal(size=(4, 3)).astype("float32")
    layer.forward(x, training=True)
    grad_x = layer.backward(upstream)
    kernel = layer.kernel.value.copy()

    def total_from_x(xv):
        return float((layer.forward(xv.astype("float32")) * upstream).sum())

    def total_from_kernel(kv):
        layer.kernel.value[...] = kv
        value = float((layer.forward(x) * upstream).sum())
        layer.kernel.value[...] = kernel
        return value

    np.testing.assert_allclose(grad_x, numeric_grad(total_from_x, x), rtol=2e-2, atol=2e-3)
    np.testing.assert_allclose(layer.grads[0], numeric_grad(total_from_kernel, kernel), rtol=2e-2, atol=2e-3)


def test_unknown_activation_lists_known_names():
    with pytest.raises(ValueError, match="Known activations: .*relu.*softmax"):
        keras.layers.Dense(2, activation="swishy")


def test_softmax_rows_sum_to_one_and_sigmoid_is_stable():
    x = np.array([[1000.0, 0.0, -1000.0]], dtype="float32")
    assert np.allclose(activations.softmax(x).sum(axis=-1), 1.0)
    assert np.isfinite(activations.sigmoid(x)).all()


def test_dropout_scales_kept_inputs_and_is_identity_at_inference():
    layer = keras.layers.Dropout(0.5, seed=3)
    x = np.ones((1000, 4), dtype="float32")
    train = layer.forward(x, training=True)
    assert set(np.unique(train)) <= {0.0, 2.0}
    assert 0.4 < (train == 0).mean() < 0.6
    assert np.array_equal(layer.forward(x, training=False), x)
    with pytest.raises(ValueError, match="rate must be in"):
        keras.layers.Dropout(1.0)


def test_flatten_and_keras2_input_arguments():
    model = keras.Sequential([keras.layers.Flatten(input_shape=(2, 3)), keras.layers.Dense(1, input_dim=6)])
    assert model.input_shape == (None, 2, 3)
    assert model.predict(np.zeros((5, 2, 3)), verbose=0).shape == (5, 1)


def test_set_random_seed_makes_initial_weights_repeatable():
    keras.utils.set_random_seed(7)
    a = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]).get_weights()
    keras.utils.set_random_seed(7)
    b = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]).get_weights()
    assert all(np.array_equal(x, y) for x, y in zip(a, b))


def test_glorot_uniform_stays_within_its_limit():
    w = keras.initializers.get("glorot_uniform")((30, 20))
    limit = np.sqrt(6 / 50)
    assert np.abs(w).max() <= limit and np.abs(w).max() > 0.8 * limit


@pytest.mark.parametrize("name", ["zeros", "ones", "uniform", "random_normal", "random_uniform", "he_normal"])
def test_named_initializers(name):
    w = keras.initializers.get(name)((4, 3))
    assert w.shape == (4, 3) and w.dtype == np.float32


# ----------------------------------------------------------------------------------------------- losses
def test_mse_and_mae_by_hand():
    y_true = np.array([[0.0, 1.0], [2.0, 2.0]])
    y_pred = np.array([[1.0, 1.0], [0.0, 2.0]])
    assert losses.get("mse")(y_true, y_pred) == pytest.approx((0.5 + 2.0) / 2)
    assert losses.get("mae")(y_true, y_pred) == pytest.approx((0.5 + 1.0) / 2)
    assert losses.get("mean_squared_error")(y_true, y_pred, sample_weight=[1.0, 0.0]) == pytest.approx(0.25)


def test_crossentropies_by_hand():
    p = np.array([[0.8], [0.4]], dtype="float32")
    t = np.array([[1.0], [0.0]], dtype="float32")
    assert losses.binary_crossentropy(t, p).tolist() == pytest.approx([-np.log(0.8), -np.log(0.6)], rel=1e-5)
    probs = np.array([[0.7, 0.2, 0.1]], dtype="float32")
    assert losses.categorical_crossentropy(np.array([[0, 1, 0]]), probs)[0] == pytest.approx(-np.log(0.2), rel=1e-5)
    assert losses.sparse_categorical_crossentropy(np.array([1]), probs)[0] == pytest.approx(-np.log(0.2), rel=1e-5)


@pytest.mark.parametrize("name,targets", [
    ("mse", np.array([[0.5], [-1.0], [2.0]])),
    ("mae", np.array([[0.5], [-1.0], [2.0]])),
    ("binary_crossentropy", np.array([[1.0], [0.0], [1.0]])),
    ("categorical_crossentropy", np.eye(3)[[0, 2, 1]]),
    ("sparse_categorical_crossentropy", np.array([0, 2, 1])),
    ("huber", np.array([[0.5], [-3.0], [2.0]])),
])
def test_loss_gradients_match_numeric(name, targets):
    loss = losses.get(name)
    rng = np.random.default_rng(1)
    width = 3 if "categorical" in name else 1
    raw = rng.uniform(0.2, 0.8, size=(3, width)).astype("float32")
    if width == 3:
        raw = raw / raw.sum(axis=1, keepdims=True)
    y_true, y_pred = loss.prepare(targets, raw)
    upstream = np.array([0.2, 0.5, 0.3], dtype="float32")
    analytic = loss.gradient(y_true, y_pred, upstream)
    numeric = numeric_grad(lambda p: float((loss.values(y_true, p.astype("float32")) * upstream).sum()), y_pred)
    np.testing.assert_allclose(analytic, numeric, rtol=2e-2, atol=1e-3)


def test_unknown_loss_lists_known_names():
    with pytest.raises(ValueError, match="Known losses: .*binary_crossentropy.*mse"):
        losses.get("msee")


# ---------------------------------------------------------------------------------------------- metrics
def test_running_mean_is_weighted_by_samples_not_batches():
    m = metrics.MeanSquaredError(name="mse")
    m.update_state(np.zeros((8, 1)), np.ones((8, 1)))  # 8 samples with error 1
    m.update_state(np.zeros((2, 1)), np.full((2, 1), 3.0))  # 2 samples with error 9
    assert m.result() == pytest.approx((8 * 1 + 2 * 9) / 10)


@pytest.mark.parametrize("y_shape,pred_shape,loss,expected", [
    ((10, 1), (10, 1), "mse", "BinaryAccuracy"),
    ((10, 3), (10, 3), "categorical_crossentropy", "CategoricalAccuracy"),
    ((10,), (10, 3), "sparse_categorical_crossentropy", "SparseCategoricalAccuracy"),
    ((10, 1), (10, 3), "sparse_categorical_crossentropy", "SparseCategoricalAccuracy"),
])
def test_accuracy_resolves_like_keras3_and_keeps_its_name(y_shape, pred_shape, loss, expected):
    metric = metrics.resolve_accuracy("accuracy", y_shape, pred_shape, losses.get(loss))
    assert type(metric).__name__ == expected and metric.name == "accuracy"


def test_accuracy_values():
    assert metrics.binary_accuracy(np.array([[1.0], [0.0]]), np.array([[0.7], [0.7]])).tolist() == [1.0, 0.0]
    assert metrics.sparse_categorical_accuracy(np.array([2, 0]), np.array([[0, 0, 1], [0, 1, 0]])).tolist() == [1, 0]


def test_unknown_metric_fails_at_compile_with_known_names():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="Known metrics: .*accuracy.*mae"):
        model.compile(loss="mse", metrics=["acuracy"])


# ------------------------------------------------------------------------------------------- optimizers
def test_sgd_step_by_hand():
    var = keras.Variable(np.array([1.0, -2.0]))
    opt = keras.optimizers.SGD(learning_rate=0.1, momentum=0.5)
    opt.apply([np.array([1.0, 1.0], dtype="float32")], [var])
    assert var.value.tolist() == pytest.approx([0.9, -2.1])
    opt.apply([np.array([1.0, 1.0], dtype="float32")], [var])  # velocity -0.1*0.5 - 0.1 = -0.15
    assert var.value.tolist() == pytest.approx([0.75, -2.25])


def test_adam_first_step_moves_by_learning_rate():
    var = keras.Variable(np.array([1.0]))
    keras.optimizers.Adam(learning_rate=0.01).apply([np.array([3.0], dtype="float32")], [var])
    assert var.value[0] == pytest.approx(0.99, rel=1e-5)


def test_learning_rate_reads_as_float_and_assigns():
    opt = keras.optimizers.get("rmsprop")
    assert float(opt.learning_rate) == pytest.approx(0.001)
    opt.learning_rate = 0.5
    assert float(opt.learning_rate) == 0.5
    with pytest.warns(DeprecationWarning, match="learning_rate"):
        assert float(opt.lr) == 0.5
    with pytest.warns(DeprecationWarning, match="learning_rate"):
        keras.optimizers.SGD(lr=0.2)


def test_unknown_optimizer_lists_known_names():
    with pytest.raises(ValueError, match="Known optimizers: adagrad, adam, adamw, rmsprop, sgd"):
        keras.optimizers.get("adamax2")
