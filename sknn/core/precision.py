"""The ``precision`` parameter: full precision, or mixed precision with torch autocast.

``'32'`` (the default)
    No autocast.  The module's parameters and the data follow the rule of
    :mod:`sknn.core.dtypes`: float64 input trains in float64 (as scikit-learn),
    every other input in float32.
``'bf16-mixed'``
    Parameters, optimizer state and the loss stay float32; the forward pass
    runs under :func:`torch.autocast` with bfloat16, so matrix products and
    convolutions (and cuDNN's RNN kernels) run in bfloat16.  bfloat16 has
    float32's range, so no loss scaling is needed.  Fast on GPUs with bfloat16
    tensor cores (A100, H100, recent consumer cards) and on CPUs with AMX or
    AVX512-BF16; elsewhere it can be slower than float32.
``'16-mixed'``
    As ``'bf16-mixed'`` with float16, plus a :class:`torch.amp.GradScaler`
    that scales the loss so that small gradients do not underflow float16
    (steps whose gradients overflow are skipped and the scale lowered).  For
    GPUs without bfloat16 (V100, T4).

With either mixed precision the module is float32 whatever the input's type
(autocast never casts float64), the model's outputs are cast back to float32
before the loss, and ``predict_proba``/regression outputs are float32 NumPy
arrays (the training precision, as for float32 input).  L-BFGS
is refused: its line search compares loss values that bfloat16/float16
rounding makes unreliable.
"""

import contextlib

import torch

PRECISIONS = ("32", "bf16-mixed", "16-mixed")
_AUTOCAST_DTYPES = {"bf16-mixed": torch.bfloat16, "16-mixed": torch.float16}


def is_mixed(precision):
    """Whether ``precision`` names one of the mixed precisions."""
    return precision in _AUTOCAST_DTYPES


def check_precision(precision, solver):
    """Raise ``ValueError`` for combinations that cannot train (mixed precision and L-BFGS)."""
    if is_mixed(precision) and solver == "lbfgs":
        raise ValueError(
            f"precision={precision!r} cannot be used with solver='lbfgs': L-BFGS's line "
            "search needs exact loss values. Use precision='32' with 'lbfgs', or a "
            "stochastic solver ('adam', 'sgd', ...) with mixed precision.")


def module_dtype(precision, input_dtype):
    """The dtype of the module's parameters: float32 under mixed precision."""
    return torch.float32 if is_mixed(precision) else input_dtype


def autocast(precision, device):
    """A context in which the forward pass runs at ``precision`` on ``device``."""
    if not is_mixed(precision):
        return contextlib.nullcontext()
    return torch.autocast(device_type=torch.device(device).type,
                          dtype=_AUTOCAST_DTYPES[precision])


def make_grad_scaler(precision, device):
    """A :class:`torch.amp.GradScaler` for ``'16-mixed'``, else None."""
    if precision != "16-mixed":
        return None
    return torch.amp.GradScaler(torch.device(device).type)


def to_float32(output):
    """Cast low-precision floating point outputs (bfloat16/float16) back to float32."""
    if isinstance(output, torch.Tensor) and output.dtype in (torch.bfloat16, torch.float16):
        return output.float()
    return output
