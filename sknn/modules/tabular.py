"""One network over a table's columns: categorical embeddings, numeric inputs, text encoders.

``TabularNet.forward(categorical, numeric, text)`` takes

* ``categorical``: int64 ``(batch, n_categorical)``, one code per column
  (0 = unknown or rare, 1 = missing, 2... = the categories);
* ``numeric``: float ``(batch, n_numeric_inputs)``, the transformed values and
  their missing indicators;
* ``text``: int64 ``(batch, n_text, T)``, token ids per text column, 0 as
  (post-)padding, 1 out-of-vocabulary;

any of them may have zero columns.  Each categorical column has its own
embedding, each text column is embedded and encoded to one vector
(:class:`TextEncoder`, one per column or one shared by all), and the branch
outputs are concatenated into ``head``, a module given by the caller (a
:class:`~sknn.modules.dense.DenseStack`).
"""

import torch
from torch import nn

from .recurrent import RecurrentNet

#: text encoders: the recurrent ones map to (cell, bidirectional)
TEXT_ENCODERS = {"bag": None, "gru": ("gru", False), "lstm": ("lstm", False),
                 "bigru": ("gru", True)}


def embedding_size(n_categories):
    """fastai's rule of thumb for a categorical embedding: ``min(600, round(1.6 n^0.56))``."""
    return int(min(600, round(1.6 * n_categories ** 0.56)))


class TextEncoder(nn.Module):
    """Token ids ``(batch, T)`` to one vector per row.

    ``'bag'``: the mean of the embeddings of the row's tokens (padding left
    out; an empty text gives zeros).  ``'gru'``/``'lstm'``/``'bigru'``: the
    embeddings run through :class:`~sknn.modules.recurrent.RecurrentNet`
    (one layer, ``pooling='mean'``), whose linear output of ``hidden_size``
    units is the vector.

    Parameters
    ----------
    vocab_size : int
        Number of token ids (padding 0 and out-of-vocabulary 1 included).
    embedding_dim : int
        Width of the embedding (ignored with ``embeddings``).
    encoder : {'bag', 'gru', 'lstm', 'bigru'}
    hidden_size : int
        Units of the recurrent layer (per direction) and width of the output
        of a recurrent encoder.
    embeddings : torch.Tensor of shape (vocab_size, dim) or None
        Pretrained embedding matrix.
    freeze_embeddings : bool
        Do not train the embedding.
    """

    def __init__(self, vocab_size, embedding_dim, encoder="bag", *, hidden_size=64,
                 embeddings=None, freeze_embeddings=False):
        super().__init__()
        if encoder not in TEXT_ENCODERS:
            raise ValueError(f"encoder must be one of {sorted(TEXT_ENCODERS)}, got {encoder!r}")
        self.encoder = encoder
        if encoder == "bag":
            if embeddings is not None:
                self.embedding = nn.Embedding.from_pretrained(
                    embeddings, freeze=freeze_embeddings, padding_idx=0)
            else:
                self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=0)
                nn.init.uniform_(self.embedding.weight, -0.05, 0.05)
                with torch.no_grad():
                    self.embedding.weight[0].zero_()
                self.embedding.weight.requires_grad_(not freeze_embeddings)
            self.n_outputs = self.embedding.embedding_dim
            self.rnn = None
        else:
            cell, bidirectional = TEXT_ENCODERS[encoder]
            self.rnn = RecurrentNet(
                hidden_size, cell=cell, bidirectional=bidirectional, vocab_size=vocab_size,
                embedding_dim=embedding_dim, embeddings=embeddings,
                freeze_embeddings=freeze_embeddings, hidden_size=hidden_size, pooling="mean")
            self.n_outputs = hidden_size

    def forward(self, ids):
        present = ids != 0
        if self.rnn is not None:
            lengths = present.sum(dim=1).clamp(min=1)
            return self.rnn(ids, lengths)
        width = int(present.sum(dim=1).max()) if ids.shape[0] else 0
        ids, present = ids[:, :max(width, 1)], present[:, :max(width, 1)]  # post-padded
        summed = self.embedding(ids).sum(dim=1)  # the padding row is zero
        count = present.sum(dim=1, keepdim=True).clamp(min=1)
        return summed / count.to(summed.dtype)


class PeriodicEmbedding(nn.Module):
    """Numbers to vectors: ``relu(W_j [sin(2 pi c_j x), cos(2 pi c_j x)])`` per column ``j``.

    The "PLR (lite)" numeric embedding of Gorishniy, Rubachev and Babenko,
    "On embeddings for numerical features in tabular deep learning" (NeurIPS
    2022): ``n_frequencies`` learned frequencies ``c_j`` per column, drawn from
    ``N(0, sigma^2)``, and one linear layer per column to ``dim`` units.  Input
    ``(batch, n_columns)``, output ``(batch, n_columns * dim)``.
    """

    def __init__(self, n_columns, dim=16, n_frequencies=16, sigma=1.0):
        super().__init__()
        self.frequencies = nn.Parameter(torch.randn(n_columns, n_frequencies) * sigma)
        bound = (1.0 / (2 * n_frequencies)) ** 0.5
        self.weight = nn.Parameter(
            torch.empty(n_columns, 2 * n_frequencies, dim).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(n_columns, dim).uniform_(-bound, bound))
        self.n_outputs = n_columns * dim

    def forward(self, x):
        angles = 2 * torch.pi * self.frequencies * x.unsqueeze(2)
        periodic = torch.cat([torch.sin(angles), torch.cos(angles)], dim=2)
        out = torch.einsum("bjf,jfd->bjd", periodic, self.weight) + self.bias
        return torch.relu(out).flatten(1)


class TabularNet(nn.Module):
    """Categorical, numeric and text branches concatenated into a dense head.

    Parameters
    ----------
    cardinalities : sequence of int
        Number of codes of each categorical column (unknown and missing
        included).
    embedding_dims : sequence of int
        Embedding width of each categorical column.
    n_numeric : int
        Number of numeric columns: the ``numeric`` input holds their
        ``n_numeric`` values, then their ``n_numeric`` missing indicators.
    text_vocab_sizes : sequence of int
        Vocabulary size of each text column (with ``shared_text_encoder``,
        all equal: the shared vocabulary).
    head : nn.Module
        Takes the concatenated branch outputs (:meth:`n_features` wide) and
        returns the network's output.
    text_embedding_dim : int, default=32
    text_encoder : {'bag', 'gru', 'lstm', 'bigru'}, default='bag'
    text_hidden_size : int, default=64
    shared_text_encoder : bool, default=False
        One encoder (embedding included) for every text column.
    text_embeddings : sequence of torch.Tensor or None
        Pretrained embedding matrices, one per encoder.
    freeze_text_embeddings : bool, default=False
    embedding_dropout : float, default=0.0
        Dropout on the concatenated categorical embeddings.
    numeric_embedding : {'periodic', None}, default='periodic'
        ``'periodic'``: each numeric value through :class:`PeriodicEmbedding`
        (``numeric_embedding_dim`` units); None: the values as they are.  The
        missing indicators always go in as they are.
    numeric_embedding_dim : int, default=16
    """

    def __init__(self, cardinalities, embedding_dims, n_numeric, text_vocab_sizes, head=None,
                 *, text_embedding_dim=32, text_encoder="bag", text_hidden_size=64,
                 shared_text_encoder=False, text_embeddings=None,
                 freeze_text_embeddings=False, embedding_dropout=0.0,
                 numeric_embedding="periodic", numeric_embedding_dim=16):
        super().__init__()
        self.embeddings = nn.ModuleList()
        for n, dim in zip(cardinalities, embedding_dims):
            embedding = nn.Embedding(int(n), int(dim))
            nn.init.trunc_normal_(embedding.weight, std=0.05, a=-0.1, b=0.1)
            self.embeddings.append(embedding)
        self.embedding_dropout = (nn.Dropout(embedding_dropout) if embedding_dropout
                                  else nn.Identity())
        self.n_numeric = int(n_numeric)
        self.numeric_embedding = (
            PeriodicEmbedding(self.n_numeric, numeric_embedding_dim)
            if numeric_embedding == "periodic" and self.n_numeric else None)
        self.n_text = len(text_vocab_sizes)
        self.shared_text_encoder = bool(shared_text_encoder and self.n_text)
        n_encoders = 1 if self.shared_text_encoder else self.n_text
        pretrained = list(text_embeddings) if text_embeddings is not None else [None] * n_encoders
        self.text_encoders = nn.ModuleList(
            TextEncoder(int(text_vocab_sizes[i]), text_embedding_dim, text_encoder,
                        hidden_size=text_hidden_size, embeddings=pretrained[i],
                        freeze_embeddings=freeze_text_embeddings)
            for i in range(n_encoders))
        self.head = head

    def n_features(self):
        """Width of the concatenated branch outputs (the head's input)."""
        per_text = self.text_encoders[0].n_outputs if len(self.text_encoders) else 0
        numeric = (self.numeric_embedding.n_outputs + self.n_numeric
                   if self.numeric_embedding is not None else 2 * self.n_numeric)
        return (sum(e.embedding_dim for e in self.embeddings) + numeric
                + self.n_text * per_text)

    def features(self, categorical, numeric, text):
        """The concatenated branch outputs, ``(batch, n_features())``."""
        parts = []
        if len(self.embeddings):
            parts.append(self.embedding_dropout(torch.cat(
                [embedding(categorical[:, j]) for j, embedding in enumerate(self.embeddings)],
                dim=1)))
        if self.numeric_embedding is not None:
            parts.append(self.numeric_embedding(numeric[:, :self.n_numeric]))
            parts.append(numeric[:, self.n_numeric:])
        elif self.n_numeric:
            parts.append(numeric)
        for j in range(self.n_text):
            encoder = self.text_encoders[0 if self.shared_text_encoder else j]
            parts.append(encoder(text[:, j]).to(numeric.dtype))
        return torch.cat(parts, dim=1)

    def forward(self, categorical, numeric, text):
        return self.head(self.features(categorical, numeric, text))
