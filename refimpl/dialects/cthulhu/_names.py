"""cthulhu's renames of Keras names (from the fork's ``cthulhu/names.py``), and messages spoken with them."""

from __future__ import annotations

import functools
import re

from .._names import raised_in_refimpl

MODELS = {"Sequential": "Pile", "Model": "Lump"}
MODEL_METHODS = {"fit": "summon", "compile": "conjure"}
# The layers refimpl implements, and the fork's names for the ones it does not.
LAYERS = {"Dense": "Daoloth", "Activation": "Azatoth", "Dropout": "Darkness"}
UNIMPLEMENTED_LAYERS = {
    "Lambda": "LuKthu", "SpatialDropout1D": "SpatialDarkness1D", "Conv1D": "Cthalpa1D", "Conv2D": "Cthalpa2D",
    "Conv3D": "Cthalpa3D", "SeparableConv1D": "SucNaath1D", "SeparableConv2D": "SucNaath2D",
    "DepthwiseConv2D": "Dendrrah2D", "UpSampling1D": "UbboSathla1D", "UpSampling2D": "UbboSathla2D",
    "UpSampling3D": "UbboSathla3D", "ZeroPadding1D": "Xexanoth1D", "ZeroPadding2D": "Xexanoth2D",
    "ZeroPadding3D": "Xexanoth3D", "MaxPooling1D": "Mlandoth1D", "MaxPooling2D": "Mlandoth2D",
    "MaxPooling3D": "Mlandoth3D", "AveragePooling1D": "AiuebGnshal1D", "AveragePooling2D": "AiuebGnshal2D",
    "AveragePooling3D": "AiuebGnshal3D", "GlobalMaxPooling1D": "GhrothMlandoth1D",
    "GlobalMaxPooling2D": "GhrothMlandoth2D", "GlobalMaxPooling3D": "GhrothMlandoth3D",
    "GlobalAveragePooling1D": "GrothAiuebGnshal1D", "GlobalAveragePooling2D": "GrothAiuebGnshal2D",
    "GlobalAveragePooling3D": "GrothAiuebGnshal3D", "LocallyConnected1D": "LuKthu1D",
    "LocallyConnected2D": "LuKthu2D", "SimpleRNN": "ShabithKa", "GRU": "Groth", "LSTM": "Laldagorth",
    "ConvLSTM2D": "Cxaxukluth", "Embedding": "TheHydra", "BatchNormalization": "BlacknessFromTheStars",
}
CALLBACKS = {"ModelCheckpoint": "LumpCheckpoint"}
NOT_IN_REFIMPL = {cthulhu_name: f"cthulhu's {cthulhu_name} (Keras's {keras_name}) is not implemented by refimpl, "
                                f"which has {', '.join(LAYERS.values())} and Flatten."
                  for keras_name, cthulhu_name in UNIMPLEMENTED_LAYERS.items()}

_MESSAGE_RENAMES = [
    (re.compile(r"\bcompile\(\)"), "conjure()"),
    (re.compile(r"\bfit\(\)"), "summon()"),
    (re.compile(r"\brefimpl\.callbacks\b"), "cthulhu.callbacks"),
    (re.compile(r"\bkeras\b"), "cthulhu"),
    *((re.compile(rf"\b{keras_name}\b"), name) for keras_name, name in
      {**MODELS, **LAYERS, **CALLBACKS, **UNIMPLEMENTED_LAYERS}.items()),
]


def speak(message: str) -> str:
    """Rewrite a refimpl message with cthulhu's names.

    Example:
        >>> speak("You must call compile() before fit(): the model has no loss or optimizer yet.")
        'You must call conjure() before summon(): the model has no loss or optimizer yet.'
    """
    for pattern, replacement in _MESSAGE_RENAMES:
        message = pattern.sub(replacement, message)
    return message


def speaks_cthulhu(function):
    """Decorate ``function`` so refimpl's errors raised inside it use cthulhu's names."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except Exception as error:
            if raised_in_refimpl(error) and len(error.args) == 1 and isinstance(error.args[0], str):
                error.args = (speak(error.args[0]),)
            raise

    return wrapper
