"""``compile=True``: torch.compile of the module, on one tiny model (compiling is slow)."""

import pickle
import shutil
import warnings

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

from sknn import MLPClassifier

pytestmark = pytest.mark.skipif(shutil.which("g++") is None and shutil.which("c++") is None,
                                reason="torch.compile on the CPU needs a C++ compiler")


def test_compiled_mlp_trains_pickles_and_summarises():
    X, y = load_digits(return_X_y=True)
    X, y = (X[:300] / 16.0).astype(np.float32), y[:300]
    params = dict(hidden_layer_sizes=(16,), max_iter=3, batch_size=100, random_state=0,
                  device="cpu")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = MLPClassifier(**params).fit(X, y)
        clf = MLPClassifier(compile=True, **params).fit(X, y)
    # the net trains the compiled wrapper; module_ is the user's module
    assert isinstance(clf.net_.module_, torch._dynamo.eval_frame.OptimizedModule)
    assert not isinstance(clf.module_, torch._dynamo.eval_frame.OptimizedModule)
    assert clf.module_ is clf.net_.module_._orig_mod
    # the loss is not compiled
    assert not isinstance(clf.net_.criterion_, torch._dynamo.eval_frame.OptimizedModule)
    # same network, same seed: the same training up to floating point reordering
    np.testing.assert_allclose(clf.loss_curve_, plain.loss_curve_, rtol=1e-4)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba, plain.predict_proba(X), atol=1e-4)
    assert [c.shape for c in clf.coefs_] == [(64, 16), (16, 10)]
    text = str(clf.summary(print_fn=None))
    assert "_orig_mod" not in text and "\n0 (Linear)" in text
    assert text == str(plain.summary(print_fn=None))
    restored = pickle.loads(pickle.dumps(clf))
    assert restored.compile is True
    np.testing.assert_allclose(restored.predict_proba(X), proba, atol=1e-6)
