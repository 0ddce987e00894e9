"""LSTM(32) (or GRU) on IMDB token ids: sknn vs plain PyTorch loops, fit time per epoch.

Every contender trains the same network (a 32-wide embedding of a
10,000-token vocabulary, one LSTM (``--cell gru``: GRU) layer of 32 units, a linear layer to two
logits; Adam at 1e-3, gradient norm clipped at 1.0, no L2 penalty, batches of
32, float32) for the same number of epochs on the same token ids: the first
``--n-train`` reviews of an 80/20 stratified split of the IMDB training set,
cut to ``--maxlen`` words by ``TextVectorizer``; the accuracy is measured on
the first 2,000 reviews of the 20% validation part (the official test split
is not used).  Tokenizing is not timed.

* ``sknn``: ``RNNSequenceClassifier(cell='lstm', hidden_size=32, ...)``;
* ``torch_packed``: the textbook loop, ``pack_padded_sequence(...,
  enforce_sorted=False)`` into ``nn.LSTM``, the final hidden state to the
  linear layer (the baseline);
* ``torch_padded``: the same loop without packing: ``nn.LSTM`` on the padded
  batch (trimmed to its longest review) and the output at each review's last
  word, which is what sknn does on the CPU.

Each contender runs in its own process, the rounds interleaved; the figures
are the medians.  ``--device cuda`` runs every contender on the GPU (sknn
then packs its batches into cuDNN's fused kernel); ``sknn_bf16`` and
``sknn_compile`` (not run by default) add ``precision='bf16-mixed'`` and
``compile=True``.

    python benchmarks/bench_rnn.py                    # 4,000 reviews, 1 epoch, 3 rounds
    python benchmarks/bench_rnn.py --threads 1        # one torch thread per process
    python benchmarks/bench_rnn.py --device cuda --cell gru --suffix _gru_cuda \
        --contenders sknn,sknn_bf16,sknn_compile,torch_packed
"""

import argparse
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import _harness  # noqa: E402

VOCAB, EMBED, HIDDEN, LR, CLIP = 10000, 32, 32, 1e-3, 1.0


def _setup(threads):
    import torch

    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(0)
    return torch


def _data(n_train, maxlen):
    from sklearn.model_selection import train_test_split

    from sknn.datasets import load_imdb
    from sknn.text import TextVectorizer

    reviews, sentiment = load_imdb(data_home=_harness.data_home(), return_X_y=True)
    X_train, X_valid, y_train, y_valid = train_test_split(
        reviews, sentiment, test_size=0.2, stratify=sentiment, random_state=0)
    vectorizer = TextVectorizer(max_tokens=VOCAB, output_sequence_length=maxlen)
    ids = vectorizer.fit_transform(X_train[:n_train])
    ids_valid = vectorizer.transform(X_valid[:2000])
    return (ids, (y_train[:n_train] == "positive").astype(np.int64),
            ids_valid, (y_valid[:2000] == "positive").astype(np.int64))


def _sync(torch, device):
    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def _sknn(epochs, n_train, maxlen, batch_size, threads, device="cpu", cell="lstm", **params):
    from sknn import RNNSequenceClassifier

    torch = _setup(threads)
    X, y, Xv, yv = _data(n_train, maxlen)
    clf = RNNSequenceClassifier(
        cell, hidden_size=HIDDEN, embedding_dim=EMBED, vocab_size=VOCAB, alpha=0.0,
        learning_rate_init=LR, clip_grad_norm=CLIP, batch_size=batch_size,
        max_iter=epochs, random_state=0, device=device, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = time.perf_counter()
        clf.fit(X, y)
        _sync(torch, device)
        fit_s = time.perf_counter() - t
    return {"fit_s": fit_s, "epoch_s": fit_s / epochs, "val_accuracy": float(clf.score(Xv, yv)),
            "threads": torch.get_num_threads()}


def sknn(**config):
    return _sknn(**config)


def sknn_bf16(**config):
    return _sknn(**config, precision="bf16-mixed")


def sknn_compile(**config):
    return _sknn(**config, compile=True)


def _torch_loop(epochs, n_train, maxlen, batch_size, threads, packed, device="cpu",
                cell="lstm"):
    torch = _setup(threads)
    from torch import nn
    from torch.nn.utils.rnn import pack_padded_sequence

    X, y, Xv, yv = _data(n_train, maxlen)
    t = time.perf_counter()
    embedding = nn.Embedding(VOCAB, EMBED, padding_idx=0).to(device)
    lstm = (nn.LSTM if cell == "lstm" else nn.GRU)(EMBED, HIDDEN, batch_first=True).to(device)
    linear = nn.Linear(HIDDEN, 2).to(device)
    params = [*embedding.parameters(), *lstm.parameters(), *linear.parameters()]
    optimizer = torch.optim.Adam(params, lr=LR)

    def forward(ids, lengths):
        ids = ids[:, :int(lengths.max())]
        if packed:
            _, h = lstm(pack_padded_sequence(embedding(ids), lengths.cpu(), batch_first=True,
                                             enforce_sorted=False))
            return linear((h[0] if cell == "lstm" else h)[-1])
        out, _ = lstm(embedding(ids))
        return linear(out[torch.arange(len(ids), device=ids.device), lengths - 1])

    Xt, yt = torch.from_numpy(X).to(device), torch.from_numpy(y).to(device)
    lengths = (Xt != 0).sum(dim=1).clamp_min(1)  # TextVectorizer pads after the words
    for _ in range(epochs):
        perm = torch.randperm(len(Xt), device=device)
        for i in range(0, len(Xt), batch_size):
            idx = perm[i:i + batch_size]
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(forward(Xt[idx], lengths[idx]), yt[idx])
            loss.backward()
            nn.utils.clip_grad_norm_(params, CLIP)
            optimizer.step()
    _sync(torch, device)
    fit_s = time.perf_counter() - t
    with torch.no_grad():
        Xv = torch.from_numpy(Xv).to(device)
        pred = forward(Xv, (Xv != 0).sum(dim=1).clamp_min(1)).argmax(1).cpu().numpy()
    return {"fit_s": fit_s, "epoch_s": fit_s / epochs, "val_accuracy": float((pred == yv).mean()),
            "threads": torch.get_num_threads()}


def torch_packed(**config):
    return _torch_loop(**config, packed=True)


def torch_padded(**config):
    return _torch_loop(**config, packed=False)


CONTENDERS = {"sknn": sknn, "torch_packed": torch_packed, "torch_padded": torch_padded,
              "sknn_bf16": sknn_bf16, "sknn_compile": sknn_compile}
DEFAULT = "sknn,torch_packed,torch_padded"

if __name__ == "__main__" and not _harness.child_main(CONTENDERS):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--n-train", type=int, default=4000)
    parser.add_argument("--maxlen", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=0,
                        help="torch threads per process (0: torch's default)")
    parser.add_argument("--device", default="cpu", help="'cpu', 'cuda'")
    parser.add_argument("--cell", choices=["lstm", "gru"], default="lstm")
    _harness.add_output_args(parser, CONTENDERS)
    args = parser.parse_args()
    config = {"epochs": args.epochs, "n_train": args.n_train, "maxlen": args.maxlen,
              "batch_size": args.batch_size, "threads": args.threads}
    if args.device != "cpu" or args.cell != "lstm":  # the CPU LSTM records stay comparable
        config.update(device=args.device, cell=args.cell)
    _harness.run(__file__, _harness.select(CONTENDERS, args.contenders or DEFAULT), config,
                 rounds=args.rounds, baseline="torch_packed",
                 title=f"{args.cell.upper()}(32) on IMDB token ids, fit time (s), "
                       f"{args.device}",
                 results_dir=args.results_dir, suffix=args.suffix)
