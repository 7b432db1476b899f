"""SwapEMAWeights: evaluation and prediction with the moving average, and the weights put back."""

from __future__ import annotations

import numpy as np
import pytest

import refimpl as keras
from refimpl.callbacks import LambdaCallback, SwapEMAWeights

RNG = np.random.default_rng(0)
X = RNG.normal(size=(20, 3)).astype("float32")
Y = (X @ np.array([[1.0], [-1.0], [2.0]], dtype="float32")).astype("float32")
VX, VY = X[:6] + 0.1, Y[:6]


def make_model(use_ema: bool = True):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(1)])
    model.set_weights([w + 0.1 for w in model.get_weights()])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1, use_ema=use_ema, ema_momentum=0.9),
                  loss="mse")
    return model


def weights_equal(a, b) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a, b))


def averages(model) -> list[np.ndarray]:
    return [v.numpy() for v in model.optimizer.ema_averages]


def loss_with(model, weights) -> float:
    kept = model.get_weights()
    model.set_weights(weights)
    loss = model.evaluate(VX, VY, verbose=0)
    model.set_weights(kept)
    return loss


def trained(epochs: int = 2):
    model = make_model()
    model.fit(X, Y, batch_size=5, epochs=epochs, verbose=0, shuffle=False)
    return model


def test_evaluate_uses_the_averages_and_puts_the_weights_back():
    model = trained()
    # fit ends with the averages in the weights (as Keras 3): one more step makes them differ again.
    model.train_on_batch(X[:5], Y[:5])
    before = model.get_weights()
    assert not weights_equal(before, averages(model))
    loss = model.evaluate(VX, VY, verbose=0, callbacks=[SwapEMAWeights()])
    assert loss == loss_with(model, averages(model))
    assert loss != model.evaluate(VX, VY, verbose=0)
    assert weights_equal(model.get_weights(), before)


def test_predict_uses_the_averages_and_puts_the_weights_back():
    model = trained()
    model.train_on_batch(X[:5], Y[:5])
    before = model.get_weights()
    ema = averages(model)
    with_ema = model.predict(VX, verbose=0, callbacks=[SwapEMAWeights()])
    assert weights_equal(model.get_weights(), before)
    model.set_weights(ema)
    np.testing.assert_array_equal(with_ema, model.predict(VX, verbose=0))


def test_validation_during_fit_sees_the_averages_and_training_the_raw_weights():
    model = make_model()
    seen = {}

    def at_test_begin(logs):
        seen["test"] = model.get_weights()

    def at_epoch_end(epoch, logs):
        seen["epoch_end"] = model.get_weights()
        seen["averages"] = averages(model)

    # The recorder comes after SwapEMAWeights, so its on_test_begin runs after the swap.
    model.fit(X, Y, batch_size=5, epochs=1, verbose=0, shuffle=False, validation_data=(VX, VY),
              callbacks=[SwapEMAWeights(), LambdaCallback(on_test_begin=at_test_begin, on_epoch_end=at_epoch_end)])
    assert weights_equal(seen["test"], seen["averages"])
    assert not weights_equal(seen["epoch_end"], seen["averages"])


def test_swap_on_epoch_holds_the_averages_between_epochs():
    model = make_model()
    seen = {}
    record = LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.update({f"end{epoch}": model.get_weights(),
                                                      f"avg{epoch}": averages(model)}),
        on_train_batch_begin=lambda batch, logs: seen.setdefault("first_batch_of_epoch1", model.get_weights())
        if "end0" in seen else None)
    model.fit(X, Y, batch_size=5, epochs=2, verbose=0, shuffle=False, callbacks=[SwapEMAWeights(True), record])
    assert weights_equal(seen["end0"], seen["avg0"])
    # Epoch 1 trains from where epoch 0's raw weights were, not from the averages.
    assert not weights_equal(seen["first_batch_of_epoch1"], seen["avg0"])
    assert weights_equal(model.get_weights(), averages(model))


def test_swap_on_epoch_then_early_stop_still_ends_with_the_averages():
    model = make_model()
    stop = LambdaCallback(on_epoch_end=lambda epoch, logs: setattr(model, "stop_training", True))
    history = model.fit(X, Y, batch_size=5, epochs=5, verbose=0, callbacks=[SwapEMAWeights(True), stop])
    assert history.epoch == [0]
    assert weights_equal(model.get_weights(), averages(model))


def test_nested_evaluate_in_on_epoch_end_leaves_the_epoch_swap_alone():
    model = make_model()
    swap = SwapEMAWeights(swap_on_epoch=True)
    seen = {}

    def at_epoch_end(epoch, logs):
        model.evaluate(VX, VY, verbose=0, callbacks=[swap])
        seen["after_nested"] = model.get_weights()
        seen["averages"] = averages(model)

    model.fit(X, Y, batch_size=5, epochs=1, verbose=0, callbacks=[swap, LambdaCallback(on_epoch_end=at_epoch_end)])
    assert weights_equal(seen["after_nested"], seen["averages"])


def test_without_use_ema_it_fails_before_the_first_epoch():
    epochs = []
    model = make_model(use_ema=False)
    with pytest.raises(ValueError, match="use_ema=True"):
        model.fit(X, Y, verbose=0, callbacks=[SwapEMAWeights(),
                                              LambdaCallback(on_epoch_begin=lambda e, logs: epochs.append(e))])
    assert epochs == []
    with pytest.raises(ValueError, match="use_ema=True"):
        model.evaluate(X, Y, verbose=0, callbacks=[SwapEMAWeights()])


def test_bad_swap_on_epoch_is_rejected():
    with pytest.raises(TypeError, match="swap_on_epoch"):
        SwapEMAWeights(swap_on_epoch="yes")
