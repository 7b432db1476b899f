"""TensorBoard: event files written with tensorboardX, read back with TensorBoard's own reader."""

from __future__ import annotations

import io
import json
import os
import sys
import warnings

import numpy as np
import pytest

pytest.importorskip("tensorboardX", reason="TensorBoard is an optional extra: "
                    "pip install 'keras-callback-contract[tensorboard]'")
event_accumulator = pytest.importorskip(
    "tensorboard.backend.event_processing.event_accumulator",
    reason="the tests read event files with the tensorboard package (extra 'tensorboard')")

import refimpl as keras  # noqa: E402
from refimpl.callbacks.tensorboard import INSTALL_HINT, TensorBoard  # noqa: E402

KEEP_EVERYTHING = {"scalars": 0, "histograms": 0, "images": 0, "tensors": 0}
STEPS_PER_EPOCH = 3  # 12 training samples, batch size 4


def read_run(run_dir):
    """Every event of a run, as TensorBoard loads it."""
    return event_accumulator.EventAccumulator(str(run_dir), size_guidance=KEEP_EVERYTHING).Reload()


def scalars(run, tag):
    return [(event.step, event.value) for event in run.Scalars(tag)]


def as_float32(values):
    return [float(np.float32(v)) for v in values]


def series(steps, values):
    """(step, value) pairs as the reader returns them: values stored as float32."""
    return list(zip(steps, as_float32(values), strict=True))


def make_model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="relu"),
                              keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss="mse", metrics=["mae"])
    return model


def make_data(n=12):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(n, 3)).astype("float32")
    return x, x @ np.array([[1.0], [-2.0], [0.5]], dtype="float32")


class Recorder(keras.callbacks.Callback):
    """Keeps the batch logs and a copy of every weight at each epoch end."""

    def on_train_begin(self, logs=None):
        self.batch_logs, self.weights = [], []

    def on_train_batch_end(self, batch, logs=None):
        self.batch_logs.append(dict(logs))

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append({w.path: np.array(w.value) for w in self.model.weights})


def fit(log_dir, epochs=3, validation=True, model=None, **tensorboard_kwargs):
    model = model or make_model()
    x, y = make_data()
    recorder = Recorder()
    validation_data = make_data(8) if validation else None
    history = model.fit(x, y, batch_size=4, epochs=epochs, verbose=0, validation_data=validation_data,
                        callbacks=[TensorBoard(log_dir, **tensorboard_kwargs), recorder], shuffle=False)
    return model, history, recorder


# ------------------------------------------------------------------------------------------- layout
def test_train_and_validation_runs_hold_event_files(tmp_path):
    fit(tmp_path)
    assert sorted(os.listdir(tmp_path)) == ["train", "validation"]
    for run in ("train", "validation"):
        files = os.listdir(tmp_path / run)
        assert files and all(name.startswith("events.out.tfevents.") for name in files)


def test_no_validation_run_without_validation_data(tmp_path):
    fit(tmp_path, validation=False)
    assert os.listdir(tmp_path) == ["train"]


# ------------------------------------------------------------------------------------------ scalars
def test_epoch_scalars_equal_the_history(tmp_path):
    model, history, _ = fit(tmp_path, epochs=4)
    train, validation = read_run(tmp_path / "train"), read_run(tmp_path / "validation")
    assert set(train.Tags()["scalars"]) == {"epoch_loss", "epoch_mae", "epoch_learning_rate"}
    assert set(validation.Tags()["scalars"]) == {"epoch_loss", "epoch_mae", "evaluation_loss_vs_iterations",
                                                 "evaluation_mae_vs_iterations"}
    epochs = [0, 1, 2, 3]
    for key in ("loss", "mae"):
        assert scalars(train, f"epoch_{key}") == series(epochs, history.history[key])
        assert scalars(validation, f"epoch_{key}") == series(epochs, history.history[f"val_{key}"])
    assert scalars(train, "epoch_learning_rate") == [(e, float(np.float32(0.05))) for e in epochs]


def test_evaluation_scalars_use_the_optimizer_iterations_as_step(tmp_path):
    _, history, _ = fit(tmp_path, epochs=3)
    validation = read_run(tmp_path / "validation")
    iterations = [STEPS_PER_EPOCH * (epoch + 1) for epoch in range(3)]
    assert scalars(validation, "evaluation_loss_vs_iterations") == series(
        iterations, history.history["val_loss"])


def test_learning_rate_follows_the_optimizer(tmp_path):
    class Halve(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.model.optimizer.learning_rate = 0.08 / 2 ** epoch

    model = make_model()
    x, y = make_data()
    model.fit(x, y, batch_size=4, epochs=3, verbose=0, callbacks=[Halve(), TensorBoard(tmp_path)])
    train = read_run(tmp_path / "train")
    assert scalars(train, "epoch_learning_rate") == [(0, np.float32(0.08)), (1, np.float32(0.04)),
                                                     (2, np.float32(0.02))]


def test_update_freq_batch_writes_every_batch_with_a_global_step(tmp_path):
    _, _, recorder = fit(tmp_path, epochs=2, update_freq="batch")
    train = read_run(tmp_path / "train")
    steps = list(range(1, 2 * STEPS_PER_EPOCH + 1))
    for key in ("loss", "mae"):
        assert scalars(train, f"batch_{key}") == series(
            steps, [logs[key] for logs in recorder.batch_logs])
    assert not any(tag.startswith("batch_") for tag in read_run(tmp_path / "validation").Tags()["scalars"])


def test_update_freq_int_writes_every_n_batches(tmp_path):
    _, _, recorder = fit(tmp_path, epochs=3, update_freq=2)
    train = read_run(tmp_path / "train")
    written = [2, 4, 6, 8]  # 9 batches in all
    assert scalars(train, "batch_loss") == [(s, float(np.float32(recorder.batch_logs[s - 1]["loss"])))
                                            for s in written]


def test_keras2_batch_bookkeeping_keys_are_not_written(tmp_path):
    class AddKeras2Keys(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            logs.update(batch=batch, size=4)

    model = make_model()
    x, y = make_data()
    model.fit(x, y, batch_size=4, epochs=1, verbose=0,
              callbacks=[AddKeras2Keys(), TensorBoard(tmp_path, update_freq="batch")])
    assert sorted(read_run(tmp_path / "train").Tags()["scalars"]) == [
        "batch_loss", "batch_mae", "epoch_learning_rate", "epoch_loss", "epoch_mae"]


def test_each_epoch_is_on_disk_when_the_epoch_ends(tmp_path):
    class ReadBack(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.seen = []

        def on_epoch_end(self, epoch, logs=None):
            self.seen.append([step for step, _ in scalars(read_run(tmp_path / "train"), "epoch_loss")])

    model = make_model()
    x, y = make_data()
    reader = ReadBack()
    model.fit(x, y, batch_size=4, epochs=3, verbose=0, callbacks=[TensorBoard(tmp_path), reader])
    assert reader.seen == [[0], [0, 1], [0, 1, 2]]


def test_update_freq_epoch_writes_no_batch_scalars(tmp_path):
    fit(tmp_path, update_freq="epoch", write_steps_per_second=True)
    tags = read_run(tmp_path / "train").Tags()["scalars"]
    assert not [tag for tag in tags if tag.startswith("batch_")]


def test_write_steps_per_second(tmp_path):
    fit(tmp_path, epochs=2, update_freq="batch", write_steps_per_second=True)
    train = read_run(tmp_path / "train")
    epoch_speed = scalars(train, "epoch_steps_per_second")
    batch_speed = scalars(train, "batch_steps_per_second")
    assert [step for step, _ in epoch_speed] == [0, 1]
    assert [step for step, _ in batch_speed] == list(range(1, 2 * STEPS_PER_EPOCH + 1))
    assert all(value > 0 for _, value in epoch_speed + batch_speed)


def test_a_second_fit_adds_events_without_losing_the_first(tmp_path):
    model = make_model()
    x, y = make_data()
    callback = TensorBoard(tmp_path)
    first = model.fit(x, y, batch_size=4, epochs=2, verbose=0, callbacks=[callback])
    second = model.fit(x, y, batch_size=4, epochs=4, initial_epoch=2, verbose=0, callbacks=[callback])
    train = read_run(tmp_path / "train")
    assert scalars(train, "epoch_loss") == series(
        [0, 1, 2, 3], first.history["loss"] + second.history["loss"])


def test_standalone_evaluate_writes_evaluation_scalars(tmp_path):
    model = make_model()
    x, y = make_data()
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    result = model.evaluate(x, y, batch_size=4, verbose=0, return_dict=True,
                            callbacks=[TensorBoard(tmp_path)])
    validation = read_run(tmp_path / "validation")
    assert scalars(validation, "evaluation_loss_vs_iterations") == [
        (STEPS_PER_EPOCH, float(np.float32(result["loss"])))]


def test_a_value_that_is_not_a_number_is_skipped_with_one_warning(tmp_path):
    class AddText(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["note"] = "text"

    model = make_model()
    x, y = make_data()
    with pytest.warns(UserWarning, match="'epoch_note' is not a single number") as caught:
        history = model.fit(x, y, batch_size=4, epochs=2, verbose=0,
                            callbacks=[AddText(), TensorBoard(tmp_path)])
    assert len([w for w in caught if "epoch_note" in str(w.message)]) == 1
    train = read_run(tmp_path / "train")
    assert "epoch_note" not in train.Tags()["scalars"]
    assert scalars(train, "epoch_loss") == series([0, 1], history.history["loss"])


# --------------------------------------------------------------------------------- weights, images
WEIGHT_PATHS = ["dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias"]


def test_weight_histograms_every_histogram_freq_epochs(tmp_path):
    keras.layers.base.reset_name_counters()
    model, _, recorder = fit(tmp_path, epochs=5, histogram_freq=2)
    assert [w.path for w in model.weights] == WEIGHT_PATHS
    train = read_run(tmp_path / "train")
    assert train.Tags()["histograms"] == [f"{path}/histogram" for path in WEIGHT_PATHS]
    for path in WEIGHT_PATHS:
        events = train.Histograms(f"{path}/histogram")
        assert [event.step for event in events] == [0, 2, 4]
        for event in events:
            weight = recorder.weights[event.step][path].astype("float64")
            histogram = event.histogram_value
            assert histogram.num == weight.size
            assert sum(histogram.bucket) == weight.size
            assert (histogram.min, histogram.max) == (weight.min(), weight.max())
            assert histogram.sum == pytest.approx(weight.sum(), abs=1e-9)
            assert histogram.sum_squares == pytest.approx((weight ** 2).sum(), rel=1e-9)


def test_a_weight_with_nan_gets_no_histogram_and_one_warning(tmp_path):
    class Diverge(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch >= 1:
                self.model.layers[-1].weights[-1].value[...] = np.nan

    keras.layers.base.reset_name_counters()
    model = make_model()
    x, y = make_data()
    with pytest.warns(UserWarning, match="'dense_1/bias/histogram' at epoch 1 is empty or holds NaN"):
        model.fit(x, y, batch_size=4, epochs=2, verbose=0,
                  callbacks=[Diverge(), TensorBoard(tmp_path, histogram_freq=1)])
    train = read_run(tmp_path / "train")
    assert [event.step for event in train.Histograms("dense_1/bias/histogram")] == [0]
    assert [event.step for event in train.Histograms("dense/kernel/histogram")] == [0, 1]


def test_no_histograms_by_default(tmp_path):
    fit(tmp_path)
    assert read_run(tmp_path / "train").Tags()["histograms"] == []


def test_write_images_draws_each_weight_as_keras_lays_it_out(tmp_path):
    image_module = pytest.importorskip("PIL.Image", reason="Pillow decodes the PNG images")
    keras.layers.base.reset_name_counters()
    model, _, recorder = fit(tmp_path, epochs=2, histogram_freq=1, write_images=True)
    train = read_run(tmp_path / "train")
    assert train.Tags()["images"] == [f"{path}/image" for path in WEIGHT_PATHS]
    # Kernels are drawn wider than tall: dense/kernel (3, 4) as is, dense_1/kernel (4, 1) transposed.
    expected_sizes = {"dense/kernel": (3, 4), "dense/bias": (1, 4), "dense_1/kernel": (1, 4),
                      "dense_1/bias": (1, 1)}
    for path, (height, width) in expected_sizes.items():
        events = train.Images(f"{path}/image")
        assert [event.step for event in events] == [0, 1]
        for event in events:
            assert (event.height, event.width) == (height, width)
            pixels = np.array(image_module.open(io.BytesIO(event.encoded_image_string)))
            weight = recorder.weights[event.step][path].astype("float64")
            weight = weight.reshape(1, -1) if weight.ndim == 1 else weight
            weight = weight.T if weight.shape[0] > weight.shape[1] else weight
            span = weight.max() - weight.min()
            expected = np.zeros_like(weight) if span == 0 else (weight - weight.min()) / span * 255
            np.testing.assert_array_equal(pixels, np.rint(expected).astype(np.uint8))


def test_write_images_without_histogram_freq_warns(tmp_path):
    with pytest.warns(UserWarning, match="histogram_freq=0 has none"):
        TensorBoard(tmp_path, write_images=True)


# ------------------------------------------------------------------------------------------- graph
def test_write_graph_writes_the_model_config_for_the_graphs_tab(tmp_path):
    keras_util = pytest.importorskip("tensorboard.plugins.graph.keras_util")
    keras.layers.base.reset_name_counters()
    model, _, _ = fit(tmp_path, epochs=1)
    train = read_run(tmp_path / "train")
    assert train.Tags()["tensors"] == ["keras"]
    (event,) = train.Tensors("keras")
    assert event.step == 0
    assert train.SummaryMetadata("keras").plugin_data.plugin_name == "graph_keras_model"
    assert train.SummaryMetadata("keras").plugin_data.content == b"1"
    config = json.loads(event.tensor_proto.string_val[0])
    assert config == {"class_name": "Sequential", "config": model.get_config()}
    graph = keras_util.keras_model_to_graph_def(config)
    assert [(node.name, node.attr["keras_class"].s) for node in graph.node] == [
        ("sequential/input_layer", b"InputLayer"), ("sequential/dense", b"Dense"),
        ("sequential/dense_1", b"Dense")]


def test_write_graph_false_writes_no_config(tmp_path):
    fit(tmp_path, write_graph=False)
    assert read_run(tmp_path / "train").Tags()["tensors"] == []


# ----------------------------------------------------------------------------------- old arguments
@pytest.mark.parametrize("argument, value, replacement", [
    ("batch_size", 32, "no effect"),
    ("write_grads", True, "histogram_freq"),
    ("embeddings_layer_names", ["embedding"], "embeddings_metadata"),
    ("embeddings_data", np.zeros((2, 3)), "embeddings_freq"),
])
def test_keras2_arguments_are_accepted_with_a_deprecation_warning(tmp_path, argument, value, replacement):
    with pytest.warns(DeprecationWarning, match=rf"`{argument}` is deprecated.*{replacement}"):
        callback = TensorBoard(tmp_path, **{argument: value})
    model = make_model()
    x, y = make_data()
    history = model.fit(x, y, batch_size=4, epochs=2, verbose=0, callbacks=[callback])
    assert scalars(read_run(tmp_path / "train"), "epoch_loss") == series(
        [0, 1], history.history["loss"])


def test_keras2_call_with_every_documented_argument(tmp_path):
    with pytest.warns(DeprecationWarning):
        TensorBoard(log_dir=str(tmp_path), histogram_freq=0, batch_size=32, write_graph=True,
                    write_grads=False, write_images=False, embeddings_freq=0, embeddings_layer_names=None,
                    embeddings_metadata=None)


def test_embeddings_freq_warns_that_nothing_is_written(tmp_path):
    model = make_model()
    x, y = make_data()
    with pytest.warns(UserWarning, match="no Embedding layer"):
        model.fit(x, y, batch_size=4, epochs=1, verbose=0,
                  callbacks=[TensorBoard(tmp_path, embeddings_freq=1)])


def test_embeddings_metadata_naming_unknown_layers_fails_before_any_epoch(tmp_path):
    model = make_model()
    x, y = make_data()
    recorder = Recorder()
    with pytest.raises(ValueError, match=r"embeddings_metadata names layers .*\['dense'\]"):
        model.fit(x, y, epochs=2, verbose=0,
                  callbacks=[TensorBoard(tmp_path, embeddings_metadata={"dense": "words.tsv"}), recorder])
    assert not hasattr(recorder, "weights") or recorder.weights == []


# ------------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("kwargs, argument", [
    ({"log_dir": 3}, "log_dir"),
    ({"histogram_freq": -1}, "histogram_freq"),
    ({"histogram_freq": 1.5}, "histogram_freq"),
    ({"histogram_freq": True}, "histogram_freq"),
    ({"write_graph": 32}, "write_graph"),
    ({"write_images": "yes"}, "write_images"),
    ({"write_steps_per_second": None}, "write_steps_per_second"),
    ({"update_freq": "step"}, "update_freq"),
    ({"update_freq": 0}, "update_freq"),
    ({"update_freq": 2.0}, "update_freq"),
    ({"profile_batch": -1}, "profile_batch"),
    ({"profile_batch": (5, 2)}, "profile_batch"),
    ({"profile_batch": "a,b"}, "profile_batch"),
    ({"profile_batch": 2}, "profile_batch"),
    ({"profile_batch": (10, 20)}, "profile_batch"),
    ({"profile_batch": "10,20"}, "profile_batch"),
    ({"embeddings_freq": -2}, "embeddings_freq"),
    ({"embeddings_metadata": 7}, "embeddings_metadata"),
    ({"embeddings_metadata": {"emb": 1}}, "embeddings_metadata"),
])
def test_bad_arguments_are_rejected_at_construction(tmp_path, kwargs, argument):
    kwargs.setdefault("log_dir", tmp_path)
    with pytest.raises(ValueError, match=rf"^{argument}\b"):
        TensorBoard(**kwargs)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("profile_batch", [0, "0", (0, 0)])
def test_profile_batch_zero_in_any_spelling_is_accepted(tmp_path, profile_batch):
    assert TensorBoard(tmp_path, profile_batch=profile_batch).profile_batch == profile_batch


def test_a_log_dir_that_cannot_be_created_fails_before_any_epoch(tmp_path):
    blocker = tmp_path / "taken"
    blocker.write_text("a file, not a directory")
    model = make_model()
    x, y = make_data()
    recorder = Recorder()
    with pytest.raises(OSError, match="TensorBoard cannot create log_dir"):
        model.fit(x, y, epochs=2, verbose=0, callbacks=[TensorBoard(blocker / "logs"), recorder])
    assert not hasattr(recorder, "weights") or recorder.weights == []
    assert blocker.read_text() == "a file, not a directory"


def test_without_tensorboardx_construction_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "tensorboardX", None)  # makes `import tensorboardX` raise ImportError
    with pytest.raises(ImportError, match=r"pip install 'keras-callback-contract\[tensorboard\]'"):
        TensorBoard(tmp_path)
    assert INSTALL_HINT == "pip install 'keras-callback-contract[tensorboard]'"
    assert os.listdir(tmp_path) == []


def test_defaults_match_keras_3(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        callback = keras.callbacks.TensorBoard()
    assert (callback.log_dir, callback.histogram_freq, callback.write_graph, callback.write_images,
            callback.write_steps_per_second, callback.update_freq, callback.profile_batch,
            callback.embeddings_freq, callback.embeddings_metadata) == (
        "logs", 0, True, False, False, "epoch", 0, 0, None)
    assert isinstance(callback, TensorBoard)
