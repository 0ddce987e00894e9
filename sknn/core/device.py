"""Resolving the ``device`` parameter to a concrete torch device."""

import torch

#: Device types sknn trains on, each with the check that it is usable here.
_BACKENDS = {
    "cpu": lambda: True,
    "cuda": lambda: torch.cuda.is_available(),
    "mps": lambda: torch.backends.mps.is_available(),
    "xpu": lambda: hasattr(torch, "xpu") and torch.xpu.is_available(),
}


def _device_count(kind):
    return torch.cuda.device_count() if kind == "cuda" else torch.xpu.device_count()


def resolve_device(device):
    """Return the :class:`torch.device` that ``device`` names.

    ``'auto'`` picks CUDA when it is available and the CPU otherwise; any other
    value is passed to :class:`torch.device`.  sknn trains on ``'cpu'``,
    ``'cuda'`` (``'cuda:1'``...), ``'mps'`` (Apple GPUs) and ``'xpu'`` (Intel
    GPUs).  Asking for one that this machine or this torch build lacks is a
    ``ValueError`` rather than a silent fall-back to the CPU, and so is any
    other device type (``'meta'`` holds no data; ``'hpu'``, ``'xla'``... are
    not supported).
    """
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device={device!r} is not a torch device string: {exc}") from exc
    kind = resolved.type
    if kind not in _BACKENDS:
        raise ValueError(
            f"device={device!r} is not supported: sknn trains on 'cpu', 'cuda', 'mps' or "
            "'xpu' (or 'auto')" + (
                "; a 'meta' tensor holds no data, so nothing can be trained on it."
                if kind == "meta" else "."))
    if not _BACKENDS[kind]():
        raise ValueError(
            f"device={device!r} was requested but {kind.upper()} is not available on this "
            "machine (or this torch build has no support for it); use device='auto' or "
            "'cpu'.")
    if kind in ("cuda", "xpu") and resolved.index is not None:
        count = _device_count(kind)
        if resolved.index >= count:
            raise ValueError(
                f"device={device!r} was requested but this machine has {count} {kind.upper()} "
                f"device(s), numbered from 0.")
    return resolved
