"""TabularClassifier / TabularRegressor on DataFrames: real fits on small subsets of the
shared Adult and clothing-review data, the errors that name a column, persistence and
model selection."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.compose import make_column_selector, make_column_transformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from sknn import TabularClassifier, TabularRegressor
from sknn.modules.tabular import embedding_size

QUICK = dict(hidden_layer_sizes=(32,), max_iter=15, random_state=0, device="cpu")


@pytest.fixture(scope="module")
def adult(data_home):
    from sknn.datasets import load_adult

    X, y = load_adult(data_home=data_home, return_X_y=True)
    return X.iloc[:3000].reset_index(drop=True), y.iloc[:3000].reset_index(drop=True)


@pytest.fixture(scope="module")
def reviews(data_home):
    from sknn.datasets import load_clothing_reviews

    X, y = load_clothing_reviews(data_home=data_home, return_X_y=True)
    return X.drop(columns="Rating").iloc[:2000].reset_index(drop=True), y.iloc[:2000]


def small_frame(n=200, seed=0):
    rng = np.random.RandomState(seed)
    return pd.DataFrame({
        "colour": rng.choice(["red", "green", "blue"], n),
        "size": pd.Categorical(rng.choice(["S", "M", "L"], n)),
        "weight": rng.normal(size=n),
        "flag": rng.rand(n) > 0.5,
        "note": rng.choice(["good fit", "too small", "nice colour", "bad"], n),
    })


def test_adult_subset_fit_and_unseen_values(adult):
    X, y = adult
    model = TabularClassifier(**QUICK).fit(X, y)
    assert model.columns_.kinds.count("categorical") == 8
    assert model.columns_.kinds.count("numeric") == 6
    assert list(model.feature_names_in_) == list(X.columns)
    assert model.score(X, y) > 0.8
    # unseen categories, NaN everywhere (also in columns without NaN in fit)
    odd = X.iloc[:5].copy()
    odd["workclass"] = odd["workclass"].cat.add_categories(["Astronaut"])
    odd.loc[:, "workclass"] = "Astronaut"
    odd.loc[0, ["age", "fnlwgt", "capital-gain"]] = np.nan
    odd.loc[1, "education"] = np.nan
    proba = model.predict_proba(odd)
    assert proba.shape == (5, 2) and np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)


def test_embedding_sizes_follow_the_rule(adult):
    X, y = adult
    model = TabularClassifier(**{**QUICK, 'max_iter': 1}).fit(X, y)
    dims = [e.embedding_dim for e in model.module_.embeddings]
    assert dims == [embedding_size(n) for n in model.columns_.cardinalities()]
    assert embedding_size(38 + 2) == round(1.6 * 40 ** 0.56)
    fixed = TabularClassifier(**{**QUICK, 'max_iter': 1}, embedding_dims={"sex": 7}).fit(X, y)
    sex = fixed.columns_.positions("categorical").index(list(X.columns).index("sex"))
    assert fixed.module_.embeddings[sex].embedding_dim == 7


def test_text_and_shared_encoder(reviews):
    X, y = reviews
    text = ["Title", "Review Text"]
    quick = {**QUICK, "early_stopping": False}
    separate = TabularClassifier(**quick, text_features=text).fit(X, y)
    shared = TabularClassifier(**quick, text_features=text, shared_text_encoder=True).fit(X, y)
    assert separate.columns_.kinds.count("text") == 2
    count = [sum(p.numel() for p in m.module_.text_encoders.parameters())
             for m in (separate, shared)]
    assert len(shared.module_.text_encoders) == 1 and count[1] < count[0]
    assert separate.score(X, y) > 0.9  # the majority rate is 0.82
    gru = TabularClassifier(**QUICK, text_features=text, text_encoder="gru",
                            text_hidden_size=8).fit(X.iloc[:600], y.iloc[:600])
    assert np.isfinite(gru.predict_proba(X.iloc[:50])).all()


def test_errors_name_the_column():
    X = small_frame()
    y = (X["weight"] > 0).to_numpy()
    model = TabularClassifier(**QUICK, text_features=["note"]).fit(X, y)
    with pytest.raises(ValueError, match="weight"):
        model.predict(X.drop(columns="weight"))
    strings = X.copy()
    strings["weight"] = strings["weight"].astype(object)
    strings.loc[3, "weight"] = "heavy"
    with pytest.raises(ValueError, match="Column 'weight' was numeric in fit.*'heavy'"):
        model.predict(strings)
    bad_text = X.copy()
    bad_text["note"] = bad_text["note"].astype(object)
    bad_text.loc[2, "note"] = 17
    with pytest.raises(ValueError, match="Text column 'note'.*row 2: 17"):
        model.predict(bad_text)
    missing_text = X.copy()
    missing_text.loc[2, "note"] = None  # a missing text is an empty text
    assert np.isfinite(model.predict_proba(missing_text)).all()
    empty = X.assign(extra=np.nan)
    with pytest.raises(ValueError, match="Column 'extra' holds only missing values"):
        clone(model).fit(empty, y)
    before = X.copy()
    assert X.equals(before)  # the caller's frame is untouched


def test_huge_cardinality_column_is_capped():
    X = small_frame(n=1500)
    X["id"] = [f"user{i}" for i in range(len(X))]
    y = X["flag"].to_numpy()
    with pytest.warns(UserWarning, match="Column 'id' has 1,500 categories; it keeps the 1,000"):
        model = TabularClassifier(**{**QUICK, 'max_iter': 1}).fit(X, y)
    assert len(model.columns_.categories[model.columns_.positions("categorical").index(5)]) \
        == 1000
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        TabularClassifier(**{**QUICK, 'max_iter': 1}, max_categories=50).fit(X, y)


def test_regressor_beats_one_hot_ridge(adult):
    X, _ = adult
    y = X["hours-per-week"].to_numpy(dtype=float)
    X = X.drop(columns="hours-per-week")
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    net = TabularRegressor(**QUICK).fit(X_train, y_train)
    one_hot = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), make_column_selector(dtype_include="category")),
        (StandardScaler(), make_column_selector(dtype_include="number")))
    ridge = make_pipeline(one_hot, SimpleImputer(), Ridge()).fit(X_train, y_train)
    net_r2 = net.score(X_test, y_test)
    ridge_r2 = ridge.score(X_test, y_test)
    assert net.predict(X_test).dtype == np.float64
    assert net_r2 > ridge_r2, (net_r2, ridge_r2)


def test_pickle_save_weights_and_model_selection(tmp_path):
    X = small_frame(n=600)
    y = np.where(X["weight"] + (X["colour"] == "red") > 0.5, "yes", "no")
    model = TabularClassifier(**QUICK, text_features=["note"]).fit(X, y)
    expected = model.predict_proba(X)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(model)).predict_proba(X), expected)
    path = tmp_path / "tabular.safetensors"
    model.save_weights(path)
    from sknn.export import load_weights

    loaded = load_weights(path)
    assert type(loaded) is TabularClassifier
    np.testing.assert_allclose(loaded.predict_proba(X), expected, rtol=1e-6)
    search = GridSearchCV(TabularClassifier(**{**QUICK, 'max_iter': 3}, text_features=["note"]),
                          {"numeric_transform": ["quantile", "standard"],
                           "text_encoder": ["bag", "gru"]}, cv=2).fit(X, y)
    assert set(search.cv_results_["param_text_encoder"]) == {"bag", "gru"}
    scores = cross_val_score(clone(model).set_params(max_iter=3), X, y, cv=2)
    assert scores.shape == (2,)


def test_numeric_array_and_pandas_output_pipeline():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 4))
    y = X[:, 0] > 0
    model = TabularClassifier(**QUICK).fit(X, y)
    assert model.columns_.kinds == ["numeric"] * 4 and model.score(X, y) > 0.9
    frame = pd.DataFrame(X, columns=list("abcd"))
    pipe = make_pipeline(SimpleImputer().set_output(transform="pandas"),
                         TabularClassifier(**QUICK)).fit(frame, y)
    assert list(pipe[-1].feature_names_in_) == list("abcd")


def test_loaders(data_home):
    from sknn.datasets import load_adult, load_clothing_reviews

    adult = load_adult(data_home=data_home)
    assert adult.data.shape == (32561, 14) and adult.frame.shape == (32561, 15)
    assert adult.data["workclass"].dtype == "category"
    assert adult.data["workclass"].isna().sum() == 1836  # the file's "?"
    assert adult.data["age"].dtype == np.int64
    assert list(adult.target_names) == ["<=50K", ">50K"]
    reviews = load_clothing_reviews(data_home=data_home)
    assert reviews.data.shape == (18788, 9)
    assert reviews.data["Title"].isna().sum() == 3060
    assert reviews.data["Class Name"].dtype == "category"
    assert round(reviews.target.mean(), 3) == 0.822


def test_pretrained_word_vectors_initialise_the_text_embedding():
    from sknn.text import WordVectors

    X = small_frame(n=300)
    y = X["note"].str.contains("good|nice").to_numpy()
    vectors = WordVectors({"good": np.ones(5), "bad": -np.ones(5)}, dim=5)
    model = TabularClassifier(**QUICK, text_features=["note"], word_vectors=vectors,
                              freeze_word_vectors=True).fit(X, y)
    embedding = model.module_.text_encoders[0].embedding
    vocabulary = model.columns_.vectorizers[0].vocabulary_
    assert embedding.weight.shape[1] == 5 and not embedding.weight.requires_grad
    np.testing.assert_array_equal(embedding.weight[vocabulary["good"]].numpy(), np.ones(5))
