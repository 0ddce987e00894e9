"""sknn's main demo: scikit-learn's digits, MLPClassifier as a drop-in for scikit-learn's.

Compares sknn.MLPClassifier and sklearn.neural_network.MLPClassifier with the
same parameters in the same pipeline, fairly: 5-fold cross-validated accuracy
(mean +- std over the folds, the same folds for both) and the fit time of
those folds, measured after one warm-up fit of each estimator. The warm-up
fit's own time is printed apart: for sknn it includes a one-off cost, most of
it torch importing its compiler stack when the first optimizer is built.
Both run on one CPU thread (torch's and NumPy's BLAS): the network is small,
and extra threads only contend with each other on a busy machine.
Then prints sknn's model summary and (when matplotlib is installed) saves its
learning curves to examples/output/digits_history.png.

    python examples/digits_demo.py
"""

import time
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.neural_network import MLPClassifier as SklearnMLP
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from sknn import MLPClassifier, plot_history


def main():
    torch.set_num_threads(1)
    X, y = load_digits(return_X_y=True)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    print(f"digits: {len(X)} 8x8 images, 10 classes; 5-fold cross-validation, "
          "the same folds and parameters for both\n")
    print(f"{'':>22}  {'CV accuracy':>15}  {'fit time':>8}  {'first fit':>9}")
    warmed_up = {}
    for name, Estimator in [("sklearn MLPClassifier", SklearnMLP),
                            ("sknn.MLPClassifier", MLPClassifier)]:
        model = make_pipeline(StandardScaler(), Estimator(
            hidden_layer_sizes=(128,), max_iter=100, early_stopping=True, random_state=0))
        with warnings.catch_warnings(), threadpool_limits(limits=1):
            warnings.simplefilter("ignore", ConvergenceWarning)
            start = time.perf_counter()
            warmed_up[name] = model.fit(X, y)[-1]  # the warm-up fit, on all the images
            first = time.perf_counter() - start
            cv = cross_validate(model, X, y, cv=folds)
        accuracy = cv["test_score"]
        print(f"{name:>22}  {accuracy.mean():.3f} +- {accuracy.std():.3f}  "
              f"{np.mean(cv['fit_time']):>6.2f} s  {first:>7.2f} s")
    print("\nCV accuracy: mean +- std over the 5 folds. fit time: mean over the folds, "
          "after one warm-up fit,\none CPU thread each. first fit: that warm-up fit; sknn's "
          "includes a one-off cost,\nmostly torch importing its compiler stack when the "
          "first optimizer is built.")
    ours = warmed_up["sknn.MLPClassifier"]
    print(f"\nsknn trained on {ours.device_} (device='auto'), {ours.n_iter_} epochs on all "
          "the images:\n")
    ours.summary()
    try:
        import matplotlib
    except ImportError:
        return
    matplotlib.use("Agg")
    out = Path(__file__).resolve().parent / "output" / "digits_history.png"
    out.parent.mkdir(exist_ok=True)
    plot_history(ours).figure.savefig(out, dpi=100, bbox_inches="tight")
    print(f"\nlearning curves: {out}")


if __name__ == "__main__":
    main()
