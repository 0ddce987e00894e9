"""Checking the ``callbacks`` parameter before skorch sees it.

skorch takes a callback instance, a callback class, or a ``(name, callback)``
pair; anything else used to fail deep inside skorch (``'object' object has no
attribute 'set_params'``).  :func:`check_callbacks` names the bad entry instead.
"""

from skorch.callbacks import Callback

__all__ = ["check_callbacks"]

#: What skorch calls on every callback (the interface of skorch's ``Callback``).
_METHODS = ("initialize", "set_params", "on_train_begin", "on_train_end", "on_epoch_begin",
            "on_epoch_end", "on_batch_begin", "on_batch_end", "on_grad_computed")


def _is_callback(cb):
    if isinstance(cb, type):
        return issubclass(cb, Callback)
    return isinstance(cb, Callback) or all(callable(getattr(cb, m, None)) for m in _METHODS)


def check_callbacks(callbacks):
    """Return ``callbacks`` as a list, or raise a ``TypeError`` naming the bad entry.

    Parameters
    ----------
    callbacks : list or None
        skorch callbacks (instances or classes), or ``(name, callback)`` pairs.

    Returns
    -------
    list
    """
    if callbacks is None:
        return []
    checked = list(callbacks)
    for i, entry in enumerate(checked):
        cb = entry
        if isinstance(entry, tuple):
            if len(entry) != 2 or not isinstance(entry[0], str):
                raise TypeError(
                    f"callbacks[{i}] is the tuple {entry!r}; a named callback is a "
                    "(name, callback) pair with a str name.")
            cb = entry[1]
            if cb is None:  # skorch's way to switch a named callback off
                continue
        if not _is_callback(cb):
            raise TypeError(
                f"callbacks[{i}] is {cb!r} (of type {type(cb).__name__}), not a skorch "
                "callback: pass instances (or subclasses) of skorch.callbacks.Callback, or "
                "(name, callback) pairs.")
    return checked
