"""sknn.text.tokenize: normalisation, n-grams, and the Arabic poem-meter data."""

import string

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer

from sknn.text import TextVectorizer
from sknn.text.tokenize import (
    ARABIC_DIACRITICS,
    build_analyzer,
    build_normalizer,
    char_ngrams,
    char_wb_ngrams,
    strip_accents_ascii,
    strip_accents_unicode,
    strip_punctuation,
    word_ngrams,
)

HARAKAT = [chr(c) for c in range(0x064B, 0x0660)] + ["\u0670", "\u0640"]


def test_arabic_diacritics_constant():
    assert sorted(ARABIC_DIACRITICS) == sorted(HARAKAT)


def test_strip_punctuation_covers_keras_set_and_unicode_punctuation():
    assert strip_punctuation(string.punctuation) == ""
    assert strip_punctuation("“a” ‘b’ – c… «d» ¿e? ،f؛ g؟ h。") == "a b  c d e f g h"
    # symbols and letters stay; only punctuation goes
    assert strip_punctuation("© € 😀 ½ é ß") == "© € 😀 ½ é ß"


def test_strip_accents():
    assert strip_accents_unicode("Crème brûlée, ÅNGSTRÖM") == "Creme brulee, ANGSTROM"
    assert strip_accents_unicode("plain ascii") == "plain ascii"
    verse = "أَلا لَيتَ الشَبابَ يَعودُ يَوماً"
    stripped = strip_accents_unicode(verse)
    assert not set(stripped) & set(HARAKAT)
    # hamza on alef is a letter (NFKD decomposes it into alef + hamza above U+0654,
    # which is a diacritic here too)
    assert stripped == "الا ليت الشباب يعود يوما"
    assert strip_accents_unicode("مـــحـمـد") == "محمد"  # tatweel
    assert strip_accents_unicode("هٰذا") == "هذا"  # superscript alef
    assert strip_accents_ascii("Crème مرحبا") == "Creme "


def test_normalizer_order_and_invisible_characters():
    # with every option off, only the invisible characters go
    raw = build_normalizer(lowercase=False, strip_punctuation=False)
    assert raw("Ca\u200bt, \u202eDog\u202c!") == "Cat, Dog!"
    assert build_normalizer(lowercase=False, strip_punctuation=False,
                            strip_invisible=False) is None
    normalize = build_normalizer(strip_accents="unicode")
    assert normalize("ÉTÉ, Mañana!") == "ete manana"


def test_word_ngrams_match_sklearn():
    tokens = "a b c d".split()
    for ngram_range in [(1, 1), (1, 2), (2, 3), (1, 4), (3, 5)]:
        sk = CountVectorizer(ngram_range=ngram_range)._word_ngrams(list(tokens))
        assert word_ngrams(tokens, ngram_range) == sk
    assert word_ngrams([], (1, 2)) == []


@pytest.mark.parametrize("ngram_range", [(1, 1), (1, 3), (2, 4)])
def test_char_ngrams_match_sklearn(ngram_range):
    text = "ab  c\td  efgh i"
    sk = CountVectorizer(analyzer="char", ngram_range=ngram_range)
    assert char_ngrams(text, ngram_range) == sk._char_ngrams(text)
    sk_wb = CountVectorizer(analyzer="char_wb", ngram_range=ngram_range)
    assert char_wb_ngrams(text, ngram_range) == sk_wb._char_wb_ngrams(text)


def test_default_analyzer():
    analyze = build_analyzer()
    assert analyze("Hello, WORLD!  It's\tme.") == ["hello", "world", "its", "me"]
    assert analyze("") == []
    analyze = build_analyzer(analyzer="char", ngram_range=(2, 2), strip_punctuation=False)
    assert analyze("Ab, c") == ["ab", "b,", ", ", " c"]


@pytest.fixture(scope="module")
def verses(data_home):
    from sknn.datasets import load_poem_meters

    X, y = load_poem_meters(data_home=data_home, return_X_y=True)
    return np.asarray(X[:2000], dtype=object), np.asarray(y[:2000])


def test_poem_meters_character_vocabulary_without_diacritics(verses):
    X, _ = verses
    raw = TextVectorizer(analyzer="char").fit(X)
    assert set(raw.vocabulary_) & set(HARAKAT), "the data should have harakat"
    tv = TextVectorizer(analyzer="char", strip_accents="unicode", output_sequence_length=100)
    ids = tv.fit_transform(X)
    assert not set(tv.vocabulary_) & set(HARAKAT)
    assert len(tv.vocabulary_) < len(raw.vocabulary_)
    assert ids.shape == (len(X), 100) and ids.dtype == np.int64
    assert " " in tv.vocabulary_ and "#" not in tv.vocabulary_  # the half-verse mark
    # every character of a verse is in the fitted vocabulary: no OOV on training data
    assert not (ids == 1).any()
