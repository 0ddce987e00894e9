"""scikit-learn's stopping rule, adaptive learning rate and best-weight restore.

One skorch callback implements what ``sklearn.neural_network.MLPClassifier``
does at the end of each epoch:

* without ``early_stopping``: stop when the training loss has not improved by
  at least ``tol`` for more than ``n_iter_no_change`` consecutive epochs;
* with ``early_stopping``: the same on the validation score (accuracy or R²),
  remembering the weights of the best epoch and restoring them at the end;
* with ``learning_rate='adaptive'``: instead of stopping, divide the learning
  rate by 5, and stop only once it has fallen below 1e-6;
* with L-BFGS: also stop once ``max_fun`` loss evaluations are spent.
"""

import copy

from skorch.callbacks import Callback


class SklearnStopping(Callback):
    """Stop training (and adapt the learning rate) as scikit-learn's MLP does.

    Parameters
    ----------
    tol : float
        Minimum improvement of the monitored quantity.
    n_iter_no_change : int
        Epochs without improvement tolerated before stopping.
    early_stopping : bool
        Monitor the validation score (higher is better) instead of the
        training loss (lower is better) and restore the best weights.
    adaptive : bool
        Divide the learning rate by 5 instead of stopping, until it is below
        1e-6.
    max_fun : int or None
        For L-BFGS: the budget of loss evaluations.
    """

    def __init__(self, tol, n_iter_no_change, early_stopping, adaptive, max_fun=None):
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.adaptive = adaptive
        self.max_fun = max_fun

    def initialize(self):
        self.no_improvement_count_ = 0
        self.best_loss_ = float("inf")
        self.best_validation_score_ = -float("inf")
        self.best_state_ = None
        self.stopped_ = False
        return self

    def on_train_begin(self, net, **kwargs):
        self.stopped_ = False
        self.no_improvement_count_ = 0

    def on_epoch_end(self, net, **kwargs):
        record = net.history[-1]
        if self.early_stopping:
            score = record["valid_score"]
            if score < self.best_validation_score_ + self.tol:
                self.no_improvement_count_ += 1
            else:
                self.no_improvement_count_ = 0
            if score > self.best_validation_score_:
                self.best_validation_score_ = score
                self.best_state_ = copy.deepcopy(net.module_.state_dict())
                net.history.record("event_best", True)
        else:
            loss = record["train_loss"]
            if loss > self.best_loss_ - self.tol:
                self.no_improvement_count_ += 1
            else:
                self.no_improvement_count_ = 0
            self.best_loss_ = min(self.best_loss_, loss)

        if self.max_fun is not None and self._function_evaluations(net) >= self.max_fun:
            self.stopped_ = True
            raise KeyboardInterrupt
        if self.no_improvement_count_ > self.n_iter_no_change:
            if self.adaptive and self._reduce_learning_rate(net):
                self.no_improvement_count_ = 0
                return
            self.stopped_ = True
            raise KeyboardInterrupt  # skorch's way to end the fit loop cleanly

    @staticmethod
    def _function_evaluations(net):
        optimizer = net.optimizer_
        state = optimizer.state.get(optimizer.param_groups[0]["params"][0], {})
        return state.get("func_evals", 0)

    @staticmethod
    def _reduce_learning_rate(net):
        groups = net.optimizer_.param_groups
        if groups[0]["lr"] <= 1e-6:
            return False
        for group in groups:
            group["lr"] /= 5.0
        net.history.record("lr", groups[0]["lr"])
        return True

    def on_train_end(self, net, **kwargs):
        if self.early_stopping and self.best_state_ is not None:
            net.module_.load_state_dict(self.best_state_)
