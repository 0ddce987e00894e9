"""Read pretrained word vectors from GloVe and word2vec / fastText text files."""

from __future__ import annotations

import gzip
import os
import warnings

import numpy as np

__all__ = ["WordVectors", "load_word_vectors", "save_word_vectors"]


class WordVectors(dict):
    """A ``dict`` of word -> vector (1-D ``float32`` array) that knows its dimension.

    Parameters
    ----------
    *args, dim : int
        As :class:`dict`; ``dim`` is the length of every vector.

    Attributes
    ----------
    dim : int
        The vector length (also when the dict is empty).
    """

    def __init__(self, *args, dim, **kwargs):
        super().__init__(*args, **kwargs)
        self.dim = int(dim)

    @property
    def vector_size(self):
        """The vector length (the name gensim uses)."""
        return self.dim

    def __reduce__(self):
        return (_rebuild_word_vectors, (dict(self), self.dim))

    def __repr__(self):
        return f"WordVectors({len(self)} words, dim={self.dim})"


def _rebuild_word_vectors(items, dim):
    return WordVectors(items, dim=dim)


def _open_text(path, encoding):
    if hasattr(path, "read"):
        return path, False
    path = os.fspath(path)
    if path.endswith(".gz"):
        return gzip.open(path, "rt", encoding=encoding, errors="strict"), True
    return open(path, encoding=encoding), True


def _is_float(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _is_header(parts):
    if len(parts) != 2:
        return False
    try:
        count, dim = int(parts[0]), int(parts[1])
    except ValueError:
        return False
    return count >= 0 and dim > 0


def load_word_vectors(path, *, vocabulary=None, max_words=None, dtype=np.float32, encoding="utf-8"):
    """Read word vectors from a GloVe or word2vec text file.

    Two formats are recognised, both one word per line, ``word v1 v2 ... vd``
    separated by single spaces:

    - GloVe (``glove.6B.100d.txt``): no header;
    - word2vec / fastText text format (``.vec``, ``binary=False``): a first line
      ``"<count> <dim>"``, recognised by having exactly two integer fields.

    The word is everything before the last ``d`` fields, so words that contain
    spaces (GloVe 840B has a few) are read whole. A ``.gz`` file is
    decompressed on the fly; an open text file object is read as is. When a
    word appears twice, the first vector is kept.

    Parameters
    ----------
    path : str, path-like or text file object
        The file.
    vocabulary : iterable of str or dict, default=None
        Keep only these words (e.g. a fitted ``TextVectorizer.vocabulary_``);
        other lines are skipped without parsing, which is much faster.
    max_words : int, default=None
        Read at most this many lines of vectors (the files are ordered by
        frequency, so these are the most frequent words).
    dtype : numpy dtype, default=numpy.float32
        The vectors' dtype.
    encoding : str, default='utf-8'
        The file's text encoding.

    Returns
    -------
    WordVectors
        A ``dict`` mapping each word to its 1-D vector, with a ``dim`` attribute.

    Raises
    ------
    ValueError
        If a line has a different number of values than the first (ragged
        dimensions), or than the header announces, if a value is not a number,
        or if the file holds no vectors.

    Examples
    --------
    >>> vectors = load_word_vectors("glove.6B.100d.txt")  # doctest: +SKIP
    >>> tv = TextVectorizer(output_sequence_length=200).fit(texts)  # doctest: +SKIP
    >>> weights = tv.embedding_matrix(vectors, random_state=0)  # doctest: +SKIP
    """
    if max_words is not None and (not isinstance(max_words, int) or max_words < 0):
        raise ValueError(f"max_words must be None or an int >= 0, got {max_words!r}")
    keep = None if vocabulary is None else set(vocabulary)
    name = getattr(path, "name", path) if hasattr(path, "read") else os.fspath(path)
    handle, owned = _open_text(path, encoding)
    vectors = {}
    dim = None
    announced = None
    n_read = 0
    try:
        for lineno, line in enumerate(handle, start=1):
            line = line.rstrip("\r\n").rstrip(" ")
            if not line:
                continue
            if dim is None:
                parts = line.split(" ")
                if lineno == 1 and _is_header(parts):
                    announced, dim = int(parts[0]), int(parts[1])
                    continue
                dim = len(parts) - 1
                if dim < 1:
                    raise ValueError(
                        f"{name}, line {lineno}: expected a word followed by its vector, "
                        f"got {line[:80]!r}"
                    )
            if max_words is not None and n_read >= max_words:
                break
            n_read += 1
            parts = line.rsplit(" ", dim)
            word = parts[0]
            if len(parts) != dim + 1 or (" " in word and _is_float(word.rsplit(" ", 1)[1])):
                found = len(line.split(" ")) - 1
                raise ValueError(
                    f"{name}, line {lineno}: ragged dimensions, the vector of "
                    f"{word.split(' ')[0]!r} has {found} values, expected {dim}"
                )
            if (keep is not None and word not in keep) or word in vectors:
                continue
            try:
                vector = np.array(parts[1:], dtype=np.float64).astype(dtype)
            except ValueError:
                raise ValueError(
                    f"{name}, line {lineno}: the vector of {word!r} holds a value that "
                    "is not a number"
                ) from None
            vectors[word] = vector
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"{name} is not a {encoding} text file ({exc}); binary word2vec files are "
            "not supported, convert them to the text format"
        ) from None
    finally:
        if owned:
            handle.close()
    if dim is None:
        raise ValueError(f"{name} holds no word vectors")
    if announced is not None and max_words is None and n_read != announced:
        warnings.warn(
            f"{name}: the header announces {announced} words but the file has {n_read}",
            stacklevel=2,
        )
    return WordVectors(vectors, dim=dim)


def save_word_vectors(vectors, path, *, header=False):
    """Write word vectors in the GloVe (or, with ``header``, word2vec) text format.

    Parameters
    ----------
    vectors : mapping of str to 1-D array
    path : str or path-like
    header : bool, default=False
        Write the word2vec ``"<count> <dim>"`` first line.
    """
    items = list(vectors.items())
    dim = getattr(vectors, "dim", None) or (len(items[0][1]) if items else 0)
    with open(os.fspath(path), "w", encoding="utf-8") as handle:
        if header:
            handle.write(f"{len(items)} {dim}\n")
        for word, vector in items:
            handle.write(word + " " + " ".join(repr(float(v)) for v in vector) + "\n")
