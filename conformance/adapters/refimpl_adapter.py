"""The project's own numpy reference implementation, in every profile through its dialect packages."""

from __future__ import annotations

import importlib
import warnings
from types import ModuleType
from typing import Any

from conformance.adapters import Adapter, AdapterUnavailable
from conformance.driver import Session
from conformance.profiles import facts
from conformance.scenario import ACTIVATIONS, INPUT_DIM, LOSSES, OUTPUT_DIM, Scenario


class DialectSession(Session):
    """A session on `refimpl.dialects.keras2` / `tf_keras` (Keras 2's API is a superset of what the driver uses)."""

    def dataset_base(self) -> type:
        utils = self.keras.utils
        found = getattr(utils, "PyDataset", None) or getattr(utils, "Sequence", None)
        if found is None:  # Keras 2 had utils.Sequence; until the dialect exports it, use refimpl's own
            found = importlib.import_module("refimpl.utils").PyDataset
        return found


class LegacySession(DialectSession):
    """A session on `refimpl.dialects.keras1` / `keras0`: their own model class, compile() and fit().

    Keras 1 and 0 spell fit's epochs `nb_epoch` (Keras 0 also `X`), and Keras 0 has no `metrics`: accuracy is
    `fit(show_accuracy=True)`. The strategies only draw calls these signatures can express
    (`conformance.strategies.expressible`).
    """

    def __init__(self, keras: ModuleType, scenario: Scenario, profile: str):
        self.profile = profile
        super().__init__(keras, scenario)

    def build_model(self) -> Any:
        d, task = self.keras, self.scenario.task
        model = d.models.Sequential()
        if self.profile == "keras0":
            model.add(d.layers.Dense(INPUT_DIM, OUTPUT_DIM[task]))
            model.add(d.layers.Activation(ACTIVATIONS[task]))
        else:
            model.add(d.layers.Dense(OUTPUT_DIM[task], input_dim=INPUT_DIM, activation=ACTIVATIONS[task]))
        return model

    def compile_model(self) -> None:
        s = self.scenario
        optimizer = getattr(self.keras.optimizers, s.optimizer)(lr=s.learning_rate)
        if self.profile == "keras0":
            self.model.compile(optimizer=optimizer, loss=LOSSES[s.task])
        else:
            self.model.compile(optimizer=optimizer, loss=LOSSES[s.task], metrics=list(s.metrics))

    def invoke(self, method: str, callbacks: list, kwargs: dict[str, Any]) -> Any:
        kwargs = dict(kwargs)
        if "epochs" in kwargs:
            kwargs["nb_epoch"] = kwargs.pop("epochs")
        if self.profile == "keras0":
            if "x" in kwargs:
                kwargs["X"] = kwargs.pop("x")
            if method != "predict" and self.scenario.metrics:
                kwargs["show_accuracy"] = True
        return super().invoke(method, callbacks, kwargs)


class RefimplAdapter(Adapter):
    """`import refimpl as keras` for keras3; `refimpl.dialects.<profile>` for the older profiles."""

    name = "refimpl"
    profiles = ("keras3", "tf-keras", "keras2", "keras1", "keras0")
    install = "pip install keras-callback-contract"

    def module(self) -> ModuleType:
        if self._module is None:
            self._module = self._import("refimpl")
            # the older dialects say so each time a scenario passes both weights; the report already covers it
            warnings.filterwarnings("ignore", message="class_weight is ignored because sample_weight was given",
                                    category=UserWarning)
        return self._module

    def dialect(self, profile: str) -> ModuleType:
        """The module that makes refimpl follow `profile`."""
        if profile == "keras3":
            return self.module()
        try:
            return importlib.import_module(f"refimpl.dialects.{profile.replace('-', '_')}")
        except ImportError as e:
            raise AdapterUnavailable(f"refimpl has no dialect for profile {profile!r} ({e})") from e

    def snippet_setup(self, profile: str = "keras3") -> dict[str, str]:
        if profile in ("keras1", "keras0"):  # the snippet keeps Keras 3 spellings: switch the model's profile
            return {"module": "refimpl", "after_model": f"model._profile = keras.profiles.get({profile!r})"}
        return {"module": self.dialect(profile).__name__}

    def start(self, scenario: Scenario, profile: str = "keras3") -> Any:
        if profile in ("keras1", "keras0"):
            session = LegacySession(self.dialect(profile), scenario, profile)
        else:
            session = DialectSession(self.dialect(profile), scenario)
        session.eval_callbacks = facts(profile).eval_callbacks  # keras2, keras1, keras0: only fit() takes callbacks
        session.class_weight_with_sample_weight = facts(profile).class_weight_with_sample_weight
        return session
