"""sknn's main demo: scikit-learn's digits, MLPClassifier as a drop-in for scikit-learn's.

Compares sknn.MLPClassifier and sklearn.neural_network.MLPClassifier with the
same parameters in the same pipeline, fairly: 5-fold cross-validated accuracy
(mean +- std over the folds, the same folds for both) and the fit time of
those folds, measured after one warm-up fit of each estimator. The warm-up
fit's own time is printed apart: for sknn it includes a one-off cost, most of
it torch importing its compiler stack when the first optimizer is built.
Both run with the thread settings the user has (no pinning): sknn trains this
network in NumPy's BLAS thread pool, as scikit-learn does (docs/training.md).
Then prints sknn's model summary and (when matplotlib is installed) saves its
learning curves to examples/output/digits_history.png. ``--output FILE.json``
also records both estimators' per-epoch curves and scores (the getting-started
figure is drawn from benchmarks/results/results_digits_demo.json by
``python docs/figures.py``).

    python examples/digits_demo.py
    python examples/digits_demo.py --output benchmarks/results/results_digits_demo.json
"""

import argparse
import datetime
import json
import platform
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

from sknn import MLPClassifier, plot_history


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", type=Path, default=None,
                        help="also write the curves and scores to this JSON file")
    args = parser.parse_args(argv)
    record = {"data_set": "digits", "command": "python examples/digits_demo.py"
              + (f" --output {args.output}" if args.output else ""), "estimators": {}}
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
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            start = time.perf_counter()
            warmed_up[name] = model.fit(X, y)[-1]  # the warm-up fit, on all the images
            first = time.perf_counter() - start
            cv = cross_validate(model, X, y, cv=folds)
        accuracy = cv["test_score"]
        print(f"{name:>22}  {accuracy.mean():.3f} +- {accuracy.std():.3f}  "
              f"{np.mean(cv['fit_time']):>6.2f} s  {first:>7.2f} s")
        fitted = warmed_up[name]
        record["estimators"][name] = {
            "cv_accuracy": [float(a) for a in accuracy],
            "fit_s_mean": float(np.mean(cv["fit_time"])), "first_fit_s": first,
            "n_iter": int(fitted.n_iter_),
            "loss_curve": [float(v) for v in fitted.loss_curve_],
            "validation_scores": [float(v) for v in fitted.validation_scores_]}
    print("\nCV accuracy: mean +- std over the 5 folds. fit time: mean over the folds, "
          "after one warm-up fit,\ndefault threads. first fit: that warm-up fit; sknn's "
          "includes a one-off cost,\nmostly torch importing its compiler stack when the "
          "first optimizer is built.")
    ours = warmed_up["sknn.MLPClassifier"]
    print(f"\nsknn trained on {ours.device_} (device='auto'), {ours.n_iter_} epochs on all "
          "the images:\n")
    ours.summary()
    if args.output is not None:
        record.update(date=datetime.date.today().isoformat(), torch=torch.__version__,
                      torch_threads=torch.get_num_threads(), platform=platform.platform())
        args.output.write_text(json.dumps(record, indent=1) + "\n")
        print(f"\nrecorded: {args.output}")
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
