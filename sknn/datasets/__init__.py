"""Real data sets for examples, tests and benchmarks.

Each loader reads a local copy from the data folder (the ``data_home``
argument, else the ``SKNN_DATA`` environment variable, else ``~/.sknn_data``),
downloading it there once through :mod:`pooch` if it is missing, and checks it
against a pinned SHA-256 on every load. ``subset='train'`` (the default),
``'test'`` or ``'all'`` picks the official split; tune on validation splits
cut from the training split.

- :func:`load_mnist`: MNIST handwritten digits, 60,000 + 10,000 28x28 uint8 images.
- :func:`load_fashion_mnist`: Fashion-MNIST, 60,000 + 10,000 28x28 uint8 images, 10 classes.
- :func:`load_imdb`: IMDB movie reviews, 25,000 + 25,000 raw texts, positive/negative.
- :func:`load_hymenoptera`: ants and bees photos, 244 (+1 placeholder) training photos, RGB.
- :func:`load_poem_meters`: MetRec Arabic poem verses, 47,124 + 8,316 verses, 14 meters.
- :func:`load_adult`: UCI Adult census income, 32,561 rows, a DataFrame (training file only).
- :func:`load_clothing_reviews`: clothing reviews, 18,788 rows of text and tabular columns.
"""

from ._fetch import get_data_home
from .adult import load_adult
from .clothing_reviews import load_clothing_reviews
from .hymenoptera import load_hymenoptera
from .imdb import load_imdb
from .mnist import load_fashion_mnist, load_mnist
from .poem_meters import load_poem_meters

__all__ = [
    "get_data_home",
    "load_adult",
    "load_clothing_reviews",
    "load_fashion_mnist",
    "load_hymenoptera",
    "load_imdb",
    "load_mnist",
    "load_poem_meters",
]
