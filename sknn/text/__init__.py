"""Text preprocessing: :class:`TextVectorizer` and pretrained word vectors."""

from .vectorizer import TextVectorizer
from .word_vectors import WordVectors, load_word_vectors

__all__ = ["TextVectorizer", "WordVectors", "load_word_vectors"]
