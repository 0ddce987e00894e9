"""TextVectorizer: tokenization, the five output modes, input handling, the sklearn contract."""

import pickle
import time
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import sklearn
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import NotFittedError, SkipTestWarning
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import estimator_checks

from sknn.text import TextVectorizer
from sknn.text.tokenize import build_normalizer

DOCS = [
    "The cat sat on the mat.",
    "The dog sat!",
    "A cat, a dog; a bird?",
]

BAG_MODES = ["multi_hot", "count", "tfidf"]
ALL_MODES = ["int", "one_hot", *BAG_MODES]


@pytest.fixture(scope="module")
def imdb(data_home):
    from sknn.datasets import load_imdb

    reviews, sentiment = load_imdb(data_home=data_home, return_X_y=True)
    return reviews, sentiment


@pytest.fixture(scope="module")
def imdb_slice(imdb):
    reviews, sentiment = imdb
    index = np.r_[0:200, 12500:12700]  # 200 negative and 200 positive reviews
    return reviews[index], sentiment[index]


def _sklearn_equivalent(cls, **kwargs):
    """A scikit-learn vectorizer that tokenizes as TextVectorizer's defaults."""
    return cls(preprocessor=build_normalizer(), tokenizer=str.split, token_pattern=None, **kwargs)


def _assert_same_sparse(X, Y, **tolerances):
    """Same CSR structure (sorted indices) and values within tolerance."""
    X, Y = sp.csr_matrix(X), sp.csr_matrix(Y)
    X.sort_indices()
    Y.sort_indices()
    assert X.shape == Y.shape
    np.testing.assert_array_equal(X.indptr, Y.indptr)
    np.testing.assert_array_equal(X.indices, Y.indices)
    np.testing.assert_allclose(X.data, Y.data, **tolerances)


def _column_permutation(ours, theirs):
    """Columns of `theirs` in the order of `ours`' feature names."""
    return np.array([theirs.vocabulary_[token] for token in ours.get_feature_names_out()])


# ----------------------------------------------------------------- parameters
def test_default_parameters_match_the_api_contract():
    assert TextVectorizer().get_params() == {
        "analyzer": "word",
        "ngram_range": (1, 1),
        "lowercase": True,
        "strip_accents": None,
        "strip_punctuation": True,
        "strip_invisible": True,  # sknn's addition (issue 9): not in Keras
        "max_tokens": None,
        "min_df": 1,
        "max_df": 1.0,
        "output_mode": "int",
        "output_sequence_length": None,
        "padding": "post",
        "truncating": "post",
    }


@pytest.mark.parametrize(
    "params, match",
    [
        ({"output_mode": "binary"}, "output_mode must be one of"),
        ({"padding": "both"}, "padding must be 'pre' or 'post'"),
        ({"truncating": "middle"}, "truncating must be 'pre' or 'post'"),
        ({"ngram_range": (2, 1)}, "ngram_range must be a pair of ints"),
        ({"ngram_range": (0, 1)}, "ngram_range must be a pair of ints"),
        ({"max_tokens": 0}, "max_tokens must be None or a positive int"),
        ({"max_tokens": 2}, "must be at least 3"),
        ({"output_mode": "count", "output_sequence_length": 5}, "only used with output_mode"),
        ({"output_sequence_length": 0}, "output_sequence_length must be None or a positive"),
        ({"min_df": 1.5}, "min_df must be an int"),
        ({"max_df": -1}, "max_df must be an int"),
        ({"min_df": 3, "max_df": 2}, "max_df corresponds to < documents than min_df"),
        ({"min_df": 0.9}, "no terms remain"),
        ({"analyzer": "sentence"}, "analyzer must be 'word', 'char', 'char_wb' or a callable"),
        ({"strip_accents": "latin"}, "strip_accents must be None, 'ascii', 'unicode'"),
    ],
)
def test_invalid_parameters_raise_at_fit(params, match):
    tv = TextVectorizer(**params)  # no validation in __init__ / set_params
    with pytest.raises(ValueError, match=match):
        tv.fit(DOCS)


# ----------------------------------------------------------------- tokenizing
def test_default_normalisation_is_keras_like():
    tv = TextVectorizer().fit(["Hello, World! Don't <br />STOP... x-ray “quoted” it’s"])
    assert sorted(tv.vocabulary_) == sorted(
        ["hello", "world", "dont", "br", "stop", "xray", "quoted", "its"]
    )


def test_lowercase_and_strip_punctuation_can_be_turned_off():
    tv = TextVectorizer(lowercase=False, strip_punctuation=False).fit(["Hello, hello World!"])
    assert sorted(tv.vocabulary_) == ["Hello,", "World!", "hello"]


def test_strip_accents_unicode_removes_accents_and_arabic_diacritics():
    text = "Café naïve مَرْحَبًا بِكُمْـــ هٰذا"
    tv = TextVectorizer(strip_accents="unicode").fit([text])
    assert sorted(tv.vocabulary_) == sorted(["cafe", "naive", "مرحبا", "بكم", "هذا"])
    # without stripping the harakat, tatweel and superscript alef stay
    kept = TextVectorizer().fit([text])
    assert "مَرْحَبًا" in kept.vocabulary_ and "بِكُمْـــ" in kept.vocabulary_
    assert "هٰذا" in kept.vocabulary_
    ascii_only = TextVectorizer(strip_accents="ascii").fit([text])
    assert sorted(ascii_only.vocabulary_) == ["cafe", "naive"]
    custom = TextVectorizer(strip_accents=lambda s: s.replace("é", "e")).fit(["café"])
    assert list(custom.vocabulary_) == ["cafe"]


def test_unicode_punctuation_and_astral_characters():
    tv = TextVectorizer().fit(["good😀 «word» ، بيت؟ 𐄀end"])
    assert sorted(tv.vocabulary_) == sorted(["good😀", "word", "بيت", "end"])


@pytest.mark.parametrize("analyzer", ["char", "char_wb"])
def test_char_analyzers_match_sklearn(analyzer):
    docs = ["Hi  there, you!", "a b", "Short\tand   long words", "x"]
    ours = TextVectorizer(analyzer=analyzer, ngram_range=(1, 3), output_mode="count")
    X = ours.fit_transform(docs)
    theirs = CountVectorizer(analyzer=analyzer, ngram_range=(1, 3), preprocessor=build_normalizer())
    Y = theirs.fit_transform(docs)
    assert X.shape == Y.shape
    assert (X != Y[:, _column_permutation(ours, theirs)]).nnz == 0


def test_char_analyzer_int_mode_gives_character_ids():
    tv = TextVectorizer(analyzer="char", output_mode="int").fit(["aab", "ba c"])
    # counts: a 3, b 2, ' ' 1, c 1 -> ties in code point order (' ' < 'c')
    assert tv.vocabulary_ == {"a": 2, "b": 3, " ": 4, "c": 5}
    np.testing.assert_array_equal(tv.transform(["abz", "c"]), [[2, 3, 1, 0], [5, 0, 0, 0]])


def test_callable_analyzer_gets_normalised_text_and_ngrams():
    seen = []

    def split_dashes(text):
        seen.append(text)
        return text.split("-")

    tv = TextVectorizer(analyzer=split_dashes, ngram_range=(1, 2), output_mode="count")
    tv.fit(["A-B-a"])
    assert seen == ["aba"]  # punctuation stripping deleted the dashes first
    tv = TextVectorizer(
        analyzer=split_dashes, ngram_range=(1, 2), strip_punctuation=False, output_mode="count"
    )
    X = tv.fit_transform(["A-B-a"])
    assert dict(zip(tv.get_feature_names_out(), X.toarray()[0])) == {
        "a": 2,
        "b": 1,
        "a b": 1,
        "b a": 1,
    }
    with pytest.raises(TypeError, match="must return a sequence of tokens"):
        TextVectorizer(analyzer=str.lower).fit(["abc"])


def test_word_ngrams_in_sequence_mode_follow_sklearn_order():
    tv = TextVectorizer(ngram_range=(1, 2)).fit(["a b c"])
    # all tokens have count 1: ids in code point order
    assert tv.vocabulary_ == {"a": 2, "a b": 3, "b": 4, "b c": 5, "c": 6}
    np.testing.assert_array_equal(tv.transform(["a b c"]), [[2, 4, 6, 3, 5]])
    tv = TextVectorizer(ngram_range=(2, 3), output_mode="count").fit(["a b c d"])
    assert sorted(tv.get_feature_names_out()) == ["a b", "a b c", "b c", "b c d", "c d"]


# ------------------------------------------------------------------ int mode
def test_int_ids_are_ranked_by_frequency_with_alphabetical_ties():
    tv = TextVectorizer().fit(DOCS)
    # a: 3, the: 3, cat 2, dog 2, sat 2, then the singletons
    assert tv.vocabulary_ == {
        "a": 2,
        "the": 3,
        "cat": 4,
        "dog": 5,
        "sat": 6,
        "bird": 7,
        "mat": 8,
        "on": 9,
    }
    assert tv.sequence_length_ == 6
    X = tv.transform(DOCS + ["the unicorn sat"])
    assert X.dtype == np.int64
    np.testing.assert_array_equal(
        X,
        [
            [3, 4, 6, 9, 3, 8],
            [3, 5, 6, 0, 0, 0],
            [2, 4, 2, 5, 2, 7],
            [3, 1, 6, 0, 0, 0],
        ],
    )
    assert tv.get_vocabulary()[:4] == ["", "[UNK]", "a", "the"]


def test_vocabulary_does_not_depend_on_document_order():
    docs = ["b a", "c b", "a c d", "e"]
    assert TextVectorizer().fit(docs).vocabulary_ == TextVectorizer().fit(docs[::-1]).vocabulary_


@pytest.mark.parametrize(
    "padding, truncating, expected",
    [
        ("post", "post", [[2, 3, 4], [2, 0, 0]]),
        ("pre", "post", [[2, 3, 4], [0, 0, 2]]),
        ("post", "pre", [[4, 5, 6], [2, 0, 0]]),
        ("pre", "pre", [[4, 5, 6], [0, 0, 2]]),
    ],
)
def test_padding_and_truncating(padding, truncating, expected):
    tv = TextVectorizer(output_sequence_length=3, padding=padding, truncating=truncating)
    X = tv.fit_transform(["a b c d e", "a"])
    assert tv.vocabulary_ == {"a": 2, "b": 3, "c": 4, "d": 5, "e": 6}
    np.testing.assert_array_equal(X, expected)


def test_sequence_length_is_fixed_at_fit():
    tv = TextVectorizer().fit(["a b", "a"])
    np.testing.assert_array_equal(tv.transform(["a a a a", "", "b"]), [[2, 2], [0, 0], [3, 0]])
    assert list(tv.get_feature_names_out()) == ["textvectorizer0", "textvectorizer1"]


def test_pandas_output_for_int_mode_keeps_the_index():
    X = pd.Series(["a b", "c"], index=[5, 7])
    out = TextVectorizer().set_output(transform="pandas").fit_transform(X)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["textvectorizer0", "textvectorizer1"]
    assert list(out.index) == [5, 7]
    np.testing.assert_array_equal(out.to_numpy(), [[2, 3], [4, 0]])


def test_max_tokens_counts_padding_and_oov_in_sequence_modes():
    tv = TextVectorizer(max_tokens=4).fit(DOCS)
    assert tv.vocabulary_ == {"a": 2, "the": 3}
    np.testing.assert_array_equal(tv.transform(["the cat a"])[0, :3], [3, 1, 2])
    one_hot = TextVectorizer(max_tokens=4, output_mode="one_hot").fit_transform(DOCS)
    assert one_hot.shape == (3, 6, 4)


def test_max_tokens_is_the_number_of_columns_in_bag_modes():
    tv = TextVectorizer(max_tokens=4, output_mode="count").fit(DOCS)
    assert list(tv.get_feature_names_out()) == ["a", "the", "cat", "dog"]
    assert tv.transform(DOCS).shape == (3, 4)


def test_min_df_and_max_df_prune_by_document_frequency():
    docs = ["a a a b", "a c", "a b d", "e"]
    tv = TextVectorizer(min_df=2).fit(docs)
    assert tv.vocabulary_ == {"a": 2, "b": 3}
    tv = TextVectorizer(max_df=0.5).fit(docs)  # 'a' is in 3 of 4 documents
    assert tv.vocabulary_ == {"b": 2, "c": 3, "d": 4, "e": 5}
    tv = TextVectorizer(min_df=0.5, max_df=2, output_mode="count").fit(docs)
    assert list(tv.get_feature_names_out()) == ["b"]
    np.testing.assert_array_equal(tv.transform(docs).toarray(), [[1], [0], [1], [0]])


def test_one_hot_is_the_one_hot_encoding_of_the_ids():
    tv = TextVectorizer(output_mode="one_hot", output_sequence_length=7).fit(DOCS)
    docs = DOCS + ["zebra cat"]
    X = tv.transform(docs)
    ids = clone(tv).set_params(output_mode="int").fit(DOCS).transform(docs)
    size = len(tv.vocabulary_) + 2
    assert X.shape == (4, 7, size) and X.dtype == np.float32
    expected = np.eye(size, dtype=np.float32)[ids]
    expected[ids == 0] = 0.0  # padding: all-zero rows
    np.testing.assert_array_equal(X, expected)
    assert X[3, 0, 1] == 1.0  # OOV
    assert list(tv.get_feature_names_out()) == tv.get_vocabulary()
    assert len(tv.get_feature_names_out()) == X.shape[2]


# ---------------------------------------------------------------- bag modes
def test_count_and_multi_hot():
    tv = TextVectorizer(output_mode="count").fit(DOCS)
    assert list(tv.get_feature_names_out()) == [
        "a",
        "the",
        "cat",
        "dog",
        "sat",
        "bird",
        "mat",
        "on",
    ]
    X = tv.transform(DOCS + ["cat cat zebra"])
    assert sp.issparse(X) and X.format == "csr" and X.dtype == np.int64
    assert X.has_sorted_indices
    np.testing.assert_array_equal(
        X.toarray(),
        [
            [0, 2, 1, 0, 1, 0, 1, 1],
            [0, 1, 0, 1, 1, 0, 0, 0],
            [3, 0, 1, 1, 0, 1, 0, 0],
            [0, 0, 2, 0, 0, 0, 0, 0],  # zebra is out of vocabulary: dropped
        ],
    )
    multi = TextVectorizer(output_mode="multi_hot").fit(DOCS)
    Y = multi.transform(DOCS + ["cat cat zebra"])
    assert Y.dtype == np.int64
    np.testing.assert_array_equal(Y.toarray(), (X.toarray() > 0).astype(np.int64))


def test_count_matches_countvectorizer_on_imdb(imdb_slice):
    reviews, _ = imdb_slice
    ours = TextVectorizer(output_mode="count", ngram_range=(1, 2))
    X = ours.fit_transform(reviews)
    theirs = _sklearn_equivalent(CountVectorizer, ngram_range=(1, 2))
    Y = theirs.fit_transform(reviews)
    assert X.shape == Y.shape
    assert (X != Y[:, _column_permutation(ours, theirs)]).nnz == 0


@pytest.mark.parametrize(
    "params",
    [{}, {"ngram_range": (1, 2)}, {"ngram_range": (1, 2), "min_df": 2, "max_df": 0.5}],
)
def test_tfidf_matches_tfidfvectorizer_on_imdb(imdb_slice, params):
    reviews, _ = imdb_slice
    train, test = reviews[:300], reviews[300:]
    ours = TextVectorizer(output_mode="tfidf", **params)
    X = ours.fit_transform(train)
    theirs = _sklearn_equivalent(TfidfVectorizer, **params)
    Y = theirs.fit_transform(train)
    perm = _column_permutation(ours, theirs)
    assert X.shape == Y.shape and X.dtype == np.float64
    assert sorted(ours.vocabulary_) == sorted(theirs.vocabulary_)
    np.testing.assert_allclose(ours.idf_, theirs.idf_[perm], rtol=1e-12)
    _assert_same_sparse(X, Y[:, perm], rtol=1e-12)
    # unseen documents, with out-of-vocabulary tokens, too
    _assert_same_sparse(ours.transform(test), theirs.transform(test)[:, perm], rtol=1e-12)
    norms = sp.linalg.norm(X, axis=1)
    np.testing.assert_allclose(norms[norms > 0], 1.0)


def test_sparse_interface_config_is_followed():
    with sklearn.config_context(sparse_interface="sparray"):
        X = TextVectorizer(output_mode="count").fit_transform(DOCS)
    assert isinstance(X, sp.csr_array)


@pytest.mark.parametrize("mode", ALL_MODES)
def test_feature_names_match_output_width(mode):
    tv = TextVectorizer(output_mode=mode)
    X = tv.fit_transform(DOCS)
    names = tv.get_feature_names_out()
    assert names.dtype == object
    assert len(names) == X.shape[-1]


# -------------------------------------------------------------------- input
@pytest.mark.parametrize(
    "make",
    [
        list,
        tuple,
        np.array,
        lambda d: np.array(d, dtype=object),
        lambda d: np.array(d, dtype=object).reshape(-1, 1),
        pd.Series,
        lambda d: pd.Series(d, dtype="string"),
        lambda d: pd.DataFrame({"review": d}),
        lambda d: (doc for doc in d),
    ],
    ids=[
        "list",
        "tuple",
        "ndarray-U",
        "ndarray-object",
        "2d-one-column",
        "Series",
        "Series-string",
        "DataFrame",
        "generator",
    ],
)
def test_input_containers_give_the_same_output(make):
    expected = TextVectorizer(output_mode="count").fit_transform(DOCS).toarray()
    X = TextVectorizer(output_mode="count").fit_transform(make(DOCS))
    np.testing.assert_array_equal(X.toarray(), expected)


def test_dataframe_column_name_is_recorded():
    tv = TextVectorizer().fit(pd.DataFrame({"review": DOCS}))
    assert tv.n_features_in_ == 1
    assert list(tv.feature_names_in_) == ["review"]
    assert not hasattr(TextVectorizer().fit(DOCS), "feature_names_in_")


@pytest.mark.parametrize(
    "X, match",
    [
        (["ok", "fine", None], r"entry 2 is 'None', a missing value"),
        (pd.Series(["ok", np.nan]), r"entry 1 is 'nan', a missing value"),
        (pd.Series(["ok", None, "x"], dtype="string"), r"entry 1 .* a missing value"),
        (["ok", 3], r"entry 1 is '3', of type int"),
        ([b"bytes"], r"entry 0 is .* of type bytes"),
        ([], "empty input"),
        (np.array([], dtype=object), "empty input"),
        ("a single string", "a single string was given"),
        (pd.DataFrame({"a": ["x"], "b": ["y"]}), r"one text column, got a DataFrame with 2"),
        (np.array([["a", "b"], ["c", "d"]]), r"got an array of shape \(2, 2\)"),
        (np.array("x"), r"got an array of shape \(\)"),
        (sp.csr_matrix(np.eye(2)), "got a sparse matrix"),
        (42, "got int"),
    ],
)
def test_bad_input_raises_a_clear_error(X, match):
    with pytest.raises(ValueError, match=match):
        TextVectorizer().fit(X)
    fitted = TextVectorizer().fit(DOCS)
    with pytest.raises(ValueError, match=match):
        fitted.transform(X)


def test_transform_before_fit_raises_not_fitted():
    with pytest.raises(NotFittedError):
        TextVectorizer().transform(DOCS)
    with pytest.raises(NotFittedError):
        TextVectorizer().get_feature_names_out()


def test_changing_output_mode_family_after_fit_requires_refit():
    tv = TextVectorizer().fit(DOCS)
    tv.set_params(output_mode="count")
    with pytest.raises(NotFittedError, match="fit it again"):
        tv.transform(DOCS)
    assert tv.fit(DOCS).transform(DOCS).shape == (3, 8)


def test_callers_data_is_not_modified():
    docs = list(DOCS)
    frame = pd.DataFrame({"review": DOCS})
    array = np.array(DOCS, dtype=object)
    for mode in ALL_MODES:
        for X in (docs, frame, array):
            TextVectorizer(output_mode=mode).fit_transform(X)
    assert docs == DOCS
    assert frame["review"].tolist() == DOCS
    assert array.tolist() == DOCS


@pytest.mark.parametrize("mode", ALL_MODES)
def test_documents_without_known_tokens_give_empty_rows(mode):
    tv = TextVectorizer(output_mode=mode).fit(["a b", "c"])
    X = tv.transform(["", "!!", "zzz"])
    X = X.toarray() if sp.issparse(X) else X
    expected_sum = 1 if mode in ("int", "one_hot") else 0  # 'zzz' is OOV (id 1)
    assert X.shape[0] == 3 and X.sum() == expected_sum


def test_empty_vocabulary_raises():
    with pytest.raises(ValueError, match="empty vocabulary"):
        TextVectorizer().fit(["", "!!!", "   "])
    with pytest.raises(ValueError, match="empty vocabulary"):
        TextVectorizer(output_mode="tfidf").fit([".,;"])


# ------------------------------------------------------------ sklearn contract
def test_sklearn_checks_that_apply_to_a_text_transformer():
    for check in (
        estimator_checks.check_parameters_default_constructible,
        estimator_checks.check_no_attributes_set_in_init,
        estimator_checks.check_get_params_invariance,
        estimator_checks.check_set_params,
        estimator_checks.check_estimator_repr,
        estimator_checks.check_estimator_cloneable,
        estimator_checks.check_valid_tag_types,
        estimator_checks.check_estimator_tags_renamed,
        estimator_checks.check_do_not_raise_errors_in_init_or_set_params,
        estimator_checks.check_mixin_order,
    ):
        check("TextVectorizer", TextVectorizer())
    # check_estimator itself feeds numeric 2-D arrays: with the string-input tags
    # it skips the estimator, as it does for CountVectorizer.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        estimator_checks.check_estimator(TextVectorizer())
    assert any(issubclass(w.category, SkipTestWarning) for w in caught)


def test_tags_declare_string_input():
    tags = TextVectorizer().__sklearn_tags__()
    assert tags.input_tags.string
    assert tags.input_tags.one_d_array
    assert not tags.input_tags.two_d_array
    assert tags.requires_fit
    assert tags.transformer_tags is not None


def test_clone_and_params_round_trip():
    tv = TextVectorizer(ngram_range=(1, 2), max_tokens=50, output_mode="tfidf", min_df=2)
    params = tv.get_params()
    other = TextVectorizer().set_params(**params)
    assert other.get_params() == params
    cloned = clone(tv.fit(DOCS * 2))
    assert cloned.get_params() == params
    assert not hasattr(cloned, "vocabulary_")


@pytest.mark.parametrize("mode", ALL_MODES)
def test_fit_returns_self_and_fit_transform_equals_fit_then_transform(mode):
    kwargs = {"output_sequence_length": 4} if mode in ("int", "one_hot") else {}
    tv = TextVectorizer(output_mode=mode, ngram_range=(1, 2), **kwargs)
    assert tv.fit(DOCS) is tv
    a = TextVectorizer(output_mode=mode, ngram_range=(1, 2), **kwargs).fit_transform(DOCS)
    b = tv.transform(DOCS)
    if sp.issparse(a):
        assert a.dtype == b.dtype
        a, b = a.toarray(), b.toarray()
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("mode", ALL_MODES)
def test_pickle_round_trip_gives_identical_output(mode):
    tv = TextVectorizer(output_mode=mode, strip_accents="unicode").fit(DOCS)
    restored = pickle.loads(pickle.dumps(tv))
    a, b = tv.transform(DOCS + ["new words"]), restored.transform(DOCS + ["new words"])
    if sp.issparse(a):
        a, b = a.toarray(), b.toarray()
    np.testing.assert_array_equal(a, b)
    assert restored.vocabulary_ == tv.vocabulary_


def test_pipeline_and_grid_search(imdb_slice):
    reviews, sentiment = imdb_slice
    pipe = make_pipeline(
        TextVectorizer(output_mode="tfidf", ngram_range=(1, 2)), LogisticRegression(C=10)
    )
    grid = GridSearchCV(
        pipe,
        {
            "textvectorizer__max_tokens": [500, 5000],
            "textvectorizer__output_mode": ["tfidf", "multi_hot"],
        },
        cv=3,
    )
    grid.fit(reviews, sentiment)
    assert set(grid.best_params_) == {"textvectorizer__max_tokens", "textvectorizer__output_mode"}
    assert grid.best_score_ > 0.65
    vectorizer = grid.best_estimator_.named_steps["textvectorizer"]
    assert len(vectorizer.vocabulary_) == grid.best_params_["textvectorizer__max_tokens"]


def test_column_transformer_with_text_and_numeric_columns(imdb_slice):
    reviews, sentiment = imdb_slice
    frame = pd.DataFrame(
        {
            "review": reviews,
            "rating": np.where(sentiment == "positive", 8, 3) + np.arange(len(reviews)) % 2,
            "length": [len(r) for r in reviews],
        }
    )
    for text_column in ("review", ["review"]):
        columns = ColumnTransformer(
            [
                ("text", TextVectorizer(output_mode="tfidf"), text_column),
                ("num", StandardScaler(), ["rating", "length"]),
            ]
        )
        Xt = columns.fit_transform(frame)
        n_text = len(columns.named_transformers_["text"].vocabulary_)
        assert Xt.shape == (len(frame), n_text + 2)
        names = columns.get_feature_names_out()
        assert len(names) == Xt.shape[1]
        assert names[-2:].tolist() == ["num__rating", "num__length"]
        assert names[0].startswith("text__")
        model = make_pipeline(columns, LogisticRegression()).fit(frame, sentiment)
        assert model.score(frame, sentiment) > 0.95


def test_embedding_matrix_rows_follow_the_vocabulary():
    vectors = {"the": np.array([1.0, 2.0]), "cat": np.array([3.0, 4.0]), "zebra": [9.0, 9.0]}
    tv = TextVectorizer().fit(DOCS)
    E = tv.embedding_matrix(vectors, random_state=0)
    assert E.shape == (len(tv.vocabulary_) + 2, 2) and E.dtype == np.float32
    np.testing.assert_array_equal(E[0], [0.0, 0.0])  # padding
    np.testing.assert_array_equal(E[tv.vocabulary_["the"]], [1.0, 2.0])
    np.testing.assert_array_equal(E[tv.vocabulary_["cat"]], [3.0, 4.0])
    unknown = [1] + [i for t, i in tv.vocabulary_.items() if t not in vectors]
    assert np.all(E[unknown] != 0.0)  # OOV and tokens without a vector: random
    np.testing.assert_array_equal(E, tv.embedding_matrix(vectors, random_state=0))
    assert not np.array_equal(E, tv.embedding_matrix(vectors, random_state=1))
    Z = tv.embedding_matrix(vectors, unknown="zeros")
    assert np.all(Z[unknown] == 0.0)
    bag = TextVectorizer(output_mode="count").fit(DOCS)
    B = bag.embedding_matrix(vectors, unknown="zeros")
    assert B.shape == (len(bag.vocabulary_), 2)
    np.testing.assert_array_equal(B[bag.vocabulary_["cat"]], [3.0, 4.0])
    with pytest.raises(ValueError, match="has 3 values, expected 2"):
        tv.embedding_matrix({"the": [1.0, 2.0], "cat": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="unknown must be"):
        tv.embedding_matrix(vectors, unknown="mean")


# ---------------------------------------------------------------- real data
@pytest.mark.slow
def test_tfidf_bigrams_with_logistic_regression_reach_86_percent_on_imdb(imdb):
    reviews, sentiment = imdb
    X_train, X_valid, y_train, y_valid = train_test_split(
        reviews, sentiment, test_size=0.2, stratify=sentiment, random_state=0
    )
    start = time.perf_counter()
    model = make_pipeline(
        TextVectorizer(output_mode="tfidf", ngram_range=(1, 2), min_df=2),
        LogisticRegression(C=10, max_iter=1000),
    )
    model.fit(X_train, y_train)
    accuracy = model.score(X_valid, y_valid)
    elapsed = time.perf_counter() - start
    print(f"IMDB tf-idf 1-2-gram + LogisticRegression: {accuracy:.4f} in {elapsed:.1f} s")
    assert accuracy >= 0.86
