"""Learning curves of a fitted estimator (matplotlib, an optional dependency)."""


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
    history = getattr(estimator, "history_", None)
    if history is None:
        raise ValueError(f"{type(estimator).__name__} is not fitted: it has no history_.")
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
