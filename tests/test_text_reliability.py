"""TextVectorizer under issue 9: invisible characters, column names, broken word vectors."""

import warnings

import numpy as np
import pandas as pd
import pytest

from sknn.text import TextVectorizer

RLO, PDF, ZWSP, ZWNJ, ZWJ = "\u202e", "\u202c", "\u200b", "\u200c", "\u200d"


@pytest.mark.parametrize("disguised", [
    RLO + "evil" + PDF,                  # right-to-left override ... pop directional formatting
    "\u2066evil\u2069",                  # left-to-right isolate ... pop directional isolate
    "e" + ZWSP + "vil",                  # zero width space inside the word
    "\ufeffevil",                        # byte order mark / zero width no-break space
    "ev\u00adil",                        # soft hyphen
    "evil\x00",                          # NUL
    "e\x1bvil\x7f",                      # escape, delete
    "\u200eevil\u200f",                  # LRM, RLM
    "evil" + ZWJ,                        # a joiner at the edge of a word
    ZWNJ + "evil",
    "\u2060evil",                        # word joiner
    "evil\U000e0001",                    # language tag
])
@pytest.mark.parametrize("analyzer", ["word", "char", "char_wb"])
def test_invisible_characters_do_not_make_new_tokens(disguised, analyzer):
    tv = TextVectorizer(analyzer=analyzer, output_mode="count").fit(["evil"])
    assert (tv.transform([disguised]) != tv.transform(["evil"])).nnz == 0
    seq = TextVectorizer(analyzer=analyzer).fit(["evil", disguised])
    assert list(seq.vocabulary_) == list(TextVectorizer(analyzer=analyzer).fit(
        ["evil", "evil"]).vocabulary_)


def test_invisible_characters_go_with_every_normalisation_off():
    tv = TextVectorizer(lowercase=False, strip_punctuation=False).fit(
        [RLO + "Evil" + PDF + " x\x00y"])
    assert list(tv.vocabulary_) == ["Evil", "xy"]


def test_strip_invisible_false_keeps_them():
    tv = TextVectorizer(strip_invisible=False).fit([RLO + "evil" + PDF, "evil"])
    assert sorted(tv.vocabulary_) == ["evil", RLO + "evil" + PDF]


def test_whitespace_controls_still_separate_words():
    tv = TextVectorizer().fit(["a\tb\nc\rd\x0be\x0cf\x1cg\x85h"])
    assert sorted(tv.vocabulary_) == list("abcdefgh")


def test_joiners_are_kept_inside_words():
    from sknn.text.tokenize import strip_invisible

    # Persian "I want" is written with a zero width non-joiner between mi and khaham
    persian = "\u0645\u06cc" + ZWNJ + "\u062e\u0648\u0627\u0647\u0645"
    assert strip_invisible(persian) == persian
    assert strip_invisible("a" + ZWNJ + ZWNJ + ZWJ + "b") == "a" + ZWNJ + "b"
    # Devanagari: a joiner after a virama (a combining mark) is kept
    assert strip_invisible("\u0915\u094d" + ZWJ + "\u0937") == "\u0915\u094d" + ZWJ + "\u0937"
    # at word edges, beside punctuation, spaces or emoji it goes
    assert strip_invisible(ZWJ + "ab" + ZWNJ + ". c" + ZWJ + " \U0001f468" + ZWJ + "\U0001f469"
                           ) == "ab. c \U0001f468\U0001f469"
    tv = TextVectorizer().fit([persian, persian + ZWNJ])
    assert list(tv.vocabulary_) == [persian]


def test_visible_format_signs_are_kept():
    from sknn.text.tokenize import strip_invisible

    assert strip_invisible("\u06dd12 \u0600") == "\u06dd12 \u0600"


def test_transform_checks_the_column_name_like_sklearn():
    tv = TextVectorizer().fit(pd.DataFrame({"review": ["good film", "bad film"]}))
    np.testing.assert_array_equal(tv.feature_names_in_, ["review"])
    with pytest.raises(ValueError, match="The feature names should match those that were "
                                         "passed during fit"):
        tv.transform(pd.DataFrame({"title": ["good film"]}))
    for unnamed in (np.array([["good film"]], dtype=object), pd.Series(["good film"])):
        with pytest.warns(UserWarning, match="X does not have valid feature names"):
            tv.transform(unnamed)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(tv.transform(pd.DataFrame({"review": ["good"]})),
                                      [[4, 0]])
    # fitted and transformed without a name: no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        TextVectorizer().fit(["good film"]).transform(["good"])


def test_embedding_matrix_refuses_non_finite_vectors():
    tv = TextVectorizer().fit(["a b c"])
    vectors = {"a": np.array([np.nan, 1.0]), "b": np.array([1.0, 2.0])}
    with pytest.raises(ValueError, match=r"the vector of 'a' contains NaN or infinity"):
        tv.embedding_matrix(vectors, random_state=0)
    with pytest.raises(ValueError, match=r"the vector of 'b' contains NaN or infinity"):
        tv.embedding_matrix({"b": np.array([1e300, 2.0])}, random_state=0)  # inf as float32
    matrix = tv.embedding_matrix({"b": np.array([1.0, 2.0])}, random_state=0)
    assert np.isfinite(matrix).all() and matrix.shape == (5, 2)
