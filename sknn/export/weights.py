"""Safe weight files: an estimator's parameters in safetensors, its settings in JSON.

``save_weights(estimator, path)`` writes one ``.safetensors`` file holding

* the fitted module's ``state_dict`` (tensors named ``module.<name>``) and
  numeric array parameters such as the RNN's ``embeddings`` (``param.<name>``);
* in the file's header metadata, under the key ``"sknn"``, a JSON document:
  the estimator's class name, ``get_params()`` and its fitted attributes
  (``classes_``, ``n_features_in_``, ``loss_curve_``, ``image_shape_``,
  ``vocab_size_``, the input shapes ``summary()`` uses...).  No training data
  is stored.

Loading parses JSON and reads raw tensors: no pickle, no code runs.  The JSON
only knows numbers, strings, lists, tuples, dicts and NumPy arrays of numbers
or strings; a parameter that is none of these (``callbacks``, a
``RandomState``) is saved as ``None`` with a warning.  The optimizer's state
is not saved: training a loaded model again (``warm_start``, ``partial_fit``)
starts a fresh optimizer.  A file saved from a model on CUDA loads on a CPU.
"""

import json
import warnings

import numpy as np
import torch
from sklearn.base import is_classifier
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

__all__ = ["load_weights", "read_metadata", "save_weights"]

FORMAT = "sknn-weights"
VERSION = 1
_NOT_SAVED = {"net_", "history_", "device_", "_random_state_"}


def _require_safetensors():
    try:
        import safetensors.torch  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            "save_weights/load_weights need safetensors: pip install 'sknn-torch[export]'."
        ) from exc


def _state_classes():
    """Fitted helpers stored as plain data (``__sknn_state__`` / ``from_sknn_state``)."""
    from ..estimators.tabular_columns import TabularColumns

    return {"TabularColumns": TabularColumns}


# ------------------------------------------------------------------ JSON values
class _Unencodable(TypeError):
    pass


def _encode(value):
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {"__dict__": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, np.ndarray) and value.dtype.kind in "biufUO":
        items = value.tolist()
        if value.dtype.kind == "O" and not all(isinstance(v, str) for v in value.ravel()):
            raise _Unencodable(type(value).__name__)
        return {"__ndarray__": items, "dtype": str(value.dtype)}
    if isinstance(value, torch.device):
        return {"__device__": str(value)}
    if hasattr(value, "__sknn_state__") and type(value).__name__ in _state_classes():
        return {"__state__": type(value).__name__, "value": _encode(value.__sknn_state__())}
    raise _Unencodable(type(value).__name__)


def _decode(value):
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__tuple__" in value:
        return tuple(_decode(v) for v in value["__tuple__"])
    if "__dict__" in value:
        return {_decode(k): _decode(v) for k, v in value["__dict__"]}
    if "__ndarray__" in value:
        return np.array(value["__ndarray__"], dtype=np.dtype(value["dtype"]))
    if "__device__" in value:
        return torch.device(value["__device__"])
    if "__state__" in value:
        cls = _state_classes().get(value["__state__"])
        if cls is None:
            raise ValueError(f"Unknown fitted state {value['__state__']!r} in an sknn weight "
                             "file.")
        return cls.from_sknn_state(_decode(value["value"]))
    raise ValueError(f"Unknown value {value!r} in an sknn weight file.")


# ------------------------------------------------------------------------- save
def save_weights(estimator, path):
    """Write a fitted sknn estimator to ``path`` (a safetensors file); see the module doc."""
    _require_safetensors()
    from safetensors.torch import save_file

    check_is_fitted(estimator, "net_")
    tensors = {f"module.{k}": v.detach().to("cpu").contiguous().clone()
               for k, v in estimator.net_.module_.state_dict().items()}
    params, dropped = {}, []
    for name, value in estimator.get_params(deep=False).items():
        if isinstance(value, np.ndarray) and value.dtype.kind in "iuf":
            tensors[f"param.{name}"] = torch.from_numpy(np.ascontiguousarray(value))
            params[name] = {"__tensor__": f"param.{name}"}
            continue
        try:
            params[name] = _encode(value)
        except _Unencodable:
            params[name] = None
            dropped.append(name)
    if dropped:
        warnings.warn(
            f"save_weights cannot store the parameters {dropped} as data; they are saved "
            "as None.", UserWarning, stacklevel=3)
    fitted = {}
    for name, value in vars(estimator).items():
        if name in params or name in _NOT_SAVED or name.startswith("__"):
            continue
        try:
            fitted[name] = _encode(value)
        except _Unencodable:
            raise TypeError(
                f"save_weights cannot store the fitted attribute {name} of type "
                f"{type(value).__name__}.") from None
    history = None
    if getattr(estimator, "history_", None) is not None:
        try:
            history = json.loads(json.dumps(list(estimator.history_)))
        except (TypeError, ValueError):
            history = None
    meta = {"format": FORMAT, "version": VERSION, "estimator": type(estimator).__name__,
            "params": params, "fitted": fitted, "history": history}
    save_file(tensors, str(path), metadata={"sknn": json.dumps(meta)})


# ------------------------------------------------------------------------- load
def read_metadata(path):
    """The JSON document of an sknn weight file, as a dict (reads no tensor)."""
    _require_safetensors()
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as handle:
        header = handle.metadata() or {}
    if "sknn" not in header:
        raise ValueError(f"{path} is a safetensors file without sknn metadata; it was not "
                         "written by save_weights.")
    meta = json.loads(header["sknn"])
    if meta.get("format") != FORMAT or meta.get("version") != VERSION:
        raise ValueError(f"{path} is not an sknn weight file of version {VERSION}.")
    return meta


def _load_device(device):
    from ..core.device import resolve_device

    try:
        resolved = resolve_device(device)
    except (RuntimeError, ValueError):
        resolved = torch.device("cpu")
    if resolved.type == "cuda" and not torch.cuda.is_available():
        resolved = torch.device("cpu")
    return resolved


def load_into(estimator, path, device=None):
    """Set ``estimator``'s parameters and fitted state from ``path``; return it."""
    from safetensors.torch import load_file

    meta = read_metadata(path)
    name = type(estimator).__name__
    if meta["estimator"] != name:
        raise ValueError(
            f"{path} holds a {meta['estimator']}, not a {name}: call "
            f"{meta['estimator']}().load_weights(path) or sknn.export.load_weights(path).")
    tensors = load_file(str(path), device="cpu")
    params = {}
    for key, value in meta["params"].items():
        if isinstance(value, dict) and "__tensor__" in value:
            params[key] = tensors[value["__tensor__"]].numpy()
        else:
            params[key] = _decode(value)
    estimator.set_params(**params)
    for key, value in meta["fitted"].items():
        setattr(estimator, key, _decode(value))
    from ..core.base import _example_from_spec

    example = _example_from_spec(*estimator._example_spec_)
    state = {k[len("module."):]: v for k, v in tensors.items() if k.startswith("module.")}

    estimator._random_state_ = check_random_state(estimator.random_state)
    run_on = _load_device(estimator.device if device is None else device)
    if is_classifier(estimator):
        y = (np.zeros((1, estimator.n_outputs_)) if estimator._multilabel_
             else estimator._encode(estimator.classes_))
    else:
        y = np.zeros(1)
    dtype = next((v.dtype for v in state.values() if v.is_floating_point()), torch.float32)
    with torch.random.fork_rng(devices=[]):  # the weights are overwritten below
        module = estimator._build_module(example, estimator._n_outputs(y))
    module = module.to(device=run_on, dtype=dtype)
    module.load_state_dict(state, strict=True)
    net = estimator._make_net(module, criterion=estimator._make_criterion(y, None),
                              device=run_on, n_train=1)
    estimator.net_ = net
    estimator.device_ = net.device
    if meta.get("history") is not None:
        from skorch.history import History

        net.history = History(meta["history"])
    estimator.history_ = net.history
    return estimator


def load_weights(path, device=None):
    """A fitted sknn estimator read from a file written by :func:`save_weights`.

    The class is looked up by name among sknn's estimators (nothing is
    imported from the file).  ``device``: where to put the module; None: the
    saved ``device`` parameter, or the CPU when that device is missing.
    """
    from .. import estimators

    meta = read_metadata(path)
    known = {cls.__name__: cls for cls in (
        estimators.MLPClassifier, estimators.MLPRegressor, estimators.CNNImageClassifier,
        estimators.RNNSequenceClassifier, estimators.RNNSequenceRegressor,
        estimators.TabularClassifier, estimators.TabularRegressor)}
    if meta["estimator"] not in known:
        raise ValueError(f"{path} holds an unknown estimator {meta['estimator']!r}.")
    return load_into(known[meta["estimator"]](), path, device=device)
