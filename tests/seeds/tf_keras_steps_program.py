"""Arrays given step counts and no batch size, run by tf-keras or by refimpl's tf-keras dialect; prints JSON.

`python tf_keras_steps_program.py tf` imports tf_keras; `ref` imports refimpl.dialects.tf_keras.
"""

import json
import os
import sys
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
warnings.simplefilter("ignore")

import numpy as np  # noqa: E402

if sys.argv[1] == "tf":
    import tf_keras as keras
else:
    from refimpl.dialects import tf_keras as keras


def model():
    m = keras.Sequential([keras.layers.Dense(1, input_shape=(3,))])
    m.set_weights([np.array([[0.3], [-0.2], [0.1]], "float32"), np.array([0.05], "float32")])
    m.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    return m


class Count(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.batches = []

    def on_epoch_begin(self, epoch, logs=None):
        self.batches.append(0)

    def on_train_batch_begin(self, batch, logs=None):
        self.batches[-1] += 1


rng = np.random.default_rng(0)
x, y = rng.random((100, 3)).astype("float32"), rng.random((100, 1)).astype("float32")
vx, vy = rng.random((10, 3)).astype("float32"), rng.random((10, 1)).astype("float32")
out = {}
m, count = model(), Count()
history = m.fit(x, y, steps_per_epoch=3, epochs=2, verbose=0, shuffle=False, callbacks=[count])
out["fit"] = {"loss": history.history["loss"], "batches": count.batches,
              "weights": [w.ravel().tolist() for w in m.get_weights()]}
m = model()
history = m.fit(x[:10], y[:10], epochs=1, verbose=0, validation_data=(vx, vy), validation_steps=3)
out["validation"] = history.history["val_loss"]
m = model()
history = m.fit(x[:12], y[:12], steps_per_epoch=2, epochs=1, verbose=0, shuffle=False, validation_split=0.25,
              validation_steps=2)
out["split"] = {"loss": history.history["loss"], "val_loss": history.history["val_loss"],
                "weights": [w.ravel().tolist() for w in m.get_weights()]}
out["evaluate"] = model().evaluate(vx, vy, steps=3, verbose=0)
out["predict"] = model().predict(vx, steps=3, verbose=0).ravel().tolist()
print(json.dumps(out))
