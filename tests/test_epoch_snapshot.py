"""EpochSnapshot: the per-epoch copy that an interrupt rolls training back to."""

import copy

import pytest
import torch
from torch import nn

from sknn.core.epoch_snapshot import EpochSnapshot


def _model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 2))


def _steps(model, optimizer, n, seed):
    g = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(n):
        optimizer.zero_grad()
        model(torch.randn(8, 4, generator=g)).pow(2).mean().backward()
        optimizer.step()


def _state(model, optimizer):
    return copy.deepcopy(model.state_dict()), copy.deepcopy(optimizer.state_dict())


def _assert_same(a, b):
    (ma, oa), (mb, ob) = a, b
    assert ma.keys() == mb.keys()
    for key in ma:
        assert torch.equal(ma[key], mb[key]), key
    assert oa["param_groups"] == ob["param_groups"]
    assert oa["state"].keys() == ob["state"].keys()
    for i in oa["state"]:
        assert oa["state"][i].keys() == ob["state"][i].keys()
        for key, value in oa["state"][i].items():
            other = ob["state"][i][key]
            assert torch.equal(value, other) if isinstance(value, torch.Tensor) \
                else value == other


@pytest.mark.parametrize("make", [
    lambda p: torch.optim.Adam(p, lr=0.01),
    lambda p: torch.optim.Adam(p, lr=0.01, fused=True),
    lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
])
def test_restore_returns_to_the_last_take_in_place(make):
    model = _model()
    optimizer = make(model.parameters())
    _steps(model, optimizer, 3, seed=0)
    snapshot = EpochSnapshot(model, [optimizer])
    snapshot.take()
    expected = _state(model, optimizer)
    live_state = [t for s in optimizer.state.values() for t in s.values()
                  if isinstance(t, torch.Tensor)]
    _steps(model, optimizer, 4, seed=1)
    optimizer.param_groups[0]["lr"] = 0.5  # as a scheduler would
    assert not torch.equal(model[0].weight, expected[0]["0.weight"])
    snapshot.restore()
    _assert_same(_state(model, optimizer), expected)
    # the optimizer's state tensors are the same objects (prepared updates keep them)
    assert all(a is b for a, b in zip(
        live_state, [t for s in optimizer.state.values() for t in s.values()
                     if isinstance(t, torch.Tensor)]))


def test_restore_drops_optimizer_state_created_after_the_take():
    model = _model()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    snapshot = EpochSnapshot(model, [optimizer])
    snapshot.take()
    weights = copy.deepcopy(model.state_dict())
    _steps(model, optimizer, 2, seed=0)
    assert optimizer.state
    snapshot.restore()
    assert not optimizer.state
    assert all(torch.equal(v, weights[k]) for k, v in model.state_dict().items())


def test_take_refreshes_the_same_buffers_and_training_goes_on_identically():
    model, twin = _model(), _model()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    twin_optimizer = torch.optim.Adam(twin.parameters(), lr=0.01)
    snapshot = EpochSnapshot(model, [optimizer])
    for epoch in range(3):
        snapshot.take()
        _steps(model, optimizer, 2, seed=epoch)
        if epoch == 1:  # an interrupted epoch, then the same epoch again
            snapshot.restore()
            _steps(model, optimizer, 2, seed=epoch)
        _steps(twin, twin_optimizer, 2, seed=epoch)
    _assert_same(_state(model, optimizer), _state(twin, twin_optimizer))


def test_a_scalar_state_entry_added_later_is_kept_and_restored():
    model = _model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    _steps(model, optimizer, 1, seed=0)
    snapshot = EpochSnapshot(model, [optimizer])
    snapshot.take()
    param = next(iter(optimizer.state))
    optimizer.state[param]["calls"] = 1  # a non-tensor entry, the tensors unchanged
    snapshot.take()
    optimizer.state[param]["calls"] = 5
    snapshot.restore()
    assert optimizer.state[param]["calls"] == 1


def test_restore_before_take_is_an_error():
    model = _model()
    with pytest.raises(RuntimeError, match="before any take"):
        EpochSnapshot(model, [torch.optim.SGD(model.parameters(), lr=0.1)]).restore()
