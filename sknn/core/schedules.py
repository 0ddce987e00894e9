"""scikit-learn's ``learning_rate='invscaling'`` schedule as a skorch callback."""

from functools import partial

from skorch.callbacks import LRScheduler
from torch.optim.lr_scheduler import LambdaLR


def _invscaling_factor(epoch, n_samples, power_t, t_offset=0):
    # scikit-learn sets lr = learning_rate_init / (t + 1) ** power_t after
    # each epoch, with t the number of samples seen so far (over warm-started
    # fits too: ``t_offset``); a fit starts at learning_rate_init.
    if epoch == 0:
        return 1.0
    return 1.0 / (t_offset + epoch * n_samples + 1) ** power_t


def invscaling_scheduler(n_samples, power_t, t_offset=0):
    """Return an :class:`skorch.callbacks.LRScheduler` for ``'invscaling'``.

    ``n_samples`` is the number of training samples per epoch, ``t_offset``
    the number seen by earlier (warm-started) fits.
    """
    return LRScheduler(
        policy=LambdaLR,
        lr_lambda=partial(_invscaling_factor, n_samples=n_samples, power_t=power_t,
                          t_offset=t_offset),
        step_every="epoch",
    )
