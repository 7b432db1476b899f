"""refimpl.install_as_keras(), its pytest fixture and `python -m refimpl run`: `import keras` gets refimpl."""

import subprocess
import sys
import textwrap
import types

import numpy as np
import pytest

import refimpl
from refimpl.as_keras import KERAS_VERSION, KerasPartMissing, installed


@pytest.fixture
def as_keras():
    keras = refimpl.install_as_keras()
    yield keras
    refimpl.uninstall_as_keras()


def test_imports_resolve_to_refimpl(as_keras):
    import keras
    import keras.callbacks
    import keras.optimizers
    from keras import layers
    from keras.callbacks import Callback, EarlyStopping

    assert keras is as_keras
    assert keras.callbacks is refimpl.callbacks and layers is refimpl.layers
    assert Callback is refimpl.callbacks.Callback and EarlyStopping is refimpl.callbacks.EarlyStopping
    assert keras.optimizers.SGD is refimpl.optimizers.SGD and keras.Sequential is refimpl.Sequential


def test_presents_itself_as_keras_3_and_keeps_its_own_version(as_keras):
    assert as_keras.__version__ == KERAS_VERSION == "3.15.1" and as_keras.version() == "3.15.1"
    assert as_keras.config.backend() == "numpy" and as_keras.config.floatx() == "float32"
    assert as_keras.refimpl_version == refimpl.__version__ != as_keras.__version__


@pytest.mark.parametrize("use, part", [
    ("keras.ops.sum", "keras.ops.sum"),
    ("keras.src.ops.numpy", "keras.src.ops.numpy"),
    ("keras.applications.ResNet50", "keras.applications.ResNet50"),
    ("keras.NotAThing", "keras.NotAThing"),
    ("keras.config.set_backend", "keras.config.set_backend"),
])
def test_missing_parts_fail_on_use_naming_the_part(as_keras, use, part):
    import keras.ops  # noqa: F401  (importing a missing part works; using it does not)
    import keras.src.ops  # noqa: F401

    with pytest.raises(KerasPartMissing) as e:
        eval(use, {"keras": as_keras})
    assert part in str(e.value) and "standing in for Keras" in str(e.value)


def test_keras_ops_serves_what_refimpl_has(as_keras):
    from keras import ops

    assert ops.greater(2.0, 1.0) and ops.less is refimpl.ops.less


def test_from_import_of_a_missing_part_keeps_the_message(as_keras):
    with pytest.raises(ImportError, match=r"keras\.src\.ops\.numpy is not provided by refimpl .* standing in for"):
        from keras.src.ops import numpy  # noqa: F401


def test_a_third_party_style_callback_runs(as_keras):
    import keras

    class Counter(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.on_batch_end = self._count  # set on the instance, as tqdm does
            self.seen = 0

        def _count(self, batch, logs=None):
            self.seen += 1

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    counter = Counter()
    model.fit(np.zeros((10, 3)), np.zeros((10, 1)), batch_size=4, epochs=2, verbose=0, callbacks=[counter])
    assert counter.seen == 6


def test_uninstall_restores_what_was_there(monkeypatch):
    before = types.ModuleType("keras")
    before.__version__ = "2.15.0"
    sub = types.ModuleType("keras.callbacks")
    monkeypatch.setitem(sys.modules, "keras", before)
    monkeypatch.setitem(sys.modules, "keras.callbacks", sub)
    keras = refimpl.install_as_keras()
    assert refimpl.install_as_keras() is keras and installed()  # twice is harmless
    import keras.callbacks as cbs

    assert cbs is refimpl.callbacks
    refimpl.uninstall_as_keras()
    refimpl.uninstall_as_keras()  # twice is harmless
    assert not installed()
    assert sys.modules["keras"] is before and sys.modules["keras.callbacks"] is sub
    import keras as again

    assert again is before


def test_the_pytest_fixture(refimpl_as_keras):
    import keras

    assert keras is refimpl_as_keras and keras.__version__ == KERAS_VERSION and installed()


def test_fixture_undoes_the_install():
    assert not installed()


def test_python_m_refimpl_run(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent("""
        import sys
        import numpy as np
        import keras

        class Last(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                self.epoch = epoch

        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        last = Last()
        model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=int(sys.argv[1]), verbose=0, callbacks=[last])
        print(keras.__version__, keras.refimpl_version, sys.argv[1:], last.epoch, __name__)
    """))
    out = subprocess.run([sys.executable, "-m", "refimpl", "run", str(script), "3", "--flag"], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [KERAS_VERSION, refimpl.__version__, "['3',", "'--flag']", "2", "__main__"]


def test_python_m_refimpl_run_names_a_missing_script(tmp_path):
    out = subprocess.run([sys.executable, "-m", "refimpl", "run", str(tmp_path / "nope.py")], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 2 and "script not found" in out.stderr and "nope.py" in out.stderr
