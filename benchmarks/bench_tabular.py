"""TabularClassifier / TabularRegressor on DataFrames against what a user writes today.

Side by side, in one run, each contender in its own process (rounds
interleaved, medians reported), every model with its default parameters:

* **Adult** (UCI census income, the 32,561 training rows): a stratified 20%
  validation split cut from the training file (``random_state=0``; the
  official test split is not used).  ``adult_tabular``: ``TabularClassifier()``
  on the frame as loaded; ``adult_onehot_mlp`` (the baseline of the time
  ratio): ``OneHotEncoder + StandardScaler`` then scikit-learn's
  ``MLPClassifier(early_stopping=True)``; ``adult_hgb``:
  ``HistGradientBoostingClassifier(categorical_features='from_dtype')``.
* **Adult, regression** of ``hours-per-week`` from the other columns (R²):
  ``hours_tabular`` (``TabularRegressor()``) and ``hours_onehot_ridge``
  (one-hot + standardized numbers + mean imputation, ``Ridge()``).
* **Clothing reviews** (18,788 rows; target ``Recommended IND``, ``Rating``
  left out of X), a stratified 20% validation split: ``reviews_tabular``
  (``TabularClassifier(text_features=['Title', 'Review Text'])``),
  ``reviews_tabular_shared`` (the same with ``shared_text_encoder=True``),
  ``reviews_no_text`` (the tabular columns only) and ``reviews_tfidf_lr``
  (tf-idf of word 1-2-grams of title + review, ``LogisticRegression()``).

Each child reports its validation ``score`` (accuracy, or R² for the
regressions), ``fit_s`` and, for the networks, ``n_params`` (and
``text_params``, the text encoders' share); the harness adds peak memory
(``max_rss_mib``).

    python benchmarks/bench_tabular.py                 # 3 rounds, one thread each
    python benchmarks/bench_tabular.py --rounds 1 --contenders adult_tabular,adult_onehot_mlp

``--threads`` (default 1) pins torch and the BLAS of every contender, so that
a busy machine hits them alike.  Writes ``benchmarks/results/bench_tabular.json``
and ``.md``.
"""

import argparse
import sys
import time
import warnings

sys.path.insert(0, __import__("os").path.dirname(__file__))
import _harness  # noqa: E402

TEXT = ["Title", "Review Text"]


def _threads(threads):
    import torch
    from threadpoolctl import threadpool_limits

    if threads:
        torch.set_num_threads(threads)
        threadpool_limits(threads)
    warnings.filterwarnings("ignore")


def _split(X, y, stratify=True):
    from sklearn.model_selection import train_test_split

    return train_test_split(X, y, test_size=0.2, random_state=0,
                            stratify=y if stratify else None)


def _adult():
    from sknn.datasets import load_adult

    return load_adult(data_home=_harness.data_home(), return_X_y=True)


def _hours():
    X, _ = _adult()
    return X.drop(columns="hours-per-week"), X["hours-per-week"].astype(float)


def _reviews():
    from sknn.datasets import load_clothing_reviews

    X, y = load_clothing_reviews(data_home=_harness.data_home(), return_X_y=True)
    return X.drop(columns="Rating"), y


def _one_hot():
    from sklearn.compose import make_column_selector, make_column_transformer
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    return make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), make_column_selector(dtype_include="category")),
        (StandardScaler(), make_column_selector(dtype_include="number")))


def _timed(model, data, stratify=True):
    X_train, X_valid, y_train, y_valid = _split(*data, stratify=stratify)
    started = time.perf_counter()
    model.fit(X_train, y_train)
    fit_s = time.perf_counter() - started
    result = {"fit_s": fit_s, "score": float(model.score(X_valid, y_valid))}
    network = model[-1] if hasattr(model, "steps") else model
    if hasattr(network, "module_"):
        module = network.module_
        result["n_params"] = sum(p.numel() for p in module.parameters())
        if hasattr(module, "text_encoders"):
            result["text_params"] = sum(p.numel() for p in module.text_encoders.parameters())
        result["epochs"] = network.n_iter_
    elif isinstance(getattr(network, "n_iter_", None), int):
        result["epochs"] = network.n_iter_
    return result


def adult_tabular(threads):
    _threads(threads)
    from sknn import TabularClassifier

    return _timed(TabularClassifier(random_state=0, device="cpu"), _adult())


def adult_onehot_mlp(threads):
    _threads(threads)
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline

    return _timed(make_pipeline(_one_hot(), MLPClassifier(early_stopping=True, random_state=0)),
                  _adult())


def adult_hgb(threads):
    _threads(threads)
    from sklearn.ensemble import HistGradientBoostingClassifier

    return _timed(HistGradientBoostingClassifier(categorical_features="from_dtype",
                                                 random_state=0), _adult())


def hours_tabular(threads):
    _threads(threads)
    from sknn import TabularRegressor

    return _timed(TabularRegressor(random_state=0, device="cpu"), _hours(), stratify=False)


def hours_onehot_ridge(threads):
    _threads(threads)
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline

    return _timed(make_pipeline(_one_hot(), SimpleImputer(), Ridge()), _hours(), stratify=False)


def _reviews_tabular(threads, **params):
    _threads(threads)
    from sknn import TabularClassifier

    return _timed(TabularClassifier(random_state=0, device="cpu", **params), _reviews())


def reviews_tabular(threads):
    return _reviews_tabular(threads, text_features=TEXT)


def reviews_tabular_shared(threads):
    return _reviews_tabular(threads, text_features=TEXT, shared_text_encoder=True)


def reviews_no_text(threads):
    _threads(threads)
    from sknn import TabularClassifier

    X, y = _reviews()
    return _timed(TabularClassifier(random_state=0, device="cpu"), (X.drop(columns=TEXT), y))


def _joined_text(X):
    return (X["Title"].fillna("") + " " + X["Review Text"].fillna("")).tolist()


def reviews_tfidf_lr(threads):
    _threads(threads)
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    return _timed(make_pipeline(FunctionTransformer(_joined_text),
                                TfidfVectorizer(ngram_range=(1, 2)),
                                LogisticRegression(max_iter=1000)), _reviews())


CONTENDERS = {f.__name__: f for f in (
    adult_tabular, adult_onehot_mlp, adult_hgb, hours_tabular, hours_onehot_ridge,
    reviews_tabular, reviews_tabular_shared, reviews_no_text, reviews_tfidf_lr)}

if __name__ == "__main__" and not _harness.child_main(CONTENDERS):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch and BLAS threads in every contender (0: their defaults)")
    _harness.add_output_args(parser, CONTENDERS)
    args = parser.parse_args()
    _harness.run(__file__, _harness.select(CONTENDERS, args.contenders),
                 {"threads": args.threads}, rounds=args.rounds, baseline="adult_onehot_mlp",
                 title="DataFrames: validation score and fit time (s), CPU",
                 results_dir=args.results_dir, suffix=args.suffix)
