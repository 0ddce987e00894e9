"""Recurrent sequence model: input layer, stacked RNN/LSTM/GRU layers, pooling, dense head."""

import contextlib
import warnings

import torch
from torch import _VF, nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from .dense import DenseStack
from .dropout import Dropout

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
# torch's multi-layer functions behind nn.RNN/nn.LSTM/nn.GRU (what their forward calls)
_FUSED = {nn.RNN: _VF.rnn_tanh, nn.LSTM: _VF.lstm, nn.GRU: _VF.gru}
POOLINGS = ("last", "mean", "max")


def keras_init_(rnn):
    """Initialise a torch ``nn.RNN``/``nn.LSTM``/``nn.GRU`` as Keras does.

    Input weights Glorot-uniform, recurrent weights orthogonal, biases zero,
    and the LSTM forget-gate bias 1 (Keras' ``unit_forget_bias``).  Torch's
    default (uniform in +-1/sqrt(hidden_size)) trains a SimpleRNN on long
    sequences noticeably worse.
    """
    hidden = rnn.hidden_size
    for name, param in rnn.named_parameters():
        if name.startswith("weight_ih"):
            nn.init.xavier_uniform_(param)
        elif name.startswith("weight_hh"):
            nn.init.orthogonal_(param)
        elif name.startswith("bias"):
            nn.init.zeros_(param)
            if isinstance(rnn, nn.LSTM) and name.startswith("bias_ih"):
                nn.init.ones_(param[hidden:2 * hidden])  # gates i, f, g, o


def _cpu_full_precision(x):
    """No autocast for the recurrence on the CPU.

    oneDNN's bfloat16 LSTM/GRU kernels need CPU support that most machines
    lack (torch then fails to create the primitive), so under CPU autocast the
    recurrent layers run in float32; on CUDA, autocast applies (cuDNN).
    """
    if x.device.type == "cpu" and torch.is_autocast_enabled("cpu"):
        return torch.autocast("cpu", enabled=False)
    return contextlib.nullcontext()


def reverse_within_lengths(x, lengths):
    """Reverse each row of ``x`` (batch, T, ...) over its first ``lengths[i]`` steps.

    The steps after a row's length stay where they are, so a left-aligned
    batch stays left-aligned; the operation is its own inverse.
    """
    steps = torch.arange(x.shape[1], device=x.device)
    index = torch.where(steps < lengths.unsqueeze(1), lengths.unsqueeze(1) - 1 - steps, steps)
    index = index.view(*index.shape, *([1] * (x.ndim - 2))).expand_as(x)
    return x.gather(1, index)


class RecurrentNet(nn.Module):
    """Sequences in, one output vector per sequence out.

    ``forward(x, lengths)`` takes ``x`` of shape ``(batch, T)`` (token ids,
    int64) or ``(batch, T, input_size)`` (floats), each sequence left-aligned
    (padding after its end), and ``lengths`` of shape ``(batch,)`` (>= 1).

    Padding never changes a result.  Each layer and direction is its own
    one-layer torch RNN; the backward direction reads every sequence reversed
    within its length, so in both directions the padding comes after the last
    valid step, and only outputs at valid steps are used (pooling, next layer).
    A causal recurrence's outputs at valid steps cannot depend on what follows
    them, so the result is that of each sequence run alone at its true length.
    How the padding steps are skipped:

    * ``pack=True``: with :func:`~torch.nn.utils.rnn.pack_padded_sequence`
      (``enforce_sorted=False``); the padding is never computed at all.  A
      packed batch runs through every layer and both directions in a single
      call of torch's multi-layer RNN function, with the per-layer weights
      (on CUDA: cuDNN's fused multi-layer kernel); packing is what makes the
      fused backward direction padding-exact;
    * ``pack=False``: the batch runs padded (trimmed to its longest sequence)
      and the outputs at padding steps are ignored.  On the CPU this is
      several times faster (oneDNN's fused LSTM, no per-step slicing) for the
      same result;
    * ``pack=None`` (default): pack on CUDA, not elsewhere.

    Parameters
    ----------
    n_outputs : int
        Width of the output.
    cell : {'rnn', 'lstm', 'gru'}, default='lstm'
        ``'rnn'`` is the Elman (Keras ``SimpleRNN``) cell with tanh.
    input_size : int or None
        Features per step of numeric input; None for token ids.
    vocab_size : int or None
        Number of token ids (0 = padding, 1 = out-of-vocabulary); None for
        numeric input.
    embedding_dim : int, default=64
        Width of the learned embedding.
    embeddings : torch.Tensor of shape (vocab_size, dim) or None
        Pretrained embedding matrix (``embedding_dim`` is then ignored).
    freeze_embeddings : bool, default=False
        Do not train the embedding.
    one_hot : bool, default=False
        Feed one-hot tokens instead of an embedding: id 0 (padding) is an
        all-zero vector, so the recurrence sees ``vocab_size - 1`` features.
        This builds ``(batch, T, vocab_size - 1)`` tensors: for small
        vocabularies (characters).
    hidden_size : int, default=64
    num_layers : int, default=1
    bidirectional : bool, default=False
    dropout : float, default=0.0
        Between stacked recurrent layers, on the pooled representation, and
        after each hidden layer of the head.
    pooling : {'last', 'mean', 'max'}, default='last'
        ``'last'``: the top layer's final hidden state, i.e. its output at the
        last valid step (forward direction) and at the first step (backward
        direction), concatenated; ``'mean'``/``'max'``: over the valid steps
        of the top layer's outputs.
    hidden_layer_sizes : sequence of int, default=()
        The dense head between the pooled representation and the output.
    activation : str, default='relu'
        Activation of the head's hidden layers.
    pack : bool or None, default=None
        See above.
    """

    def __init__(self, n_outputs, *, cell="lstm", input_size=None, vocab_size=None,
                 embedding_dim=64, embeddings=None, freeze_embeddings=False, one_hot=False,
                 hidden_size=64, num_layers=1, bidirectional=False, dropout=0.0,
                 pooling="last", hidden_layer_sizes=(), activation="relu", pack=None):
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {sorted(CELLS)}, got {cell!r}")
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
        if (input_size is None) == (vocab_size is None):
            raise ValueError("give exactly one of input_size (numeric) and vocab_size (ids)")
        self.tokens = vocab_size is not None
        self.one_hot = bool(one_hot and self.tokens)
        self.vocab_size = vocab_size
        self.pooling = pooling
        self.pack = pack
        self.embedding = None
        if self.tokens and self.one_hot:
            width = vocab_size - 1
        elif self.tokens and embeddings is not None:
            self.embedding = nn.Embedding.from_pretrained(
                embeddings, freeze=freeze_embeddings, padding_idx=0)
            width = embeddings.shape[1]
        elif self.tokens:
            self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=0)
            nn.init.uniform_(self.embedding.weight, -0.05, 0.05)  # as Keras
            with torch.no_grad():
                self.embedding.weight[0].zero_()
            self.embedding.weight.requires_grad_(not freeze_embeddings)
            width = embedding_dim
        else:
            width = input_size
        n_directions = 2 if bidirectional else 1
        self.layers = nn.ModuleList()
        for _ in range(num_layers):
            directions = nn.ModuleList(
                CELLS[cell](width, hidden_size, batch_first=True) for _ in range(n_directions))
            for rnn in directions:
                keras_init_(rnn)
            self.layers.append(directions)
            width = n_directions * hidden_size
        self.between_layers = Dropout(dropout) if dropout and num_layers > 1 else None
        self.dropout = Dropout(dropout) if dropout else nn.Identity()
        self.head = DenseStack(width, list(hidden_layer_sizes), n_outputs,
                               activation=activation, dropout=dropout)

    def _inputs(self, x):
        if not self.tokens:
            return x
        if self.one_hot:
            dtype = self.head[-1].weight.dtype
            return nn.functional.one_hot(x, self.vocab_size)[..., 1:].to(dtype)
        return self.embedding(x)

    def _run_packed(self, x, lengths_cpu):
        """All layers and directions on the packed batch, in one multi-layer RNN call."""
        packed = pack_padded_sequence(x, lengths_cpu, batch_first=True, enforce_sorted=False)
        weights = [w for directions in self.layers for rnn in directions
                   for w in (rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0,
                             rnn.bias_hh_l0)]
        first = self.layers[0][0]
        n_directions = len(self.layers[0])
        h0 = torch.zeros(len(self.layers) * n_directions, x.shape[0], first.hidden_size,
                         dtype=x.dtype, device=x.device)
        hx = (h0, torch.zeros_like(h0)) if isinstance(first, nn.LSTM) else h0
        dropout = self.between_layers.p if self.between_layers is not None else 0.0
        with warnings.catch_warnings():
            # cuDNN copies the per-layer weights into its flat buffer on each call
            warnings.filterwarnings("ignore", message="RNN module weights are not part")
            out = _FUSED[type(first)](packed.data, packed.batch_sizes, hx, weights, True,
                                    len(self.layers), dropout, self.training,
                                    n_directions == 2)[0]
        out = PackedSequence(out, packed.batch_sizes, packed.sorted_indices,
                             packed.unsorted_indices)
        return pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])[0]

    def _recurrence(self, x, lengths, lengths_cpu, pack):
        if pack:
            return self._run_packed(x, lengths_cpu)
        for i, directions in enumerate(self.layers):
            if i and self.between_layers is not None:
                x = self.between_layers(x)
            outputs = [directions[0](x)[0]]
            if len(directions) == 2:
                backward = directions[1](reverse_within_lengths(x, lengths))[0]
                outputs.append(reverse_within_lengths(backward, lengths))
            x = torch.cat(outputs, dim=2) if len(outputs) == 2 else outputs[0]
        return x

    def forward(self, x, lengths):
        lengths_cpu = lengths.to("cpu", torch.int64)
        lengths = lengths.to(x.device, torch.int64)
        pack = x.device.type == "cuda" if self.pack is None else self.pack
        x = self._inputs(x[:, :int(lengths_cpu.max())])
        with _cpu_full_precision(x):
            x = self._recurrence(x, lengths, lengths_cpu, pack)
        # x: (batch, L, directions * hidden), meaningful at valid steps only
        if self.pooling == "last":
            last = (lengths - 1).view(-1, 1, 1).expand(-1, 1, x.shape[2])
            features = x.gather(1, last).squeeze(1)
            if len(self.layers[-1]) == 2:  # the backward direction ends at step 0
                hidden = x.shape[2] // 2
                features = torch.cat([features[:, :hidden], x[:, 0, hidden:]], dim=1)
        else:
            valid = (torch.arange(x.shape[1], device=x.device) < lengths.unsqueeze(1))
            valid = valid.unsqueeze(2)
            if self.pooling == "mean":
                features = x.masked_fill(~valid, 0).sum(dim=1) / lengths.unsqueeze(1).to(x.dtype)
            else:
                features = x.masked_fill(~valid, float("-inf")).amax(dim=1)
        return self.head(self.dropout(features))
