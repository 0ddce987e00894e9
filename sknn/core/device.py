"""Resolving the ``device`` parameter to a concrete torch device."""

import torch


def resolve_device(device):
    """Return the :class:`torch.device` that ``device`` names.

    ``'auto'`` picks CUDA when it is available and the CPU otherwise; any other
    value is passed to :class:`torch.device`, so ``'cpu'``, ``'cuda'``,
    ``'cuda:1'`` and ``'mps'`` all work.  Asking for CUDA on a machine without
    it is an error rather than a silent fall-back to the CPU.
    """
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device={device!r} is not a torch device string: {exc}") from exc
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested but CUDA is not available on this machine; "
            "use device='auto' or 'cpu'."
        )
    return resolved
