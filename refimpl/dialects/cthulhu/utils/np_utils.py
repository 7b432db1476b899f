"""``np_utils.to_categorical``: one-hot class vectors, where Keras 0-2 code imports it from."""

from ....utils import to_categorical

__all__ = ["to_categorical"]
