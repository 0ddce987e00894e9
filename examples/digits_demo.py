"""sknn's main demo: scikit-learn's digits, MLPClassifier as a drop-in for scikit-learn's.

Fits sknn.MLPClassifier and sklearn.neural_network.MLPClassifier with the same
parameters in the same pipeline, prints accuracy and fit time of each, prints
sknn's model summary, and (when matplotlib is installed) saves its learning
curves to examples/output/digits_history.png.

    python examples/digits_demo.py
"""

import time
import warnings
from pathlib import Path

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SklearnMLP
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn import MLPClassifier, plot_history


def main():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0)
    print(f"digits: {len(X_train)} training and {len(X_test)} test images, 10 classes\n")
    fitted = {}
    for name, Estimator in [("sknn.MLPClassifier", MLPClassifier),
                            ("sklearn MLPClassifier", SklearnMLP)]:
        model = make_pipeline(StandardScaler(), Estimator(
            hidden_layer_sizes=(128,), max_iter=100, early_stopping=True, random_state=0))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            start = time.perf_counter()
            model.fit(X_train, y_train)
            seconds = time.perf_counter() - start
        clf = fitted[name] = model[-1]
        print(f"{name:>22}: test accuracy {model.score(X_test, y_test):.3f}, "
              f"{clf.n_iter_} epochs in {seconds:.2f} s "
              f"(best validation accuracy {clf.best_validation_score_:.3f})")
    ours = fitted["sknn.MLPClassifier"]
    print(f"\nsknn trained on {ours.device_} (device='auto'):\n")
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
