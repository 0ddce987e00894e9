"""A Keras-style ``summary()`` of a fitted estimator's torch module.

:func:`module_summary` runs the module once on a small example batch, with a
forward hook on every submodule, and returns a :class:`ModelSummary`: one row
per submodule in definition order (its path in the module, its type, nested
blocks indented under their container), the output shape of each, its own
parameter count, whether those parameters train, and the total, trainable
and non-trainable counts.  The object *is* the table: ``str()``, ``repr()``
(what a console shows) and ``_repr_html_`` (what a notebook shows) all draw
it, so nothing is printed twice.

Why not torchinfo: its forward pass calls ``model.eval()`` (or ``train()``)
and then ``model.train(saved_mode)``, which sets every submodule to the top
module's mode (a frozen backbone kept in eval mode would be switched to
training mode, and a model being served from other threads would see its
mode change); it also keeps every summarised model in a module-level cache.
sknn's summary leaves the module's modes alone and runs its forward under
``torch.inference_mode``.
"""

from dataclasses import dataclass
from html import escape

import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence

__all__ = ["LayerRow", "ModelSummary", "module_summary", "count_parameters"]


def _shape(output):
    if isinstance(output, PackedSequence):
        return f"packed(n_steps, {output.data.shape[-1]})"
    if isinstance(output, (tuple, list)) and output:
        return _shape(output[0])
    if isinstance(output, torch.Tensor):
        return _batch_shape(output.shape)
    return "?"


def _batch_shape(shape):
    """``(None, d1, d2, ...)``: the batch axis shown as None, as Keras does."""
    return "(" + ", ".join(["None"] + [str(d) for d in shape[1:]]) + (",)" if len(shape) == 1
                                                                     else ")")


@dataclass(frozen=True)
class LayerRow:
    """One row of a :class:`ModelSummary`."""

    name: str          #: path in the module (``'features.0'``); ``''`` for the top module
    kind: str          #: the submodule's class name
    depth: int         #: 0 for the top module, 1 for its children, ...
    output_shape: str  #: ``'(None, 32)'``; ``'-'`` when the submodule did not run
    params: int        #: its own parameters (not those of its children)
    trainable: int     #: how many of ``params`` require grad

    @property
    def label(self):
        return f"{self.name} ({self.kind})" if self.name else self.kind

    @property
    def trains(self):
        if self.params == 0:
            return ""
        if self.trainable == self.params:
            return "yes"
        return "no" if self.trainable == 0 else "partly"


class ModelSummary:
    """The table returned by ``summary(print_fn=None)``.

    Its ``str()`` and ``repr()`` are the text table and ``_repr_html_`` an
    HTML table, so a console or a notebook displays it once.  The figures are
    also attributes: ``rows`` (:class:`LayerRow`), ``input_shapes``,
    ``total_params``, ``trainable_params``, ``non_trainable_params``.
    """

    def __init__(self, title, input_shapes, rows, total_params, trainable_params):
        self.title = title
        self.input_shapes = tuple(input_shapes)
        self.rows = tuple(rows)
        self.total_params = total_params
        self.trainable_params = trainable_params
        self.non_trainable_params = total_params - trainable_params

    # ------------------------------------------------------------- display
    def _cells(self):
        return [("  " * max(row.depth - 1, 0) + row.label, row.output_shape,
                 f"{row.params:,}" if row.params or not self._has_children(row) else "--",
                 row.trains)
                for row in self.rows if row.depth > 0]

    def _has_children(self, row):
        prefix = row.name + "."
        return any(other.name.startswith(prefix) for other in self.rows)

    def _footer(self):
        return [f"Total params: {self.total_params:,}",
                f"Trainable params: {self.trainable_params:,}",
                f"Non-trainable params: {self.non_trainable_params:,}"]

    def _inputs(self):
        return "Input shape: " + ", ".join(self.input_shapes)

    def __str__(self):
        header = ("Layer (type)", "Output Shape", "Param #", "Trainable")
        cells = self._cells()
        width = [max([len(header[i])] + [len(c[i]) for c in cells]) + 2 for i in range(4)]
        width[3] -= 2
        total = sum(width)

        def line(c):
            return (f"{c[0]:<{width[0]}}{c[1]:<{width[1]}}{c[2]:>{width[2] - 2}}  "
                    f"{c[3]:<{width[3]}}").rstrip()

        out = [self.title, self._inputs(), "_" * total, line(header), "=" * total]
        out += [line(c) for c in cells]
        out += ["=" * total] + self._footer() + ["_" * total]
        return "\n".join(out)

    __repr__ = __str__

    def _repr_html_(self):
        body = "".join(
            "<tr><td style='text-align:left;white-space:pre;font-family:monospace'>"
            f"{escape(name)}</td><td style='text-align:left;font-family:monospace'>"
            f"{escape(shape)}</td><td style='text-align:right'>{escape(params)}</td>"
            f"<td>{escape(trains)}</td></tr>"
            for name, shape, params, trains in self._cells())
        footer = "<br>".join(escape(text) for text in self._footer())
        return (f"<div><strong>{escape(self.title)}</strong><br>{escape(self._inputs())}"
                "<table><thead><tr><th style='text-align:left'>Layer (type)</th>"
                "<th style='text-align:left'>Output Shape</th><th>Param #</th>"
                f"<th>Trainable</th></tr></thead><tbody>{body}</tbody></table>"
                f"<p>{footer}</p></div>")


def module_summary(module, example, *, title):
    """Return the :class:`ModelSummary` of ``module`` run on ``example``.

    Parameters
    ----------
    module : torch.nn.Module
        The fitted module.  It is run once, under ``torch.inference_mode``
        and in whatever train/eval modes its submodules are in (they are not
        changed), on ``example`` to record each submodule's output shape.
    example : torch.Tensor or tuple of torch.Tensor
        A small batch of inputs in the form the module takes.
    title : str
        First line of the table.
    """
    modules = list(module.named_modules())
    shapes = {}
    hooks = []

    def record(name):
        def hook(mod, inputs, output):
            shapes.setdefault(name, _shape(output))  # a reused module: its first call
        return hook

    for name, sub in modules:
        hooks.append(sub.register_forward_hook(record(name)))
    try:
        with torch.inference_mode():
            module(*example) if isinstance(example, tuple) else module(example)
    finally:
        for hook in hooks:
            hook.remove()
    rows = []
    for name, sub in modules:
        own = list(sub.parameters(recurse=False))
        rows.append(LayerRow(
            name=name, kind=type(sub).__name__, depth=name.count(".") + 1 if name else 0,
            output_shape=shapes.get(name, "-"), params=sum(p.numel() for p in own),
            trainable=sum(p.numel() for p in own if p.requires_grad)))
    parts = example if isinstance(example, tuple) else (example,)
    total, trainable = count_parameters(module)
    return ModelSummary(title, [_batch_shape(part.shape) for part in parts], rows,
                        total, trainable)


def count_parameters(module: nn.Module):
    """``(total, trainable)`` parameter counts of ``module``."""
    return (sum(p.numel() for p in module.parameters()),
            sum(p.numel() for p in module.parameters() if p.requires_grad))
