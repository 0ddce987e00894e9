"""A Keras-style ``summary()`` of a fitted estimator's torch module."""

import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence


def _shape(output):
    if isinstance(output, PackedSequence):
        return f"packed(n_steps, {output.data.shape[-1]})"
    if isinstance(output, (tuple, list)) and output:
        return _shape(output[0])
    if isinstance(output, torch.Tensor):
        return str(("None",) + tuple(output.shape[1:])).replace("'None'", "None")
    return "?"


def module_summary(module, example, *, title):
    """Return the table of layers, output shapes and parameter counts.

    Parameters
    ----------
    module : torch.nn.Module
        The fitted module, in eval mode (as fitting leaves it).  It is run
        once, without gradients and without changing its mode, on
        ``example`` to record each layer's output shape.
    example : torch.Tensor or tuple of torch.Tensor
        A small batch of inputs in the form the module takes.
    title : str
        First line of the table.
    """
    rows = []
    hooks = []
    leaves = [(name, m) for name, m in module.named_modules()
              if not list(m.children()) and name]

    def record(name):
        def hook(mod, inputs, output):
            rows.append((name, type(mod).__name__, _shape(output),
                         sum(p.numel() for p in mod.parameters(recurse=False))))
        return hook

    for name, leaf in leaves:
        hooks.append(leaf.register_forward_hook(record(name)))
    try:
        with torch.inference_mode():
            module(*example) if isinstance(example, tuple) else module(example)
    finally:
        for hook in hooks:
            hook.remove()
    seen = {name for name, *_ in rows}
    # layers that did not run on this input (none in sknn's modules) still count
    for name, leaf in leaves:
        if name not in seen:
            rows.append((name, type(leaf).__name__, "-",
                         sum(p.numel() for p in leaf.parameters(recurse=False))))
    total = sum(p.numel() for p in module.parameters())
    trainable = sum(p.numel() for p in module.parameters() if p.requires_grad)
    width = (max([len(f"{n} ({t})") for n, t, *_ in rows] + [20]) + 2,
             max([len(s) for _, _, s, _ in rows] + [14]) + 2, 12)
    line = "_" * sum(width)
    out = [title, line,
           f"{'Layer (type)':<{width[0]}}{'Output Shape':<{width[1]}}{'Param #':>{width[2]}}",
           "=" * sum(width)]
    for name, kind, shape, count in rows:
        out.append(f"{name + ' (' + kind + ')':<{width[0]}}{shape:<{width[1]}}"
                   f"{count:>{width[2]},}")
    out += ["=" * sum(width), f"Total params: {total:,}", f"Trainable params: {trainable:,}",
            f"Non-trainable params: {total - trainable:,}", line]
    return "\n".join(out)


def count_parameters(module: nn.Module):
    """``(total, trainable)`` parameter counts of ``module``."""
    return (sum(p.numel() for p in module.parameters()),
            sum(p.numel() for p in module.parameters() if p.requires_grad))
