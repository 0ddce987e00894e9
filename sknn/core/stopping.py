"""scikit-learn's stopping rules, adaptive learning rate, best-weight restore and log lines.

One skorch callback implements what ``sklearn.neural_network.MLPClassifier``
does at the end of each epoch:

* stochastic solvers without ``early_stopping``: stop when the training loss
  has not improved by at least ``tol`` for more than ``n_iter_no_change``
  consecutive epochs (``n_iter_no_change=np.inf`` never stops);
* with ``early_stopping``: the same on the validation score (accuracy or R²),
  remembering the weights of the best epoch and restoring them at the end;
* with ``learning_rate='adaptive'``: instead of stopping, divide the learning
  rate by 5, and stop only once it has fallen below 1e-6;
* L-BFGS (``lbfgs=True``): scipy's L-BFGS-B decides when to stop, as in
  scikit-learn (:mod:`sknn.core.lbfgs`); this callback only keeps the best
  loss and prints the per-iteration lines.

The callback never raises: it asks the net to stop after this epoch by
setting ``net.stop_reason_``, so that every callback after it, the user's
included, still sees the last epoch.  With ``verbose`` it prints
scikit-learn's lines (``Iteration 1, loss = 0.69314718``, ``Validation
score: 0.5``, and the stopping message).
"""

import copy

from skorch.callbacks import Callback


class SklearnStopping(Callback):
    """Stop training (and adapt the learning rate) as scikit-learn's MLP does.

    Parameters
    ----------
    tol : float
        Minimum improvement of the monitored quantity (L-BFGS: gradient
        tolerance).
    n_iter_no_change : int or float
        Epochs without improvement tolerated before stopping; ``np.inf``
        never stops on this rule.
    early_stopping : bool
        Monitor the validation score (higher is better) instead of the
        training loss (lower is better) and restore the best weights.
    adaptive : bool
        Divide the learning rate by 5 instead of stopping, until it is below
        1e-6.
    lbfgs : bool
        L-BFGS: scipy decides when to stop; only track the best loss and print.
    verbose : bool
        Print scikit-learn's per-epoch lines.
    """

    def __init__(self, tol, n_iter_no_change, early_stopping, adaptive, lbfgs=False,
                 verbose=False):
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.adaptive = adaptive
        self.lbfgs = lbfgs
        self.verbose = verbose

    def initialize(self):
        self.no_improvement_count_ = 0
        self.best_loss_ = float("inf")
        self.best_validation_score_ = -float("inf")
        self.best_state_ = None
        self.stopped_ = False
        self.epochs_this_fit_ = 0
        self.previous_loss_ = None
        return self

    def on_train_begin(self, net, **kwargs):
        self.stopped_ = False
        self.epochs_this_fit_ = 0

    # ----------------------------------------------------------------- epoch
    def on_epoch_end(self, net, **kwargs):
        record = net.history[-1]
        self.epochs_this_fit_ += 1
        loss = record["train_loss"]
        if self.verbose:
            print(f"Iteration {self.epochs_this_fit_}, loss = {loss:.8f}")
        if self.lbfgs:
            self._lbfgs_rule(net, loss)
        elif self.early_stopping:
            self._validation_rule(net, record)
        else:
            self._loss_rule(loss)
        if self.lbfgs or self.stopped_:
            return
        if self.no_improvement_count_ > self.n_iter_no_change:
            if self.early_stopping:
                message = (f"Validation score did not improve more than tol={self.tol:f} for "
                           f"{self.n_iter_no_change} consecutive epochs.")
            else:
                message = (f"Training loss did not improve more than tol={self.tol:f} for "
                           f"{self.n_iter_no_change} consecutive epochs.")
            if self.adaptive and self._reduce_learning_rate(net):
                if self.verbose:
                    print(f"{message} Setting learning rate to "
                          f"{net.optimizer_.param_groups[0]['lr']:f}")
                self.no_improvement_count_ = 0
                return
            if self.verbose:
                print(f"{message} Stopping.")
            self._stop(net, "converged")

    def _loss_rule(self, loss):
        if loss > self.best_loss_ - self.tol:
            self.no_improvement_count_ += 1
        else:
            self.no_improvement_count_ = 0
        self.best_loss_ = min(self.best_loss_, loss)

    def _validation_rule(self, net, record):
        score = record["valid_score"]
        if self.verbose:
            print(f"Validation score: {score:f}")
        if score < self.best_validation_score_ + self.tol:
            self.no_improvement_count_ += 1
        else:
            self.no_improvement_count_ = 0
        if score > self.best_validation_score_:
            self.best_validation_score_ = score
            self.best_state_ = copy.deepcopy(net.module_.state_dict())
            net.history.record("event_best", True)

    def _lbfgs_rule(self, net, loss):
        self.best_loss_ = min(self.best_loss_, loss)

    def _stop(self, net, reason):
        self.stopped_ = True
        net.request_stop(reason)

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
