"""Real data sets for examples, tests and benchmarks.

Each loader reads a local copy from the data folder (the ``data_home``
argument, else the ``SKNN_DATA`` environment variable, else ``~/.sknn_data``),
downloading it there once if it is missing, and checks it against a pinned
SHA-256. Only the training splits are loaded: cut validation splits from them.

- :func:`load_mnist`: MNIST handwritten digits, 60,000 28x28 uint8 images.
- :func:`load_fashion_mnist`: Fashion-MNIST, 60,000 28x28 uint8 images, 10 classes.
- :func:`load_imdb`: IMDB movie reviews, 25,000 raw texts, positive/negative.
- :func:`load_poem_meters`: MetRec Arabic poem verses, 47,124 verses, 14 meters.
"""

from ._cache import get_data_home
from .imdb import load_imdb
from .mnist import load_fashion_mnist, load_mnist
from .poem_meters import load_poem_meters

__all__ = [
    "get_data_home",
    "load_fashion_mnist",
    "load_imdb",
    "load_mnist",
    "load_poem_meters",
]
