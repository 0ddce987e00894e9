"""The CUDA-only choices of ``sknn.core.cuda``: their CPU equivalents here, the real
thing in the tests marked ``cuda`` (skipped without a GPU, run on a device machine)."""

import warnings

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

from sknn import CNNImageClassifier, MLPClassifier, RNNSequenceClassifier
from sknn.core.cuda import CUDA_PREDICT_BATCH, cudnn_autotune, prediction_batch_size
from sknn.modules.conv import ConvNet
from sknn.modules.recurrent import RecurrentNet

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def _quiet(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X, y)


def _convnet():
    torch.manual_seed(0)
    return ConvNet(3, (9, 9), 4, conv_filters=[5, 6], kernel_sizes=[(3, 3), (2, 2)],
                   strides=[(1, 1), (1, 1)], paddings=["same", "valid"],
                   poolings=["max", None], pool_sizes=[(2, 2), (2, 2)],
                   hidden_layer_sizes=[7], batch_norm=True)


def test_channels_last_convnet_gives_the_same_outputs_and_gradients():
    x = torch.randn(6, 3, 9, 9)
    plain, nhwc = _convnet(), _convnet().use_channels_last()
    assert nhwc.conv_layers()[0].weight.is_contiguous(memory_format=torch.channels_last)
    out_plain, out_nhwc = plain(x), nhwc(x)
    torch.testing.assert_close(out_nhwc, out_plain, rtol=1e-5, atol=1e-5)
    out_plain.sum().backward()
    out_nhwc.sum().backward()
    torch.testing.assert_close(nhwc.conv_layers()[0].weight.grad,
                               plain.conv_layers()[0].weight.grad, rtol=1e-4, atol=1e-5)
    # uint8 pixels too
    pixels = torch.randint(0, 256, (2, 3, 9, 9), dtype=torch.uint8)
    torch.testing.assert_close(nhwc.eval()(pixels), plain.eval()(pixels),
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_fused_packed_rnn_equals_the_layer_by_layer_padded_run(cell):
    torch.manual_seed(0)
    net = RecurrentNet(3, cell=cell, vocab_size=20, embedding_dim=6, hidden_size=5,
                       num_layers=3, bidirectional=True, pooling="mean").double()
    x = torch.randint(2, 20, (5, 11))
    lengths = torch.tensor([11, 4, 1, 7, 2])
    x[torch.arange(11) >= lengths[:, None]] = 0
    grads = {}
    outputs = {}
    for pack in (False, True):
        net.pack = pack
        net.zero_grad()
        outputs[pack] = net(x, lengths)
        outputs[pack].square().sum().backward()
        grads[pack] = [p.grad.clone() for p in net.parameters()]
    torch.testing.assert_close(outputs[True], outputs[False], rtol=0, atol=1e-12)
    for fused, layered in zip(grads[True], grads[False]):
        torch.testing.assert_close(fused, layered, rtol=0, atol=1e-12)


def test_cudnn_autotune_and_prediction_batches_off_cuda():
    before = torch.backends.cudnn.benchmark
    with cudnn_autotune("cpu"):
        assert torch.backends.cudnn.benchmark == before
    assert prediction_batch_size("cpu", 200) == 4096
    assert prediction_batch_size(torch.device("cpu"), 10_000) == 10_000
    assert prediction_batch_size("cuda", 200) == CUDA_PREDICT_BATCH


# --------------------------------------------------------------- on a GPU only
@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X / 16.0).astype(np.float32), y


@cuda
@pytest.mark.parametrize("precision", ["32", "bf16-mixed", "16-mixed"])
def test_cuda_mlp_each_precision(precision, digits):
    X, y = digits
    clf = _quiet(MLPClassifier(max_iter=20, random_state=0, device="cuda",
                               precision=precision), X, y)
    assert clf.device_.type == "cuda"
    assert clf.score(X, y) > 0.9
    assert (clf.net_.grad_scaler_ is not None) == (precision == "16-mixed")


@cuda
def test_cuda_cnn_runs_channels_last_with_cudnn_benchmark_restored(digits):
    X, y = digits
    images = X.reshape(-1, 8, 8)
    before = torch.backends.cudnn.benchmark
    clf = _quiet(CNNImageClassifier(conv_filters=(8,), hidden_layer_sizes=(16,), max_iter=3,
                                    device="cuda", precision="bf16-mixed", random_state=0),
                 images, y)
    assert torch.backends.cudnn.benchmark == before
    assert clf.module_.channels_last
    assert clf.module_.conv_layers()[0].weight.is_contiguous(
        memory_format=torch.channels_last)
    assert clf.score(images, y) > 0.5


@cuda
def test_cuda_fused_rnn_matches_the_cpu_padded_run():
    rng = np.random.RandomState(0)
    ids = rng.randint(2, 12, (64, 15))
    ids[np.arange(15) >= rng.randint(1, 16, 64)[:, None]] = 0
    labels = (ids[:, 0] > 6).astype(int)
    clf = _quiet(RNNSequenceClassifier("gru", bidirectional=True, num_layers=3,
                                       hidden_size=8, embedding_dim=8, max_iter=3,
                                       device="cuda", random_state=0), ids, labels)
    assert clf.module_.pack is None  # packs (fused cuDNN) because the device is CUDA
    on_gpu = clf.predict_proba(ids)
    cpu_module = clf.module_.to("cpu")
    cpu_module.pack = False
    with torch.no_grad():
        lengths = torch.from_numpy((ids > 0).sum(1))
        logits = cpu_module.eval()(torch.from_numpy(ids), lengths).double()
    np.testing.assert_allclose(torch.softmax(logits, 1).numpy(), on_gpu, atol=1e-4)


@cuda
def test_cuda_compile_and_pickle(digits, tmp_path):
    import pickle

    X, y = digits
    clf = _quiet(MLPClassifier(hidden_layer_sizes=(16,), max_iter=2, device="cuda",
                               compile=True, precision="bf16-mixed", random_state=0), X, y)
    proba = clf.predict_proba(X)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(restored.predict_proba(X), proba, atol=1e-6)
