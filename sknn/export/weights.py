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

Loading is a transaction: the file is decoded and checked into a fresh
estimator (known attribute names only, finite tensors whose names and shapes
are those of the architecture the parameters build, ``classes_`` consistent
with the output width, a forward pass giving finite outputs) and copied over
only when everything succeeded.  A bad path raises ``OSError``, bad content
``ValueError``; both name the file, and the estimator is left as it was.
``save_weights`` writes only a regular file or a new path: a symbolic link,
FIFO, device or folder is refused with an ``OSError``.
"""

import errno
import json
import os
import stat
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
def _check_writable_target(path):
    """Refuse anything at ``path`` but a regular file (no symlink, FIFO, device, folder)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        parent = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(parent):
            raise FileNotFoundError(
                errno.ENOENT, f"save_weights cannot write {path}: the folder {parent} does "
                "not exist", path) from None
        return
    if not stat.S_ISREG(mode):
        raise OSError(
            errno.EINVAL, f"save_weights writes only a regular file or a new path; {path} "
            f"is {_file_kind(mode)}", path)


def _file_kind(mode):
    for test, kind in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a folder"),
                       (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return "not a regular file"


def _write_regular_file(path, data):
    # O_NOFOLLOW: a symbolic link put there after the check is not followed;
    # O_NONBLOCK: a FIFO put there fails at once instead of blocking (no reader)
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(
        os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags, 0o666)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise OSError(
                errno.EINVAL, f"save_weights writes only a regular file or a new path; "
                f"{path} is {_file_kind(mode)}", path)
        os.ftruncate(fd, 0)
        with os.fdopen(fd, "wb", closefd=False) as handle:
            handle.write(data)
    finally:
        os.close(fd)


def save_weights(estimator, path):
    """Write a fitted sknn estimator to ``path`` (a safetensors file); see the module doc."""
    _require_safetensors()
    from safetensors.torch import save

    check_is_fitted(estimator, "net_")
    path = os.fspath(path)
    _check_writable_target(path)
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
    # serialised in memory first: nothing is written unless all of it encodes
    _write_regular_file(path, save(tensors, metadata={"sknn": json.dumps(meta)}))


# ------------------------------------------------------------------------- read
#: the fitted attributes a weight file may set, by estimator (any other name
#: in the file's ``fitted`` section is refused)
_COMMON = {"n_features_in_", "feature_names_in_", "n_outputs_", "out_activation_",
           "_architecture_", "_example_spec_", "loss_curve_", "loss_", "n_iter_", "t_",
           "validation_scores_", "best_validation_score_", "best_loss_"}
_CLASSIFIER = {"classes_", "_multilabel_"}
_REGRESSOR = {"_y_ndim"}
_IMAGES = {"image_shape_", "_flat_image_shape_"}
_SEQUENCES = {"_token_input", "_n_step_features", "_series_width", "vocab_size_"}
_TABULAR = {"columns_", "_train_dtype_", "_small_data_"}
FITTED_ATTRIBUTES = {
    "MLPClassifier": _COMMON | _CLASSIFIER,
    "MLPRegressor": _COMMON | _REGRESSOR,
    "CNNImageClassifier": _COMMON | _CLASSIFIER | _IMAGES,
    "RNNSequenceClassifier": _COMMON | _CLASSIFIER | _SEQUENCES,
    "RNNSequenceRegressor": _COMMON | _REGRESSOR | _SEQUENCES,
    "TabularClassifier": _COMMON | _CLASSIFIER | _TABULAR,
    "TabularRegressor": _COMMON | _REGRESSOR | _TABULAR | {"_y_mean_", "_y_scale_"},
}
#: those every file must set
_REQUIRED = {"n_features_in_", "n_outputs_", "out_activation_", "_example_spec_"}


def _open_regular_file(path):
    """``path`` as a str, after checking it names a regular file (else an OSError)."""
    path = os.fspath(path)
    mode = os.stat(path).st_mode  # FileNotFoundError, PermissionError...: OSErrors
    if not stat.S_ISREG(mode):
        raise OSError(errno.EINVAL, f"{path} is {_file_kind(mode)}, not an sknn weight "
                      "file (a regular file written by save_weights)", path)
    return path


def _read(path, *, tensors):
    """``(meta, tensors)`` of the weight file at ``path`` (tensors None unless asked)."""
    _require_safetensors()
    from safetensors import SafetensorError, safe_open

    path = _open_regular_file(path)
    try:
        with safe_open(path, framework="pt", device="cpu") as handle:
            header = handle.metadata() or {}
            data = ({key: handle.get_tensor(key) for key in handle.keys()}
                    if tensors else None)
    except SafetensorError as exc:
        raise ValueError(f"{path} is not an sknn weight file (it is not a readable "
                         f"safetensors file: {exc}).") from None
    if "sknn" not in header:
        raise ValueError(f"{path} is a safetensors file without sknn metadata; it was not "
                         "written by save_weights.")
    try:
        meta = json.loads(header["sknn"])
    except ValueError as exc:
        raise ValueError(f"{path}: the sknn metadata is not valid JSON ({exc}).") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"{path} is not an sknn weight file (its metadata has no "
                         f"format={FORMAT!r}).")
    if meta.get("version") != VERSION:
        raise ValueError(f"{path} is an sknn weight file of version {meta.get('version')!r}; "
                         f"this sknn reads version {VERSION}.")
    for key, kind in (("estimator", str), ("params", dict), ("fitted", dict)):
        if not isinstance(meta.get(key), kind):
            raise ValueError(f"{path}: the metadata's {key!r} entry is missing or not a "
                             f"{kind.__name__}.")
    if not isinstance(meta.get("history"), (list, type(None))):
        raise ValueError(f"{path}: the metadata's 'history' entry is not a list.")
    return meta, data


def read_metadata(path):
    """The JSON document of an sknn weight file, as a dict (reads no tensor).

    Raises ``OSError`` when ``path`` is not a readable regular file and
    ``ValueError`` when it is not an sknn weight file.
    """
    return _read(path, tensors=False)[0]


# ------------------------------------------------------------------------- load
def _load_device(device):
    from ..core.device import resolve_device

    try:
        resolved = resolve_device(device)
    except (RuntimeError, ValueError):
        resolved = torch.device("cpu")
    if resolved.type == "cuda" and not torch.cuda.is_available():
        resolved = torch.device("cpu")
    return resolved


def _decoded_params(meta, tensors, estimator):
    known = estimator.get_params(deep=False)
    unknown = sorted(set(meta["params"]) - set(known))
    if unknown:
        raise ValueError(f"names parameters {unknown} that {type(estimator).__name__} does "
                         "not have")
    params = {}
    for key, value in meta["params"].items():
        if isinstance(value, dict) and "__tensor__" in value:
            if value["__tensor__"] not in tensors:
                raise ValueError(f"parameter {key} refers to a tensor "
                                 f"{value['__tensor__']!r} that the file does not hold")
            params[key] = tensors[value["__tensor__"]].numpy()
        else:
            params[key] = _decode(value)
    return params


def _decoded_fitted(meta, name):
    allowed = FITTED_ATTRIBUTES[name]
    unknown = sorted(set(meta["fitted"]) - allowed)
    if unknown:
        raise ValueError(f"sets attributes {unknown} that are not fitted attributes of "
                         f"{name}")
    fitted = {key: _decode(value) for key, value in meta["fitted"].items()}
    required = _REQUIRED | (_CLASSIFIER if "classes_" in allowed else set())
    missing = sorted(required - set(fitted))
    if missing:
        raise ValueError(f"lacks the fitted attributes {missing}")
    return fitted


def _check_counts(fitted):
    for key in ("n_features_in_", "n_outputs_"):
        value = fitted[key]
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{key}={value!r} is not a positive integer")
    names = fitted.get("feature_names_in_")
    if names is not None and np.shape(names) != (fitted["n_features_in_"],):
        raise ValueError(f"feature_names_in_ has {np.size(names)} names for "
                         f"n_features_in_={fitted['n_features_in_']}")


def _check_classes(fitted):
    """``classes_``, ``_multilabel_``, ``n_outputs_`` and ``out_activation_`` agree."""
    classes = fitted["classes_"]
    if not isinstance(classes, np.ndarray) or classes.ndim != 1 or len(classes) == 0:
        raise ValueError(f"classes_ is not a non-empty 1-D array: {classes!r}")
    if len(np.unique(classes)) != len(classes) or not np.array_equal(
            np.sort(classes), classes):
        raise ValueError(f"classes_ is not sorted and unique: {classes.tolist()}")
    multilabel = fitted.get("_multilabel_")
    if not isinstance(multilabel, bool):
        raise ValueError(f"_multilabel_={multilabel!r} is not a boolean")
    n, width, activation = len(classes), fitted["n_outputs_"], fitted["out_activation_"]
    if multilabel:
        expected = (n, "logistic")
    else:
        expected = (1, "logistic") if n <= 2 else (n, "softmax")
    if (width, activation) != expected:
        raise ValueError(
            f"its {n} classes_ need n_outputs_={expected[0]} and out_activation_="
            f"{expected[1]!r}; the file says n_outputs_={width}, out_activation_="
            f"{activation!r}")


def _check_state(state, module):
    """The file's tensors are finite and are the module's, by name, shape and kind."""
    expected = module.state_dict()
    missing = sorted(set(expected) - set(state))
    extra = sorted(set(state) - set(expected))
    if missing or extra:
        raise ValueError(
            "its tensors are not those of the architecture its parameters describe"
            + (f"; missing: {['module.' + k for k in missing]}" if missing else "")
            + (f"; unexpected: {['module.' + k for k in extra]}" if extra else ""))
    for key, tensor in state.items():
        want = expected[key]
        if tuple(tensor.shape) != tuple(want.shape):
            raise ValueError(f"tensor module.{key} has shape {tuple(tensor.shape)}; the "
                             f"architecture needs {tuple(want.shape)}")
        if tensor.is_floating_point() != want.is_floating_point():
            raise ValueError(f"tensor module.{key} has dtype {tensor.dtype}; the "
                             f"architecture needs {want.dtype}")
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise ValueError(f"tensor module.{key} holds NaN or infinite values")


def _build(cls, meta, tensors, device):
    """A fresh fitted ``cls`` from a weight file's content, or a ValueError saying why."""
    from skorch.history import History

    from ..core.base import _example_from_spec
    from ..core.batches import ArrayDataset

    estimator = cls()
    name = cls.__name__
    params = _decoded_params(meta, tensors, estimator)
    estimator.set_params(**params)
    estimator._validate_params()
    fitted = _decoded_fitted(meta, name)
    _check_counts(fitted)
    if is_classifier(estimator):
        _check_classes(fitted)
    for key, value in fitted.items():
        setattr(estimator, key, value)
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
    if dtype not in (torch.float16, torch.bfloat16, torch.float32, torch.float64):
        raise ValueError(f"its weights have dtype {dtype}")
    with torch.random.fork_rng(devices=[]):  # the weights are overwritten below
        module = estimator._build_module(example, estimator._n_outputs(y))
    module = module.to(dtype=dtype)
    _check_state(state, module)
    module.load_state_dict(state, strict=True)
    module = module.to(device=run_on).eval()
    net = estimator._make_net(module, criterion=estimator._make_criterion(y, None),
                              device=run_on, n_train=1)
    estimator.net_ = net
    estimator.device_ = net.device
    if meta.get("history") is not None:
        net.history = History(meta["history"])
    estimator.history_ = net.history
    # one forward pass on synthetic rows of the fitted input shape (as summary())
    n_rows = estimator._n_samples(example)
    inputs = ArrayDataset(example, device=net.device, dtype=net.module_dtype_).take(
        torch.arange(n_rows, device=net.device))[0]
    with torch.inference_mode():
        outputs = net.infer(inputs)
    if tuple(outputs.shape) != (n_rows, estimator.n_outputs_):
        raise ValueError(f"the model gives outputs of shape {tuple(outputs.shape)} for "
                         f"n_outputs_={estimator.n_outputs_}")
    if not bool(torch.isfinite(outputs).all()):
        raise ValueError("the model gives non-finite outputs")
    return estimator


def _load(cls, path, device):
    meta, tensors = _read(path, tensors=True)
    if meta["estimator"] != cls.__name__:
        raise ValueError(
            f"{path} holds a {meta['estimator']}, not a {cls.__name__}: call "
            f"{meta['estimator']}().load_weights(path) or sknn.export.load_weights(path).")
    try:
        with warnings.catch_warnings():
            # a file whose content is refused says so in the error below
            warnings.simplefilter("ignore", UserWarning)
            return _build(cls, meta, tensors, device)
    except Exception as exc:
        # OSError only comes from the path (read above); anything raised while
        # decoding and checking the content means the content is wrong
        reason = str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"
        raise ValueError(f"{path} does not hold a valid {cls.__name__}: "
                         f"{reason.rstrip('.')}.") from exc


def load_into(estimator, path, device=None):
    """Set ``estimator``'s parameters and fitted state from ``path``; return it.

    A transaction: everything is read and checked into a fresh estimator of
    the same class first, and copied over only on success; on any error
    (``OSError`` for the path, ``ValueError`` for the content) ``estimator``
    is unchanged.
    """
    loaded = _load(type(estimator), path, device)
    estimator.__dict__.clear()
    estimator.__dict__.update(loaded.__dict__)
    return estimator


def load_weights(path, device=None):
    """A fitted sknn estimator read from a file written by :func:`save_weights`.

    The class is looked up by name among sknn's estimators (nothing is
    imported from the file).  ``device``: where to put the module; None: the
    saved ``device`` parameter, or the CPU when that device is missing.
    Raises ``OSError`` for a path that is not a readable regular file and
    ``ValueError`` for content that is not a valid sknn weight file.
    """
    from .. import estimators

    meta, _ = _read(path, tensors=False)
    known = {cls.__name__: cls for cls in (
        estimators.MLPClassifier, estimators.MLPRegressor, estimators.CNNImageClassifier,
        estimators.RNNSequenceClassifier, estimators.RNNSequenceRegressor,
        estimators.TabularClassifier, estimators.TabularRegressor)}
    if meta["estimator"] not in known:
        raise ValueError(f"{path} holds an unknown estimator {meta['estimator']!r}.")
    return _load(known[meta["estimator"]], path, device)
