"""Learning curves of a fitted estimator (matplotlib, an optional dependency)."""

from sklearn.exceptions import NotFittedError

from .core import NeuralEstimatorBase


def plot_history(estimator, ax=None):
    """Plot training/validation loss and the validation score per epoch.

    Parameters
    ----------
    estimator : fitted sknn estimator, or a Pipeline ending in one
    ax : matplotlib Axes, optional
        Where to draw; a new figure is made when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The loss axes; the validation score (when there is one) is on a twin
        axis, ``ax.right_ax``.
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "plot_history needs matplotlib: pip install 'sknn-torch[plot]'") from exc
    if hasattr(estimator, "steps"):
        estimator = estimator.steps[-1][1]
    name = type(estimator).__name__
    if not isinstance(estimator, NeuralEstimatorBase):
        hint = (f" (for scikit-learn's {name}, plot its loss_curve_ instead)"
                if hasattr(estimator, "loss_curve_") else "")
        raise TypeError(
            f"plot_history takes an sknn estimator (or a Pipeline ending in one), whose "
            f"history_ records each epoch; got {name}{hint}.")
    history = getattr(estimator, "history_", None)
    if history is None:
        raise NotFittedError(
            f"This {name} instance is not fitted yet: call fit before plot_history "
            "(there is no history_ to plot).")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    epochs = [row["epoch"] for row in history]
    ax.plot(epochs, [row["train_loss"] for row in history], marker="o", label="train loss")
    if all("valid_loss" in row for row in history):
        ax.plot(epochs, [row["valid_loss"] for row in history], marker="o",
                label="validation loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title(type(estimator).__name__)
    handles, labels = ax.get_legend_handles_labels()
    ax.right_ax = None
    if all("valid_score" in row for row in history):
        right = ax.twinx()
        right.plot(epochs, [row["valid_score"] for row in history], color="tab:green",
                   marker="s", label="validation score")
        right.set_ylabel("validation score")
        more_h, more_l = right.get_legend_handles_labels()
        handles, labels = handles + more_h, labels + more_l
        ax.right_ax = right
    # the twin axis is drawn over ``ax``: give it the legend so nothing hides it
    (ax.right_ax or ax).legend(handles, labels, loc="center right")
    return ax
