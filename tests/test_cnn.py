"""CNNImageClassifier: image layouts, pixel scaling, errors, sklearn integration, MNIST."""

import pickle
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils._param_validation import InvalidParameterError

from sknn.estimators.cnn import CNNImageClassifier
from sknn.modules.conv import ConvNet

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Tiny networks: one thread is as fast, and steady when other processes share the cores."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


H, W = 8, 7  # not square, so that height and width cannot be swapped unnoticed


def _small(**params):
    """A quick classifier for tiny images."""
    defaults = dict(conv_filters=(4, 6), hidden_layer_sizes=(16,), max_iter=3,
                    random_state=0, device="cpu")
    return CNNImageClassifier(**{**defaults, **params})


@pytest.fixture(scope="module")
def grey():
    """60 uint8 grey images (n, H, W) whose class is the brighter half."""
    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, size=(60, H, W)).astype(np.uint8)
    y = np.where(X[:, : H // 2].mean(axis=(1, 2)) > X[:, H // 2:].mean(axis=(1, 2)),
                 "top", "bottom")
    return X, y


@pytest.fixture(scope="module")
def rgb():
    """40 uint8 channels-last RGB images (n, H, W, 3) in 3 classes."""
    rng = np.random.RandomState(1)
    X = rng.randint(0, 256, size=(40, H, W, 3)).astype(np.uint8)
    y = X.reshape(40, -1, 3).mean(axis=1).argmax(axis=1)
    return X, y


# ------------------------------------------------------------------ layouts
def test_grey_layouts_train_identically_and_predict_alike(grey):
    X, y = grey
    n = len(X)
    layouts = {
        "n,H,W": (X, {}),
        "n,H,W,1": (X[..., None], {}),
        "n,1,H,W": (X[:, None], {}),
        "n,1,H,W first": (X[:, None], {"data_format": "channels_first"}),
        "flat": (X.reshape(n, -1), {"image_shape": (H, W)}),
        "flat H,W,1": (X.reshape(n, -1), {"image_shape": (H, W, 1)}),
        "frame": (pd.DataFrame(X.reshape(n, -1),
                               columns=[f"px{i}" for i in range(H * W)]),
                  {"image_shape": (H, W)}),
    }
    reference = _small().fit(X, y)
    expected = reference.predict_proba(X)
    for name, (Xl, params) in layouts.items():
        clf = _small(**params).fit(Xl, y)
        assert clf.image_shape_ == (H, W, 1), name
        assert clf.n_features_in_ == H * W, name
        np.testing.assert_allclose(clf.predict_proba(Xl), expected, rtol=0, atol=1e-6,
                                   err_msg=name)
    # a fitted model takes the same images in any array layout of that shape
    for Xl in (X[..., None], X[:, None], X.reshape(n, -1)):
        np.testing.assert_allclose(reference.predict_proba(Xl), expected, rtol=0, atol=1e-6)


def test_rgb_channels_last_and_first_are_the_same_images(rgb):
    X, y = rgb
    n = len(X)
    first = np.ascontiguousarray(X.transpose(0, 3, 1, 2))
    reference = _small().fit(X, y)
    expected = reference.predict_proba(X)
    for Xl, params in [
        (first, {}),  # 'auto': second axis of size 3
        (first, {"data_format": "channels_first"}),
        (X.reshape(n, -1), {"image_shape": (H, W, 3)}),
        (first.reshape(n, -1), {"image_shape": (3, H, W)}),
        (first.reshape(n, -1), {"image_shape": (3, H, W), "data_format": "channels_first"}),
    ]:
        clf = _small(**params).fit(Xl, y)
        assert clf.image_shape_ == (H, W, 3)
        assert clf.n_features_in_ == H * W * 3
        np.testing.assert_allclose(clf.predict_proba(Xl), expected, rtol=0, atol=1e-6)
    np.testing.assert_allclose(reference.predict_proba(first), expected, rtol=0, atol=1e-6)
    assert reference.module_.conv_layers()[0].in_channels == 3


def test_flat_input_without_image_shape():
    rng = np.random.RandomState(0)
    y = np.arange(12) % 2
    square = _small(max_iter=1).fit(rng.rand(12, 49), y)
    assert square.image_shape_ == (7, 7, 1)
    row = _small(max_iter=1).fit(rng.rand(12, 10), y)
    assert row.image_shape_ == (1, 10, 1)
    # a 1-pixel-high image is pooled along its width only: 10 -> 5 -> 2
    assert row.module_.feature_sizes == [(4, 1, 5), (6, 1, 2)]
    assert row.predict(rng.rand(3, 10)).shape == (3,)


def test_fitted_shape_reshapes_flat_rows_at_predict(grey):
    X, y = grey
    clf = _small(max_iter=1).fit(X[..., None], y)
    np.testing.assert_array_equal(clf.predict_proba(X.reshape(len(X), -1)),
                                  clf.predict_proba(X))


# ------------------------------------------------------------- pixel types
def test_uint8_is_scaled_like_float_over_255(grey):
    X, y = grey
    as_uint8 = _small().fit(X, y)
    as_float = _small().fit(X.astype(np.float32) / 255, y)
    np.testing.assert_allclose(as_uint8.predict_proba(X),
                               as_float.predict_proba(X.astype(np.float32) / 255),
                               rtol=0, atol=1e-5)
    np.testing.assert_allclose(as_uint8.loss_curve_, as_float.loss_curve_, rtol=1e-5)
    # the data is kept as bytes until a batch reaches the module
    assert as_uint8._validate_X(X, reset=False).dtype == np.uint8
    frame = pd.DataFrame(X.reshape(len(X), -1))
    assert _small(image_shape=(H, W))._validate_X(frame, reset=True).dtype == np.uint8


def test_float_types_and_module_dtype(grey):
    X, y = grey
    float64 = _small(max_iter=1).fit(X / 255.0, y)
    assert float64.module_.head[0].weight.dtype == torch.float64
    int64 = _small(max_iter=1).fit(X.astype(np.int64), y)
    assert int64.module_.head[0].weight.dtype == torch.float32
    assert int64._validate_X(X.astype(np.int64), reset=False).dtype == np.float32


def test_predict_shapes_and_dtypes(grey):
    X, y = grey
    clf = _small().fit(X, y)
    np.testing.assert_array_equal(clf.classes_, ["bottom", "top"])
    pred = clf.predict(X[:5])
    assert pred.shape == (5,) and pred.dtype == clf.classes_.dtype
    assert set(pred) <= {"bottom", "top"}
    proba = clf.predict_proba(X[:5])
    # uint8 images train in float32, and outputs come in the training precision
    assert proba.shape == (5, 2) and proba.dtype == np.float32
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(pred, clf.classes_[proba.argmax(axis=1)])
    assert clf.predict(X[:1]).shape == (1,)
    assert clf.predict_log_proba(X[:5]).shape == (5, 2)
    assert 0.0 <= clf.score(X, y) <= 1.0


# -------------------------------------------------------------- the layers
def test_layer_options_and_sizes():
    rng = np.random.RandomState(0)
    X = rng.rand(16, 9, 9).astype(np.float32)
    y = np.arange(16) % 3
    clf = _small(conv_filters=(4, 5, 6), kernel_size=[3, (2, 4), 1],
                 conv_strides=[1, 2, 1], padding=["same", "same", "valid"],
                 pooling=("max", "avg", None), pool_size=[2, (1, 2), 2],
                 hidden_layer_sizes=(), batch_norm=True, dropout=0.1, max_iter=1).fit(X, y)
    # 9 -same-> 9 -pool 2-> 4 ; -same stride 2-> 2 -pool (1, 2)-> 2x1 ; -valid 1x1-> 2x1
    assert clf.module_.feature_sizes == [(4, 4, 4), (5, 2, 1), (6, 2, 1)]
    convs = clf.module_.conv_layers()
    assert [c.kernel_size for c in convs] == [(3, 3), (2, 4), (1, 1)]
    assert [c.stride for c in convs] == [(1, 1), (2, 2), (1, 1)]
    modules = list(clf.module_.modules())
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in modules) == 3
    assert sum(isinstance(m, torch.nn.AvgPool2d) for m in modules) == 1
    assert sum(isinstance(m, torch.nn.Dropout) for m in modules) == 1  # no hidden layer
    assert clf.predict_proba(X).shape == (16, 3)


def test_same_padding_matches_keras_sizes():
    for size, kernel, stride in [(28, 3, 1), (28, 4, 1), (28, 3, 2), (7, 5, 3), (1, 3, 1)]:
        net = ConvNet(1, (size, size), 2, conv_filters=[2], kernel_sizes=[(kernel, kernel)],
                      strides=[(stride, stride)], paddings=["same"], poolings=[None],
                      pool_sizes=[(2, 2)])
        out = net(torch.zeros(3, 1, size, size))
        expected = -(-size // stride)
        assert net.feature_sizes == [(2, expected, expected)]
        assert out.shape == (3, 2)


def test_course_convnet_architecture():
    clf = CNNImageClassifier(conv_filters=(32, 64, 64), padding="valid",
                             pooling=("max", "max", None), hidden_layer_sizes=(64,),
                             max_iter=1, random_state=0, device="cpu")
    rng = np.random.RandomState(0)
    clf.fit(rng.randint(0, 256, (20, 28, 28)).astype(np.uint8), np.arange(20) % 10)
    assert clf.module_.feature_sizes == [(32, 13, 13), (64, 5, 5), (64, 3, 3)]
    assert clf.module_.n_flat == 576
    n_params = sum(p.numel() for p in clf.module_.parameters())
    assert n_params == 93322  # Keras reports 93,322 parameters for this model


# ------------------------------------------------------------------ errors
def test_wrong_image_size_at_predict(grey):
    X, y = grey
    clf = _small(max_iter=1).fit(X, y)
    other = np.zeros((2, H + 1, W), dtype=np.uint8)
    with pytest.raises(ValueError, match=re.escape(
            f"X has images of shape (height, width, channels) = ({H + 1}, {W}, 1), but "
            f"CNNImageClassifier was fitted on images of shape (height, width, channels) "
            f"= ({H}, {W}, 1).")):
        clf.predict(other)
    with pytest.raises(ValueError, match=r"\(height, width, channels\) = \(8, 7, 3\)"):
        clf.predict(np.zeros((2, H, W, 3), dtype=np.uint8))
    with pytest.raises(ValueError, match=f"X has {H * W - 1} features, but "
                       f"CNNImageClassifier is expecting {H * W} features"):
        clf.predict(np.zeros((2, H * W - 1)))


def test_bad_input_errors(grey):
    X, y = grey
    n = len(X)
    with pytest.raises(ValueError, match=re.escape(
            f"X has {H * W} features (pixel columns) per sample, but image_shape=(8, 8) "
            "needs 64 (8 x 8).")):
        _small(image_shape=(8, 8)).fit(X.reshape(n, -1), y)
    with pytest.raises(ValueError, match=r"Cannot tell which axis of images of shape "
                       r"\(5, 6, 7\) holds the channels"):
        _small().fit(np.zeros((4, 5, 6, 7)), [0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"takes images as .* got an array of shape "
                       r"\(4, 2, 2, 2, 2\)"):
        _small().fit(np.zeros((4, 2, 2, 2, 2)), [0, 1, 0, 1])
    with pytest.raises(ValueError, match=re.escape(
            "The images of 5x5 pixels (height x width) are too small for the "
            "convolutional layers: conv layer 3 (kernel 3x3, stride 1x1, padding='valid') "
            "gets 1x1 feature maps and would output -1x-1.")):
        _small(conv_filters=(2, 2, 2), padding="valid", pooling=None).fit(
            np.zeros((4, 5, 5)), [0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"kernel_size=\(3, 3, 3\) has 3 entries but "
                       r"conv_filters has 2 layers"):
        _small(kernel_size=(3, 3, 3)).fit(X, y)
    with pytest.raises(ValueError, match=r"pooling entries must be one of"):
        _small(pooling=("max", "min")).fit(X, y)
    with pytest.raises(ValueError, match=r"image_shape must be \(height, width\)"):
        _small(image_shape=(0, H * W)).fit(X.reshape(n, -1), y)
    with pytest.raises(ValueError, match=r"image_shape=\(7, 8\) says"):
        _small(image_shape=(W, H)).fit(X, y)
    with pytest.raises(InvalidParameterError, match="data_format"):
        _small(data_format="NCHW").fit(X, y)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_pixels_are_rejected_and_data_untouched(grey, bad):
    X, y = grey
    Xf = X.astype(np.float64) / 255
    Xf[3, 2, 1] = bad
    before = Xf.copy()
    with pytest.raises(ValueError, match="Input X contains (NaN|infinity)"):
        _small().fit(Xf, y)
    with pytest.raises(ValueError, match="Input X contains (NaN|infinity)"):
        _small().fit(Xf[..., None], y)
    np.testing.assert_array_equal(Xf, before)


def test_fit_and_predict_leave_the_callers_data_alone(grey):
    X, y = grey
    for Xl in (X.copy(), X[..., None].astype(np.float32), X.reshape(len(X), -1) / 255.0):
        before = Xl.copy()
        clf = _small(max_iter=1, image_shape=(H, W) if Xl.ndim == 2 else None).fit(Xl, y)
        clf.predict_proba(Xl)
        np.testing.assert_array_equal(Xl, before)
        assert Xl.dtype == before.dtype


# ------------------------------------------------------ sklearn integration
def test_dataframe_feature_names(grey):
    X, y = grey
    columns = [f"pixel{i}" for i in range(1, H * W + 1)]
    frame = pd.DataFrame(X.reshape(len(X), -1), columns=columns)
    clf = _small(image_shape=(H, W), max_iter=1).fit(frame, pd.Series(y, name="label"))
    np.testing.assert_array_equal(clf.feature_names_in_, columns)
    assert clf.n_features_in_ == H * W
    with pytest.raises(ValueError, match="feature names should match"):
        clf.predict(frame[columns[::-1]])
    refit = clf.fit(X, y)  # refitting on an array forgets the names
    assert not hasattr(refit, "feature_names_in_")


def test_pickle_round_trip(grey):
    X, y = grey
    clf = _small().fit(X, y)
    clone_ = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(clone_.predict_proba(X), clf.predict_proba(X))
    assert clone_.image_shape_ == clf.image_shape_
    assert clone(clf).get_params() == clf.get_params()


def test_early_stopping_partial_fit_and_class_weight(grey):
    X, y = grey
    clf = _small(early_stopping=True, validation_fraction=0.2, max_iter=4).fit(X, y)
    assert len(clf.validation_scores_) == clf.n_iter_
    inc = _small()
    for _ in range(2):
        inc.partial_fit(X, y, classes=["bottom", "top"])
    assert inc.n_iter_ == 1 and len(inc.loss_curve_) == 2
    weighted = _small(class_weight="balanced", max_iter=1).fit(X, y)
    assert weighted.predict(X).shape == (len(X),)


def test_pipeline_and_grid_search(grey):
    X, y = grey
    flat = X.reshape(len(X), -1)
    pipe = make_pipeline(
        FunctionTransformer(lambda Z: Z / 255.0),
        _small(image_shape=(H, W), max_iter=2))
    search = GridSearchCV(pipe, {"cnnimageclassifier__conv_filters": [(2,), (4,)],
                                 "cnnimageclassifier__pooling": ["max", "avg"]}, cv=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(flat, y)
    assert len(search.cv_results_["params"]) == 4
    assert search.predict(flat).shape == (len(X),)
    assert search.best_estimator_[-1].image_shape_ == (H, W, 1)


# --------------------------------------------------------------- real data
@pytest.mark.slow
def test_mnist_small_fit(mnist):
    """The course convnet learns MNIST: 3,000 images, 2 epochs.

    Validation accuracy on 2,000 other training images was 0.947-0.957 over
    random_state 0-2; the bound leaves a margin for other platforms.
    """
    X, y = mnist
    clf = CNNImageClassifier(conv_filters=(32, 64, 64), padding="valid",
                             pooling=("max", "max", None), hidden_layer_sizes=(64,),
                             solver="rmsprop", batch_size=64, max_iter=2, random_state=0,
                             device="cpu")
    clf.fit(X[:3000], y[:3000])
    assert clf.image_shape_ == (28, 28, 1)
    accuracy = clf.score(X[-2000:], y[-2000:])
    assert accuracy > 0.92, accuracy
