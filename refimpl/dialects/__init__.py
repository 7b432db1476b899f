"""Dialects: the Keras versions of the seed documents, running on refimpl.

Each dialect is a package shaped like the ``keras`` its documentation imports, so an old example runs after
one change, its import line::

    import refimpl.dialects.keras1 as keras          # was: import keras
    from refimpl.dialects.keras1.callbacks import ModelCheckpoint

========================  =========  ===============================================================
package                   profile    system
========================  =========  ===============================================================
``dialects.keras0``       keras0     Keras 0.x (2015): hooks without ``logs``, ``model.batch_history``
``dialects.keras1``       keras1     Keras 1.x: ``Dense(10, input_dim=784, init=...)``, ``nb_epoch``
``dialects.keras2``       keras2     Keras 2.0-2.2 (as 2.2.4): ``acc``/``val_acc``, ``period``, ``epsilon``
``dialects.tf_keras``     tf-keras   tf-keras 2.x: Keras 2's names, callbacks in evaluate/predict too
``dialects.cthulhu``      keras2     cthulhu, a renamed fork of Keras 2.2: ``Pile``, ``summon``...
========================  =========  ===============================================================

Every dialect package has ``PROFILE`` (the name of its refimpl profile) and ``models.Sequential`` (cthulhu:
``models.Pile``).
"""

DIALECTS = ("keras0", "keras1", "keras2", "tf_keras", "cthulhu")

__all__ = ["DIALECTS"]
