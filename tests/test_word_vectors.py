"""load_word_vectors: GloVe and word2vec text formats, errors, and embedding_matrix."""

import gzip
import io
import pickle

import numpy as np
import pytest

from sknn.text import TextVectorizer, WordVectors, load_word_vectors
from sknn.text.word_vectors import save_word_vectors

GLOVE = "the 0.1 0.2 0.3\ncat -1.5 2 3e-2\n, 0 0 1\n"
WORD2VEC = "3 3\n" + GLOVE


def _write(tmp_path, text, name="vectors.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _check_three(vectors):
    assert isinstance(vectors, WordVectors) and isinstance(vectors, dict)
    assert vectors.dim == 3 and vectors.vector_size == 3
    assert list(vectors) == ["the", "cat", ","]
    for vector in vectors.values():
        assert vector.dtype == np.float32 and vector.shape == (3,)
    np.testing.assert_array_equal(vectors["the"], np.float32([0.1, 0.2, 0.3]))
    np.testing.assert_array_equal(vectors["cat"], np.float32([-1.5, 2.0, 0.03]))
    np.testing.assert_array_equal(vectors[","], np.float32([0.0, 0.0, 1.0]))


def test_glove_format(tmp_path):
    _check_three(load_word_vectors(_write(tmp_path, GLOVE)))
    _check_three(load_word_vectors(str(_write(tmp_path, GLOVE))))


def test_word2vec_format_with_header(tmp_path):
    _check_three(load_word_vectors(_write(tmp_path, WORD2VEC)))


def test_crlf_trailing_spaces_and_blank_lines(tmp_path):
    text = "the 0.1 0.2 0.3 \r\n\r\ncat -1.5 2 3e-2\r\n, 0 0 1\r\n\n"
    _check_three(load_word_vectors(_write(tmp_path, text)))


def test_gzip_and_file_objects(tmp_path):
    path = tmp_path / "vectors.txt.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(WORD2VEC)
    _check_three(load_word_vectors(path))
    _check_three(load_word_vectors(io.StringIO(GLOVE)))


def test_words_with_spaces_are_read_whole(tmp_path):
    vectors = load_word_vectors(_write(tmp_path, "the 1 2\n. . . 3 4\nnew york 5 6\n"))
    assert list(vectors) == ["the", ". . .", "new york"]
    np.testing.assert_array_equal(vectors["new york"], [5.0, 6.0])


def test_vocabulary_filter_max_words_and_duplicates(tmp_path):
    path = _write(tmp_path, GLOVE + "the 9 9 9\n")
    vectors = load_word_vectors(path, vocabulary={"cat": 2, "dog": 3})
    assert list(vectors) == ["cat"] and vectors.dim == 3
    assert list(load_word_vectors(path, max_words=2)) == ["the", "cat"]
    np.testing.assert_array_equal(load_word_vectors(path)["the"], np.float32([0.1, 0.2, 0.3]))
    empty = load_word_vectors(path, vocabulary=["zebra"])
    assert len(empty) == 0 and empty.dim == 3
    assert load_word_vectors(path, dtype=np.float64)["cat"].dtype == np.float64


@pytest.mark.parametrize(
    "text, match",
    [
        (
            "the 1 2 3\ncat 1 2\n",
            r"line 2: ragged dimensions, the vector of 'cat' has 2 values, "
            r"expected 3",
        ),
        ("the 1 2 3\ncat 1 2 3 4\n", r"line 2: ragged dimensions, the vector of 'cat' has 4"),
        ("2 3\nthe 1 2\ncat 1 2\n", r"line 2: ragged dimensions, the vector of 'the' has 2 values"),
        ("the 1 2 3\ncat 1 x 3\n", r"line 2: the vector of 'cat' holds a value that is not a"),
        ("", "holds no word vectors"),
        ("\n\n", "holds no word vectors"),
        ("lonely\n", "line 1: expected a word followed by its vector"),
    ],
)
def test_malformed_files_raise_clear_errors(tmp_path, text, match):
    with pytest.raises(ValueError, match=match):
        load_word_vectors(_write(tmp_path, text))


def test_header_count_mismatch_warns(tmp_path):
    with pytest.warns(UserWarning, match="announces 5 words but the file has 3"):
        vectors = load_word_vectors(_write(tmp_path, "5 3\n" + GLOVE))
    assert len(vectors) == 3


def test_binary_file_raises(tmp_path):
    path = tmp_path / "vectors.bin"
    path.write_bytes(b"3 2\nthe \xff\xfe\x00\x01\x9c\x80\x00")
    with pytest.raises(ValueError, match="binary word2vec files are not supported"):
        load_word_vectors(path)


def test_bad_max_words():
    with pytest.raises(ValueError, match="max_words must be None or an int"):
        load_word_vectors("unused.txt", max_words=-1)


def test_save_load_round_trip_and_pickle(tmp_path):
    vectors = load_word_vectors(io.StringIO(GLOVE))
    for header in (False, True):
        path = tmp_path / f"out{header}.txt"
        save_word_vectors(vectors, path, header=header)
        again = load_word_vectors(path)
        assert list(again) == list(vectors)
        for word in vectors:
            np.testing.assert_array_equal(again[word], vectors[word])
    restored = pickle.loads(pickle.dumps(vectors))
    assert isinstance(restored, WordVectors) and restored.dim == 3
    assert repr(restored) == "WordVectors(3 words, dim=3)"


def test_embedding_matrix_from_loaded_vectors(tmp_path):
    vectors = load_word_vectors(_write(tmp_path, GLOVE))
    tv = TextVectorizer().fit(["The cat, the dog."])
    assert tv.get_vocabulary() == ["", "[UNK]", "the", "cat", "dog"]
    E = tv.embedding_matrix(vectors, random_state=0)
    assert E.shape == (5, 3) and E.dtype == np.float32
    np.testing.assert_array_equal(E[0], 0.0)
    np.testing.assert_array_equal(E[2], vectors["the"])
    np.testing.assert_array_equal(E[3], vectors["cat"])
    # 'dog' and OOV: normal draws with the spread of the known vectors
    assert np.all(E[[1, 4]] != 0.0)
    np.testing.assert_array_equal(
        tv.embedding_matrix(vectors, unknown="zeros")[[1, 4]], np.zeros((2, 3))
    )
    # an empty WordVectors still knows its dimension
    Z = tv.embedding_matrix(WordVectors(dim=7), unknown="zeros")
    assert Z.shape == (5, 7) and not Z.any()
    with pytest.raises(ValueError, match="cannot tell the vector dimension"):
        tv.embedding_matrix({})
