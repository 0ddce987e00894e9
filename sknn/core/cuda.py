"""What sknn does differently when it trains or predicts on a CUDA GPU.

Every choice below applies on CUDA only; on the CPU (and MPS) nothing changes.

* ``cudnn.benchmark``: during ``fit``/``partial_fit`` and prediction, cuDNN
  times its convolution algorithms once per input shape and keeps the
  fastest (the batch shapes of a fit repeat every epoch, so this pays off).
  The caller's setting is restored afterwards (when the last of several
  overlapping calls in different threads ends).
* Channels-last convolutions: a module that offers ``use_channels_last()``
  (:class:`sknn.modules.conv.ConvNet`) is switched to the NHWC memory format,
  which cuDNN's tensor-core kernels (float16, bfloat16, TF32) run without
  transposing.  The module's parameters and outputs are the same tensors
  mathematically; only their strides differ.
* Fused recurrent kernels: :class:`sknn.modules.recurrent.RecurrentNet` packs
  the sequences and runs all its layers and both directions in one cuDNN call
  (see its ``pack`` parameter); packing keeps results padding-exact.
* Prediction in batches of :data:`CUDA_PREDICT_BATCH` rows, with one
  device-to-host copy per batch.

Mixed precision (``precision``) and ``compile`` are separate, opt-in
parameters: see :mod:`sknn.core.precision` and the GPU page of the docs.
"""

import contextlib
import threading

import torch

PREDICT_BATCH = 4096
CUDA_PREDICT_BATCH = 8192


def _is_cuda(device):
    return torch.device(device).type == "cuda"


# cudnn.benchmark is one process-wide flag: blocks that overlap in several
# threads (concurrent predict calls) share one "turned on" period, and the
# caller's setting is restored when the last of them ends.
_AUTOTUNE_LOCK = threading.Lock()
_autotune_users = 0
_autotune_previous = None


@contextlib.contextmanager
def cudnn_autotune(device):
    """Turn on ``torch.backends.cudnn.benchmark`` on CUDA for the duration of the block."""
    global _autotune_users, _autotune_previous
    if not _is_cuda(device):
        yield
        return
    with _AUTOTUNE_LOCK:
        if _autotune_users == 0:
            _autotune_previous = torch.backends.cudnn.benchmark
            torch.backends.cudnn.benchmark = True
        _autotune_users += 1
    try:
        yield
    finally:
        with _AUTOTUNE_LOCK:
            _autotune_users -= 1
            if _autotune_users == 0:
                torch.backends.cudnn.benchmark = _autotune_previous


def prepare_module(module, device):
    """Apply the CUDA memory-format choices to a freshly built module on ``device``."""
    if _is_cuda(device) and hasattr(module, "use_channels_last"):
        module.use_channels_last()
    return module


def prediction_batch_size(device, batch_size):
    """Rows per forward pass in ``predict``: at least the training batch size."""
    return max(CUDA_PREDICT_BATCH if _is_cuda(device) else PREDICT_BATCH, int(batch_size))
