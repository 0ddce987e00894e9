"""scikit-learn's ``learning_rate='invscaling'`` schedule as a skorch callback."""

from functools import partial

from skorch.callbacks import LRScheduler
from torch.optim.lr_scheduler import LambdaLR


def _invscaling_factor(epoch, n_samples, power_t):
    # scikit-learn sets lr = learning_rate_init / (t + 1) ** power_t after
    # each epoch, with t the number of samples seen so far.
    return 1.0 / (epoch * n_samples + 1) ** power_t


def invscaling_scheduler(n_samples, power_t):
    """Return an :class:`skorch.callbacks.LRScheduler` for ``'invscaling'``."""
    return LRScheduler(
        policy=LambdaLR,
        lr_lambda=partial(_invscaling_factor, n_samples=n_samples, power_t=power_t),
        step_every="epoch",
    )
