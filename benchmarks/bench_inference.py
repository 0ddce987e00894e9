"""Inference speed: ``predict_proba`` vs onnxruntime on the exported graph, MNIST MLP and CNN.

Each contender fits its model briefly (the weights do not matter for speed),
then times predictions on MNIST test images at batch size 1 (one call per
image) and at batch size 1000, and reports rows per second.  The MLP is
784-100-10 on float32 pixels scaled to [0, 1]; the CNN is the default
``CNNImageClassifier`` (conv 32, conv 64, dense 128) on ``uint8`` images
``(n, 28, 28)``.  ``onnx_*`` contenders export with ``to_onnx()`` and run
onnxruntime's CPU provider with as many intra-op threads as torch.

    python benchmarks/bench_inference.py --threads 1 --rounds 1
"""

import argparse
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, __import__("os").path.dirname(__file__))
import _harness  # noqa: E402


def _model(kind, threads):
    import torch

    from sknn import CNNImageClassifier, MLPClassifier
    from sknn.datasets import load_mnist

    if threads:
        torch.set_num_threads(threads)
    X, y = load_mnist(data_home=_harness.data_home(), return_X_y=True)
    if kind == "mlp":
        X = (X.reshape(len(X), -1) / 255.0).astype(np.float32)
        est = MLPClassifier((100,), max_iter=1, random_state=0, device="cpu")
        n_fit = 10000
    else:
        est = CNNImageClassifier(max_iter=1, random_state=0, device="cpu")
        n_fit = 2000
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X[:n_fit], y[:n_fit])
    return est, X[50000:]


def _rates(predict, X, n_single):
    predict(X[:1000])  # warm up
    t = time.perf_counter()
    for i in range(n_single):
        predict(X[i:i + 1])
    single = n_single / (time.perf_counter() - t)
    t = time.perf_counter()
    for start in range(0, 5000, 1000):
        predict(X[start:start + 1000])
    batch_s = (time.perf_counter() - t) / 5
    return {"rows_per_s_batch1": single, "rows_per_s_batch1000": 1000 / batch_s,
            "batch1000_s": batch_s}


def _sknn(kind, threads, n_single):
    est, X = _model(kind, threads)
    return _rates(est.predict_proba, X, n_single)


def _onnx(kind, threads, n_single):
    import onnxruntime as ort

    est, X = _model(kind, threads)
    t = time.perf_counter()
    model = est.to_onnx()
    export_s = time.perf_counter() - t
    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
    session = ort.InferenceSession(model.SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    result = _rates(lambda rows: session.run(["probabilities"], {"X": rows})[0], X, n_single)
    exporter = {p.key: p.value for p in model.metadata_props}["sknn.exporter"]
    return {**result, "export_s": export_s, "exporter": exporter}


def sknn_mlp(**config):
    return _sknn("mlp", **config)


def onnx_mlp(**config):
    return _onnx("mlp", **config)


def sknn_cnn(**config):
    return _sknn("cnn", **config)


def onnx_cnn(**config):
    return _onnx("cnn", **config)


CONTENDERS = {"sknn_mlp": sknn_mlp, "onnx_mlp": onnx_mlp, "sknn_cnn": sknn_cnn,
              "onnx_cnn": onnx_cnn}

if __name__ == "__main__":
    if not _harness.child_main(CONTENDERS):
        parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        parser.add_argument("--rounds", type=int, default=3)
        parser.add_argument("--threads", type=int, default=0,
                            help="torch and onnxruntime threads (0: their defaults)")
        parser.add_argument("--n-single", type=int, default=500,
                            help="images predicted one at a time")
        args = parser.parse_args()
        _harness.run(__file__, CONTENDERS,
                     {"threads": args.threads, "n_single": args.n_single},
                     rounds=args.rounds, baseline="sknn_mlp", time_key="batch1000_s",
                     title="predict_proba vs onnxruntime, MNIST MLP and CNN")
