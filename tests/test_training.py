"""spec/training.md: the training loop, what the notes' models converge to, accuracy, the
confusion matrix and a mean loss over batches, train/eval modes, and what TensorBoard's writer
leaves on disk."""

from __future__ import annotations

import io
import itertools
import math
import sys
import warnings
import weakref
from contextlib import contextmanager

import numpy as np
import pytest
import torch
import torch.nn.functional as F  # noqa: N812 (the notes' name)
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as npst

from reference.data import batch_bounds, num_batches
from reference.metrics import confusion_matrix, num_correct, predicted_classes
from reference.nn import cross_entropy
from reference.optim import adam_step, sgd_step
from tests.harness.assertions import assert_close
from tests.harness.profiles import examples
from tests.harness.tolerances import ITERATED, REORDERED, SUMMED
from tests.harness.torch_settings import built_with_seed, seeded
from tests.harness.versions import torch_version

# Small data for loop properties: a batch of 1 to 6 samples with 3 features and one target.
VALUES = st.floats(-3.0, 3.0, allow_nan=False, allow_subnormal=False)
LR = 0.1


@st.composite
def batches(draw):
    """2 to 5 batches (x of shape (n, 3), y of shape (n, 1)) as float64 tensors."""
    result = []
    for _ in range(draw(st.integers(2, 5))):
        n = draw(st.integers(1, 6))
        x = draw(npst.arrays(np.float64, (n, 3), elements=VALUES))
        y = draw(npst.arrays(np.float64, (n, 1), elements=VALUES))
        result.append((torch.from_numpy(x), torch.from_numpy(y)))
    return result


def linear_model(device="cpu") -> torch.nn.Linear:
    return built_with_seed(0, lambda: torch.nn.Linear(3, 1).double().to(device))


def flat(model: torch.nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for p in model.parameters()])


# The loop ------------------------------------------------------------------------------------


@pytest.mark.claim("training.loop.order")
@settings(max_examples=examples(3 / 4))  # two models, each through up to five steps
@given(data=batches())
def test_each_step_follows_this_batchs_gradient(device, data):
    """Notes 000's order (zero_grad, forward, loss, backward, step) and notes 001's (forward,
    loss, backward, step, zero_grad) both move the weights by -lr * this batch's gradient."""
    first, second = linear_model(device), linear_model(device)
    first_optimizer = torch.optim.SGD(first.parameters(), lr=LR)
    second_optimizer = torch.optim.SGD(second.parameters(), lr=LR)
    for step, (x, y) in enumerate(data, start=1):
        x, y = x.to(device), y.to(device)
        before = flat(first)
        fresh = torch.autograd.grad(F.mse_loss(first(x), y), list(first.parameters()))
        expected = before - LR * torch.cat([g.flatten() for g in fresh])

        first_optimizer.zero_grad()
        loss = F.mse_loss(first(x), y)
        loss.backward()
        first_optimizer.step()

        loss = F.mse_loss(second(x), y)
        loss.backward()
        second_optimizer.step()
        second_optimizer.zero_grad()

        batch = {"x": x, "y": y}
        call = f"SGD(lr={LR}) step {step} of {len(data)}"
        assert_close(flat(first), expected, f"{call}, zero_grad first", REORDERED, batch)
        assert_close(flat(second), flat(first), f"{call}, zero_grad last", REORDERED, batch)


@pytest.mark.claim("training.loop.order")
def test_zero_grad_between_backward_and_step_loses_the_step(device):
    model = linear_model(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    before = flat(model)
    x = torch.ones(4, 3, dtype=torch.float64, device=device)
    F.mse_loss(model(x), torch.zeros(4, 1, dtype=torch.float64, device=device)).backward()
    optimizer.zero_grad()  # too early: the gradient is gone before step() reads it
    optimizer.step()
    assert torch.equal(flat(model), before), "step() after zero_grad() moved the weights"


def adam_trajectory(target, start, steps, rebuild):
    """`steps` Adam steps on 0.5 * ||p - target||**2, whose gradient is p - target, with the
    optimiser built once or rebuilt before every step."""
    parameter = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    target = torch.tensor(target, dtype=torch.float64)
    optimizer = torch.optim.Adam([parameter], lr=0.1)
    history = []
    for _ in range(steps):
        if rebuild:
            optimizer = torch.optim.Adam([parameter], lr=0.1)
        optimizer.zero_grad()
        (0.5 * (parameter - target).pow(2).sum()).backward()
        optimizer.step()
        history.append(parameter.detach().numpy().copy())
    return history


def reference_adam_trajectory(target, start, steps, rebuild):
    params, state, history = np.array(start, dtype=np.float64), {}, []
    for _ in range(steps):
        params, state = adam_step(params, params - target, {} if rebuild else state, lr=0.1)
        history.append(params)
    return history


@pytest.mark.claim("training.loop.optimizer-built-once")
@settings(max_examples=examples(3 / 4))  # two Adam trajectories of four steps
@given(
    target=npst.arrays(np.float64, 3, elements=VALUES),
    start=npst.arrays(np.float64, 3, elements=VALUES),
    rebuild=st.booleans(),
)
def test_adam_built_once_or_rebuilt_is_adam_with_or_without_memory(target, start, rebuild):
    got = adam_trajectory(target, start, 4, rebuild)
    want = reference_adam_trajectory(target, start, 4, rebuild)
    built = "rebuilt every step" if rebuild else "built once"
    for step, (actual, expected) in enumerate(zip(got, want, strict=True), start=1):
        call = f"Adam(lr=0.1) {built} on 0.5 * ||p - target||**2, step {step}"
        inputs = {"target": target, "start": start}
        assert_close(torch.from_numpy(actual), expected, call, ITERATED, inputs)


@pytest.mark.claim("training.loop.optimizer-built-once")
def test_rebuilding_adam_forgets_its_moments():
    target, start = np.array([1.0, -2.0, 0.5]), np.array([3.0, 3.0, 3.0])
    once = adam_trajectory(target, start, 5, rebuild=False)
    rebuilt = adam_trajectory(target, start, 5, rebuild=True)
    # Rebuilt, every step is a first step: m_hat = g and v_hat = g**2, so each weight moves by
    # lr * g / (|g| + eps), i.e. by 0.1 towards its target, whatever the gradient's size.
    expected = start - 0.1 * 5 * np.sign(start - target)
    np.testing.assert_allclose(rebuilt[-1], expected, rtol=1e-6)
    assert not np.allclose(once[-1], rebuilt[-1], rtol=1e-3), (
        f"Adam built once ended at {once[-1]}, rebuilt every step at {rebuilt[-1]}: the same"
    )


@pytest.mark.claim("training.loop.optimizer-built-once")
@given(data=batches())
@settings(max_examples=examples(1 / 4))  # two models, each through up to five steps
def test_rebuilding_plain_sgd_changes_nothing(data):
    """SGD without momentum keeps no state, so building it in the loop is only wasteful."""
    once, rebuilt = linear_model(), linear_model()
    optimizer = torch.optim.SGD(once.parameters(), lr=LR)
    for x, y in data:
        rebuilt_optimizer = torch.optim.SGD(rebuilt.parameters(), lr=LR)  # built in the loop
        for model, model_optimizer in ((once, optimizer), (rebuilt, rebuilt_optimizer)):
            model_optimizer.zero_grad()
            F.mse_loss(model(x), y).backward()
            model_optimizer.step()
    assert torch.equal(flat(once), flat(rebuilt))


def small_network(seed: int) -> torch.nn.Module:
    """Notes 004's shape of network in miniature: Linear, ReLU, Linear, on the CPU."""
    return built_with_seed(
        seed,
        lambda: torch.nn.Sequential(
            torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2)
        ).double(),
    )


NOTES_004_X = torch.linspace(-1, 1, 32, dtype=torch.float64).reshape(8, 4)
NOTES_004_LABELS = torch.tensor([0, 1] * 4)


def grads(model: torch.nn.Module) -> torch.Tensor:
    return torch.cat([p.grad.flatten() for p in model.parameters()])


@pytest.mark.claim("training.loop.optimizer-holds-its-parameters")
def test_step_updates_only_the_parameters_it_was_given(device):
    given = linear_model(device)
    other = built_with_seed(1, lambda: torch.nn.Linear(3, 1).double(), device)
    optimizer = torch.optim.SGD(given.parameters(), lr=LR)
    x = torch.linspace(-1, 1, 12, dtype=torch.float64, device=device).reshape(4, 3)
    y = torch.ones(4, 1, dtype=torch.float64, device=device)
    (F.mse_loss(given(x), y) + F.mse_loss(other(x), y)).backward()
    expected, _ = sgd_step(flat(given).cpu().numpy(), grads(given).cpu().numpy(), {}, lr=LR)
    other_before, other_grad = flat(other), grads(other).clone()
    optimizer.step()
    assert_close(flat(given), expected, f"SGD(lr={LR}).step()", REORDERED, {"x": x, "y": y})
    assert torch.equal(flat(other), other_before), "step() moved a parameter it was not given"
    optimizer.zero_grad()
    assert all(p.grad is None for p in given.parameters())
    assert torch.equal(grads(other), other_grad), "zero_grad() cleared a parameter it was not given"


@pytest.mark.claim("training.loop.optimizer-holds-its-parameters")
def test_rebinding_the_network_after_building_the_optimizer_trains_nothing(device):
    """Notes 004's GPU section: `network = Network()` and `network.to(device)`, then the loop
    with the optimizer built for the CPU section's network."""
    network = small_network(0)
    optimizer = torch.optim.Adam(network.parameters(), lr=0.01)
    for _ in range(2):  # the CPU section's training: Adam now has state
        optimizer.zero_grad()
        F.cross_entropy(network(NOTES_004_X), NOTES_004_LABELS).backward()
        optimizer.step()
    old, old_params = network, flat(network)
    network = small_network(1)
    network.to(device)
    start = flat(network)
    feature, labels = NOTES_004_X.to(device), NOTES_004_LABELS.to(device)
    fresh = torch.autograd.grad(F.cross_entropy(network(feature), labels), [*network.parameters()])
    one_batch = torch.cat([g.flatten() for g in fresh])
    losses = []
    for batch in range(1, 4):
        preds = network(feature)
        optimizer.zero_grad()
        loss = F.cross_entropy(preds, labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        call = f"the new network's .grad after {batch} batches"
        assert_close(grads(network), batch * one_batch, call, REORDERED, {"x": feature})
    assert losses == [losses[0]] * 3, f"the loss moved: {losses}"
    assert torch.equal(flat(network), start), "the new network was trained"
    assert torch.equal(flat(old), old_params), "the old network moved"
    assert all(p.grad is None for p in old.parameters())
    assert optimizer.param_groups[0]["params"][0] is old[0].weight


@pytest.mark.claim("training.loop.optimizer-holds-its-parameters")
def test_adam_on_zeroed_gradients_moves_and_on_none_does_not():
    """Why neither network moves: step() skips a parameter whose .grad is None. Zeroed instead
    (torch 1.x's zero_grad), the old network would go on moving by Adam's running averages."""
    moved = {}
    for set_to_none in (True, False):
        network = small_network(0)
        optimizer = torch.optim.Adam(network.parameters(), lr=0.01)
        for _ in range(2):
            optimizer.zero_grad()
            F.cross_entropy(network(NOTES_004_X), NOTES_004_LABELS).backward()
            optimizer.step()
        before = flat(network)
        optimizer.zero_grad(set_to_none=set_to_none)
        optimizer.step()
        moved[set_to_none] = not torch.equal(flat(network), before)
    assert moved == {True: False, False: True}, f"moved, by zero_grad(set_to_none=...): {moved}"


@pytest.mark.claim("training.loop.zero-grad-accumulates")
@settings(max_examples=examples(3 / 4))  # up to five steps, each with a second backward
@given(data=batches())
def test_without_zero_grad_each_step_uses_the_sum_of_every_gradient_so_far(device, data):
    model = linear_model(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    parameters = [p.detach().cpu().numpy().ravel() for p in model.parameters()]
    state, seen = {}, np.zeros(sum(p.size for p in parameters))
    params = np.concatenate(parameters)
    for step, (x, y) in enumerate(data, start=1):
        x, y = x.to(device), y.to(device)
        fresh = torch.autograd.grad(F.mse_loss(model(x), y), list(model.parameters()))
        seen = seen + torch.cat([g.flatten() for g in fresh]).cpu().numpy()
        loss = F.mse_loss(model(x), y)  # no optimizer.zero_grad() in this loop
        loss.backward()
        optimizer.step()
        summed = torch.cat([p.grad.flatten() for p in model.parameters()])
        batch = {"x": x, "y": y}
        call = f"SGD(lr={LR}) without zero_grad, step {step} of {len(data)}"
        assert_close(summed, seen, f"the .grad summed by {call}", REORDERED, batch)
        params, state = sgd_step(params, seen, state, lr=LR)
        assert_close(flat(model), params, f"the weights after {call}", REORDERED, batch)


def graph_nodes(tensor: torch.Tensor) -> int:
    """How many autograd nodes `tensor`'s graph holds (each node counted once)."""
    if tensor.grad_fn is None:
        return 0
    seen, stack, alive = set(), [tensor.grad_fn], []
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        alive.append(node)  # keeps each node alive, so that no id is reused during the walk
        stack.extend(child for child, _ in node.next_functions)
    return len(seen)


class _Saved:
    """What a saved-tensors hook stores in the graph in place of a tensor."""

    def __init__(self, tensor: torch.Tensor):
        self.tensor = tensor


@contextmanager
def saved_tensors_counter():
    """Within the block, every tensor autograd saves for backward is wrapped; the yielded
    function returns the bytes of those still held by a live graph."""
    wrappers: list[weakref.ref] = []

    def pack(tensor):
        # Detached: a saved output wrapped with its grad_fn would hold its own graph in a cycle
        # that runs through C++ and that the garbage collector cannot see.
        wrapper = _Saved(tensor.detach())
        wrappers.append(weakref.ref(wrapper))
        return wrapper

    def held_bytes() -> int:
        live = [ref() for ref in wrappers]
        return sum(w.tensor.numel() * w.tensor.element_size() for w in live if w is not None)

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda wrapper: wrapper.tensor):
        yield held_bytes


class _Marker:
    """A no-op pre-hook, registered on each batch's `loss.grad_fn`: the node holds the only
    reference to it, so a weak reference to the marker tells whether that graph is alive."""

    def __call__(self, grad_outputs):
        return None


def notes_004_loop(batches_of_data, accumulate_tensor: bool, backward: bool):
    """A loop over the batches, summing the loss as a tensor or as `loss.item()`; after each
    batch, the nodes reachable from the running total, the bytes of saved tensors held, and
    how many of the batches' graphs are still alive."""
    model = built_with_seed(
        0,
        lambda: torch.nn.Sequential(
            torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 4)
        ),
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    total_loss, nodes, held, markers, alive = 0, [], [], [], []
    with saved_tensors_counter() as held_bytes:
        for x, y in batches_of_data:
            loss = F.cross_entropy(model(x), y)
            marker = _Marker()
            loss.grad_fn.register_prehook(marker)
            markers.append(weakref.ref(marker))
            del marker
            if backward:
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            total_loss += loss if accumulate_tensor else loss.item()
            del loss  # as at the top of the next iteration, when `loss` is rebound
            nodes.append(graph_nodes(total_loss) if accumulate_tensor else 0)
            held.append(held_bytes())
            alive.append(sum(ref() is not None for ref in markers))
    return total_loss, nodes, held, alive


def eight_batches():
    generator = torch.Generator().manual_seed(0)
    return [
        (torch.randn(32, 8, generator=generator), torch.randint(4, (32,), generator=generator))
        for _ in range(8)
    ]


@pytest.mark.claim("training.loop.item-frees-graph")
def test_summing_loss_tensors_keeps_every_graph():
    total, nodes, _, alive = notes_004_loop(eight_batches(), accumulate_tensor=True, backward=True)
    assert isinstance(total, torch.Tensor)
    assert total.requires_grad
    growth = {b - a for a, b in itertools.pairwise(nodes)}
    assert len(growth) == 1, f"nodes held after each batch: {nodes}; expected steady growth"
    assert nodes[0] > 0
    assert growth.pop() > 0, f"nodes held after each batch: {nodes}"
    assert alive == list(range(1, 9)), f"graphs alive after each batch of total += loss: {alive}"
    total, _, _, alive = notes_004_loop(eight_batches(), accumulate_tensor=False, backward=True)
    assert isinstance(total, float)
    assert alive == [0] * 8, f"graphs alive after each batch of total += loss.item(): {alive}"


@pytest.mark.claim("training.loop.item-frees-graph")
def test_without_backward_the_summed_graphs_hold_every_batchs_activations():
    """An evaluation loop without no_grad: `total += loss` holds each batch's saved tensors."""
    _, _, held, _ = notes_004_loop(eight_batches(), accumulate_tensor=True, backward=False)
    per_batch = held[0]
    assert per_batch > 32 * 16 * 4  # at least the hidden activations of one batch
    assert held == [per_batch * k for k in range(1, 9)], f"bytes held after each batch: {held}"
    _, _, held, _ = notes_004_loop(eight_batches(), accumulate_tensor=False, backward=False)
    assert held == [0] * 8, f"bytes held after each batch with loss.item(): {held}"


# A 0-d total with a graph: notes 004's `total_loss = 0` then `total_loss += loss`.
FORMAT_SPECS = st.sampled_from(["", ".2f", ".4e", "g", "10.3f", "+.1%"])


def running_total(value: float, device: str) -> torch.Tensor:
    total = 0
    total += torch.tensor(value, device=device, requires_grad=True)
    return total


@pytest.mark.claim("training.loop.f-string-hides-grad-fn")
@given(value=st.floats(0, 1e4, width=32), spec=FORMAT_SPECS)
@example(value=832.16015625, spec="")  # notes 004's first epoch: `loss:{total_loss}`
def test_f_string_formats_a_0_d_tensor_as_its_number(device, value, spec):
    total = running_total(value, device)
    assert total.dim() == 0
    assert total.grad_fn is not None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        formatted = format(total, spec)
    assert formatted == format(value, spec), f"format(total, {spec!r}) gave {formatted!r}"
    assert f"loss:{total}" == f"loss:{value}"
    assert caught == [], [str(w.message) for w in caught]
    assert str(total).startswith("tensor(")
    assert "grad_fn=<AddBackward0>" in str(total)
    assert repr(total) == str(total) == f"{total!s}"


@pytest.mark.claim("training.loop.f-string-hides-grad-fn")
def test_a_tensor_with_dims_formats_as_str_even_with_one_element(device):
    """Notes 003's loss: the built-in sum over the rows of a (10, 1) tensor has shape (1,)."""
    x = torch.linspace(0, 1, 10, device=device).reshape(10, 1)
    y_pred = (x * 2).requires_grad_()
    loss = sum((y_pred - x) ** 2) / 2
    assert loss.shape == (1,)
    assert f"{loss}" == str(loss) == f"{loss!s}"
    assert f"{loss}".startswith("tensor([")
    assert "grad_fn=<DivBackward0>" in f"{loss}"
    with pytest.raises(TypeError, match=r"unsupported format string passed to Tensor\.__format__"):
        f"{loss:.4f}"
    assert f"{loss.item():.4f}" == f"{(x * x).sum().item() / 2:.4f}"


def one_epoch_of_adam(n: int, batch_size: int, drop_last: bool) -> tuple[int, int]:
    """Notes 004's loop (Adam, one epoch) over n samples: the steps Adam counted, and
    len(loader)."""
    features = torch.arange(2 * n, dtype=torch.float64).reshape(n, 2) / max(n, 1)
    dataset = torch.utils.data.TensorDataset(features)
    loader = torch.utils.data.DataLoader(  # a generator of its own: not the global one
        dataset, batch_size=batch_size, drop_last=drop_last, generator=torch.Generator()
    )
    model = built_with_seed(0, lambda: torch.nn.Linear(2, 1).double())
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    for (xb,) in loader:
        optimizer.zero_grad()
        model(xb).pow(2).mean().backward()
        optimizer.step()
    state = optimizer.state[model.weight]
    return (int(state["step"]) if state else 0), len(loader)


@pytest.mark.claim("training.loop.batch-size-steps")
@settings(max_examples=examples(1 / 2))  # up to 40 Adam steps
@given(n=st.integers(0, 40), batch_size=st.integers(1, 50), drop_last=st.booleans())
@example(n=60, batch_size=100, drop_last=False)  # notes 004's batch_size=100, a short epoch
@example(n=10, batch_size=3, drop_last=False)
def test_an_epoch_takes_one_step_per_batch(n, batch_size, drop_last):
    steps, batches = one_epoch_of_adam(n, batch_size, drop_last)
    expected = num_batches(n, batch_size, drop_last)
    assert steps == batches == expected, (
        f"N={n}, batch_size={batch_size}, drop_last={drop_last}: Adam counted {steps} steps, "
        f"len(loader) {batches}, ceil/floor(N / batch_size) {expected}"
    )


def per_sample_steps(params: np.ndarray, x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """The SGD step each sample alone makes from `params` (a Linear's weight, then its bias) on
    (prediction - y)**2, whose gradient is 2 (prediction - y) (x, 1)."""
    steps = []
    for xi, yi in zip(x, y, strict=True):
        residual = params[:-1] @ xi + params[-1] - yi[0]
        gradient = np.append(2 * residual * xi, 2 * residual)
        steps.append(sgd_step(params, gradient, {}, lr=LR)[0])
    return steps


@pytest.mark.claim("training.loop.batch-size-steps")
@settings(max_examples=examples(3 / 4))  # a step per batch, up to five
@given(data=batches())
def test_one_sgd_step_on_a_batch_is_the_mean_of_its_samples_steps(data):
    for x, y in data:
        model = linear_model()
        expected = np.mean(per_sample_steps(flat(model).numpy(), x.numpy(), y.numpy()), axis=0)
        optimizer = torch.optim.SGD(model.parameters(), lr=LR)
        F.mse_loss(model(x), y).backward()  # the mean over the batch
        optimizer.step()
        call = f"one SGD(lr={LR}) step on a batch of {len(x)}"
        assert_close(flat(model), expected, call, REORDERED, {"x": x, "y": y})


@pytest.mark.claim("training.loop.batch-size-steps")
def test_batches_of_one_take_n_steps_and_end_elsewhere():
    x = torch.tensor([[1.0, 0.0, 2.0], [2.0, -1.0, 0.0], [-1.0, 1.0, 1.0]], dtype=torch.float64)
    y = torch.tensor([[1.0], [0.0], [-2.0]], dtype=torch.float64)
    ends = {}
    for batch_size in (1, 3):
        model = linear_model()
        optimizer = torch.optim.SGD(model.parameters(), lr=LR)
        dataset = torch.utils.data.TensorDataset(x, y)
        loader = torch.utils.data.DataLoader(
            dataset, batch_size=batch_size, generator=torch.Generator()
        )
        for xb, yb in loader:
            optimizer.zero_grad()
            F.mse_loss(model(xb), yb).backward()
            optimizer.step()
        ends[batch_size] = flat(model)
    whole_batch = np.mean(per_sample_steps(flat(linear_model()).numpy(), x.numpy(), y.numpy()), 0)
    assert_close(ends[3], whole_batch, "one SGD step on the 3 samples", REORDERED, {"x": x})
    assert not torch.allclose(ends[1], ends[3], rtol=1e-3), (
        f"3 steps of one sample ended at {ends[1]}, one step of three at {ends[3]}"
    )


# Convergence ---------------------------------------------------------------------------------


class Net(torch.nn.Module):
    """Notes 000's network: one hidden ReLU layer."""

    def __init__(self, n_feature, n_hidden, n_output):
        super().__init__()
        self.hidden = torch.nn.Linear(n_feature, n_hidden)
        self.predict = torch.nn.Linear(n_hidden, n_output)

    def forward(self, x):
        return self.predict(F.relu(self.hidden(x)))


NOISE_VARIANCE = 0.2**2 / 12  # 0.2 * U(0, 1) has variance 0.04 / 12


def best_straight_line_mse(x: torch.Tensor, y: torch.Tensor) -> float:
    design = np.hstack([x.double().numpy(), np.ones((len(x), 1))])
    coefficients = np.linalg.lstsq(design, y.double().numpy(), rcond=None)[0]
    return float(np.mean((design @ coefficients - y.double().numpy()) ** 2))


@pytest.mark.claim("training.convergence.regression")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_notes_000_regression_fits_the_parabola(seed):
    generator = torch.Generator().manual_seed(seed)
    x = torch.unsqueeze(torch.linspace(-1, 1, 100), dim=1)
    y = x.pow(2) + 0.2 * torch.rand(x.size(), generator=generator)
    net = built_with_seed(seed, lambda: Net(n_feature=1, n_hidden=10, n_output=1))
    optimizer = torch.optim.SGD(net.parameters(), lr=0.2)
    loss_func = torch.nn.MSELoss()
    for _ in range(200):
        prediction = net(x)
        loss = loss_func(prediction, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        final = loss_func(net(x), y).item()
    # No straight line does better than `line`: x**2 is even, so a line only gets its mean.
    # "Fits" = removes at least three quarters of the error that the best line leaves above
    # the noise floor (the noise's variance, which no model can remove).
    line = best_straight_line_mse(x, y)
    threshold = NOISE_VARIANCE + (line - NOISE_VARIANCE) / 4
    assert line > 0.08, f"the best straight line's MSE is {line}, expected about 4/45"
    assert final < threshold, f"seed {seed}: MSE {final} after 200 steps, threshold {threshold}"


def two_gaussians(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    n_data = torch.ones(100, 2)
    x0 = torch.normal(2 * n_data, 1, generator=generator)
    x1 = torch.normal(-2 * n_data, 1, generator=generator)
    x = torch.cat((x0, x1), 0).type(torch.FloatTensor)
    y = torch.cat((torch.zeros(100), torch.ones(100))).type(torch.LongTensor)
    return x, y


BAYES_ACCURACY = 0.5 * (1 + math.erf(2 * math.sqrt(2) / math.sqrt(2)))  # Phi(2 * sqrt(2))


def notes_000_classifier_counts(x, y, seed):
    """Notes 000's classifier loop on (x, y), 1000 steps: the number of correct predictions
    before each step."""
    net = built_with_seed(seed, lambda: Net(n_feature=2, n_hidden=10, n_output=2))
    optimizer = torch.optim.SGD(net.parameters(), lr=0.02)
    loss_func = torch.nn.CrossEntropyLoss()
    for _ in range(1000):
        out = net(x)
        yield out.argmax(dim=1).eq(y).sum().item()
        loss = loss_func(out, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def best_line_correct(x, y) -> int:
    """How many points the best rule for these classes, the line x1 + x2 = 0, gets right."""
    return num_correct(y.tolist(), (x.sum(1) < 0).long().tolist())


@pytest.mark.claim("training.convergence.classification")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_notes_000_classifier_reaches_the_bayes_accuracy(seed):
    x, y = two_gaussians(seed)
    bayes_correct = best_line_correct(x, y)
    assert bayes_correct >= 200 * BAYES_ACCURACY - 4, f"seed {seed}: an unusual sample"
    for step, correct in enumerate(notes_000_classifier_counts(x, y, seed)):  # noqa: B007
        if correct >= bayes_correct - 1:
            break
    assert correct >= bayes_correct - 1, (
        f"seed {seed}: {correct}/200 correct after {step} steps, the best line gets "
        f"{bayes_correct}/200"
    )


@pytest.mark.claim("training.convergence.classification")
def test_notes_000_stopping_rule_need_not_fire():
    """Seed 0's sample has two points on the wrong side of the best line: the notes' loop, which
    stops at accuracy 1, runs all 1000 steps without getting there."""
    x, y = two_gaussians(0)
    assert best_line_correct(x, y) == 198
    counts = list(notes_000_classifier_counts(x, y, 0))
    assert max(counts) < 200, f"accuracy 1 reached at step {counts.index(200)}"


@pytest.mark.claim("training.convergence.linear-regression")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_notes_003_linear_regression_recovers_w_2_and_b_5_5(seed):
    generator = torch.Generator().manual_seed(seed)
    x = torch.unsqueeze(torch.linspace(-1, 1, 40), dim=1)
    y = x * 2 + 5 + torch.rand(x.size(), generator=generator)
    model = built_with_seed(seed, lambda: torch.nn.Linear(1, 1))
    w0 = model.weight.item()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-2)
    loss_func = torch.nn.MSELoss()
    for _ in range(1000):
        loss = loss_func(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    w, b = model.weight.item(), model.bias.item()
    # 1. Gradient descent reached the least-squares line. mean(x) = 0, so w and b descend
    # separately: the error in w shrinks by (1 - 2 * lr * mean(x**2)) per step, in b by
    # (1 - 2 * lr).
    xs, ys = x.double().numpy().ravel(), y.double().numpy().ravel()
    w_ls = np.sum(xs * ys) / np.sum(xs * xs)
    b_ls = ys.mean()
    shrink = (1 - 2 * 1e-2 * np.mean(xs * xs)) ** 1000
    assert abs(w - w_ls) <= shrink * abs(w0 - w_ls) + 1e-4, f"seed {seed}: w {w}, LS {w_ls}"
    assert abs(b - b_ls) <= 1e-4, f"seed {seed}: b {b}, least squares {b_ls}"
    # 2. The least-squares line is near w = 2, b = 5 + E[U(0, 1)] = 5.5: within four standard
    # errors, with the noise's standard deviation 1 / sqrt(12).
    sigma = 1 / math.sqrt(12)
    assert abs(w_ls - 2) <= 4 * sigma / math.sqrt(np.sum(xs * xs)), f"seed {seed}: w_ls {w_ls}"
    assert abs(b_ls - 5.5) <= 4 * sigma / math.sqrt(len(xs)), f"seed {seed}: b_ls {b_ls}"


class Net003(torch.nn.Module):
    """Notes 003's network: Linear(1, 2), sigmoid, Linear(2, 1)."""

    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(1, 2)
        self.fc2 = torch.nn.Linear(2, 1)

    def forward(self, x):
        return self.fc2(torch.sigmoid(self.fc1(x)))


def notes_003_data() -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.linspace(0, 1, 10).reshape(10, 1)
    return x, x * x - 0.5 * x + 1.5625


def notes_003_loss(y_pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The notes' `sum((y_pred - y) ** 2) / 2`, as one reduction over the rows: the same (1,)
    tensor (test_notes_003_loss_is_the_builtin_sum_over_the_rows), a third cheaper."""
    return ((y_pred - y) ** 2).sum(0) / 2


def notes_003_fit(seed: int) -> float:
    """Notes 003's 10 000 steps from seed `seed`'s initialisation: the loss after them."""
    x, y = notes_003_data()
    net = built_with_seed(seed, Net003)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    for _ in range(0, 10000):
        optimizer.zero_grad()
        y_pred = net(x)
        loss = notes_003_loss(y_pred, y)
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        return (sum((net(x) - y) ** 2) / 2).item()


def best_straight_line_half_sse(x: torch.Tensor, y: torch.Tensor) -> float:
    """The notes' loss, half the sum of squared errors, of the least-squares line."""
    return best_straight_line_mse(x, y) * len(x) / 2


@pytest.mark.claim("training.convergence.quadratic")
def test_notes_003_loss_is_the_builtin_sum_over_the_rows():
    x, y = notes_003_data()
    net = built_with_seed(0, Net003)
    builtin = sum((net(x) - y) ** 2) / 2
    reduced = notes_003_loss(net(x), y)
    assert builtin.shape == reduced.shape == (1,)
    assert_close(reduced, builtin, "((y_pred - y) ** 2).sum(0) / 2", SUMMED, {"x": x})
    for name, parameter in net.named_parameters():
        want = torch.autograd.grad(builtin, parameter, retain_graph=True)[0]
        got = torch.autograd.grad(reduced, parameter, retain_graph=True)[0]
        assert_close(got, want, f"the gradient of {name}", SUMMED, {"x": x})


@pytest.mark.claim("training.convergence.quadratic")
def test_notes_003_net_fits_the_parabola_from_seed_0():
    x, y = notes_003_data()
    line = best_straight_line_half_sse(x, y)
    assert abs(line - 0.0402) < 1e-4, f"the best line's loss is {line}"
    final = notes_003_fit(0)
    assert final < line / 4, f"seed 0: loss {final} after 10 000 steps, the best line's {line}"


@pytest.mark.claim("training.convergence.quadratic")
def test_notes_003_net_stalls_from_seed_3():
    """The caveat: from seed 3's initialisation the same 10 000 steps end above a quarter of
    the best line's loss (at 0.44 of it)."""
    x, y = notes_003_data()
    line = best_straight_line_half_sse(x, y)
    final = notes_003_fit(3)
    assert line / 4 < final < line, f"seed 3: loss {final} after 10 000 steps, the line's {line}"


# Metrics -------------------------------------------------------------------------------------


@st.composite
def scores_and_labels(draw):
    """Scores of n samples over c classes, from a few values so that ties are common, and a
    label for each sample."""
    n, c = draw(st.integers(1, 30)), draw(st.integers(1, 6))
    scores = draw(npst.arrays(np.float32, (n, c), elements=st.sampled_from([0.0, 1.0, 2.5, -1.0])))
    labels = draw(npst.arrays(np.int64, n, elements=st.integers(0, c - 1)))
    return scores, labels


@pytest.mark.claim("training.metrics.accuracy")
@given(drawn=scores_and_labels())
@example(  # the spec's case: the tie [0.5, 0.5] predicts class 0, so 3 of 4 are correct
    drawn=(
        np.array([[0.1, 0.9], [0.8, 0.2], [0.5, 0.5], [0.3, 0.7]], dtype=np.float32),
        np.array([1, 1, 0, 1]),
    )
)
def test_argmax_eq_sum_item_counts_the_correct_predictions(device, drawn):
    scores, labels = drawn
    preds, targets = torch.tensor(scores, device=device), torch.tensor(labels, device=device)
    correct = preds.argmax(dim=1).eq(targets).sum().item()
    expected = num_correct(labels.tolist(), predicted_classes(scores.tolist()))
    assert isinstance(correct, int)
    assert correct == expected, f"preds {scores.tolist()}, labels {labels.tolist()}"


@pytest.mark.claim("training.metrics.accuracy")
def test_notes_004_get_correct_num_and_notes_003_accuracy(device):
    def get_correct_num(preds, labels):  # notes 004, as written
        return preds.argmax(dim=1).eq(labels).sum().item()

    outputs = torch.tensor([[0.1, 0.9, 0.0], [2.0, 0.5, 1.0], [0.2, 0.3, 0.1]], device=device)
    val_label = torch.tensor([1, 2, 1], device=device)  # rows 0 and 2 are right, row 1 is not
    correct = get_correct_num(outputs, val_label)
    assert type(correct) is int, f"get_correct_num returned {correct!r}"
    assert correct == 2, f"get_correct_num({outputs.tolist()}, {val_label.tolist()})"
    predict_y = torch.max(outputs, dim=1)[1]  # notes 003
    accuracy = torch.eq(predict_y, val_label).sum().item() / val_label.size(0)
    assert accuracy == 2 / 3, f"notes 003's accuracy of {outputs.tolist()}: {accuracy}"


@st.composite
def labels_and_predictions(draw):
    n = draw(st.integers(1, 10))
    size = draw(st.integers(0, 40))
    classes = st.integers(0, n - 1)
    labels = draw(npst.arrays(np.int64, size, elements=classes))
    predicted = draw(npst.arrays(np.int64, size, elements=classes))
    return n, labels, predicted


def confusion_by_loop(labels, preds, n):
    """Notes 004's loop, with the row the true label (the notes index [pred, label])."""
    cmt = torch.zeros(n, n, dtype=torch.int64, device=labels.device)
    stacked = torch.stack([labels, preds], dim=1)
    for label, pred in stacked:
        cmt[label, pred] += 1
    return cmt


def confusion_by_bincount(labels, preds, n):
    return torch.bincount(labels * n + preds, minlength=n * n).reshape(n, n)


def confusion_by_index_put(labels, preds, n):
    cmt = torch.zeros(n, n, dtype=torch.int64, device=labels.device)
    return cmt.index_put_((labels, preds), torch.ones_like(labels), accumulate=True)


@pytest.mark.claim("training.metrics.confusion-matrix")
@given(drawn=labels_and_predictions())
@example(drawn=(3, np.array([0, 0, 1, 2, 2]), np.array([0, 1, 1, 2, 0])))  # the spec's case
@example(drawn=(3, np.array([], dtype=np.int64), np.array([], dtype=np.int64)))  # no samples
def test_three_ways_to_the_confusion_matrix_agree(device, drawn):
    n, labels, predicted = drawn
    expected = confusion_matrix(labels.tolist(), predicted.tolist(), n)
    targets, preds = torch.tensor(labels, device=device), torch.tensor(predicted, device=device)
    for build in (confusion_by_loop, confusion_by_bincount, confusion_by_index_put):
        got = build(targets, preds, n)
        assert got.shape == (n, n), build.__name__
        assert got.dtype == torch.int64, build.__name__
        assert got.tolist() == expected, (
            f"{build.__name__}(labels={labels.tolist()}, preds={predicted.tolist()}, {n})"
        )
        assert got.trace().item() == targets.eq(preds).sum().item(), (
            f"{build.__name__}: the trace is not the number of correct predictions"
        )


def confusion_as_the_notes_index(labels, preds, n):
    """Notes 004's loop as written: `cmt[x,y] += 1`, x the prediction, y the label."""
    cmt = torch.zeros(n, n, dtype=torch.int64, device=labels.device)
    for x, y in zip(preds.tolist(), labels.tolist(), strict=True):
        cmt[x, y] += 1
    return cmt


@pytest.mark.claim("training.metrics.confusion-matrix-notes-index-is-transposed")
def test_notes_004_prediction_1_truth_9_lands_in_row_1(device):
    cmt = confusion_as_the_notes_index(torch.tensor([9], device=device), torch.tensor([1]), 10)
    expected = confusion_matrix([9], [1], 10)
    assert cmt[1, 9] == 1, "cmt[x,y] += 1 with x = 1, y = 9"
    assert cmt.sum() == 1, "cmt[x,y] += 1 with x = 1, y = 9"
    assert expected[9][1] == 1, "the reference puts the true label 9 in the row"
    assert cmt.tolist() != expected
    assert cmt.T.tolist() == expected


@pytest.mark.claim("training.metrics.confusion-matrix-notes-index-is-transposed")
@given(drawn=labels_and_predictions())
def test_notes_004_index_order_gives_the_transpose(device, drawn):
    n, labels, predicted = drawn
    targets = torch.tensor(labels, device=device)
    cmt = confusion_as_the_notes_index(targets, torch.tensor(predicted), n)
    expected = np.array(confusion_matrix(labels.tolist(), predicted.tolist(), n))
    call = f"the notes' loop over labels={labels.tolist()}, preds={predicted.tolist()}"
    assert cmt.T.tolist() == expected.tolist(), call
    assert (cmt.tolist() == expected.tolist()) == (expected == expected.T).all(), call


@st.composite
def logits_and_targets(draw):
    """Scores of 1 to 30 samples over 2 to 4 classes, and a label for each."""
    n, c = draw(st.integers(1, 30)), draw(st.integers(2, 4))
    logits = draw(npst.arrays(np.float64, (n, c), elements=st.floats(-5, 5)))
    targets = draw(npst.arrays(np.int64, n, elements=st.integers(0, c - 1)))
    return logits, targets


def notes_001_validation(logits, targets, batch_size, drop_last) -> torch.Tensor:
    """Notes 001's `valid_loss = sum(loss_func(model(xb), yb) ...)` over the loader, printed
    as `valid_loss / len(valid_dl)`; the model is the identity, the data its scores."""
    dataset = torch.utils.data.TensorDataset(torch.from_numpy(logits), torch.from_numpy(targets))
    valid_dl = torch.utils.data.DataLoader(
        dataset, batch_size=batch_size, drop_last=drop_last, generator=torch.Generator()
    )
    with torch.no_grad():
        valid_loss = sum(F.cross_entropy(xb, yb) for xb, yb in valid_dl)
    return valid_loss / len(valid_dl)


def per_sample_losses(logits, targets) -> np.ndarray:
    return np.array(
        [cross_entropy(logits[i : i + 1], targets[i : i + 1]) for i in range(len(logits))]
    )


@pytest.mark.claim("training.metrics.mean-of-batch-means")
@given(drawn=logits_and_targets(), batch_size=st.integers(1, 12), drop_last=st.booleans())
def test_the_notes_validation_loss_is_the_mean_of_batch_means(drawn, batch_size, drop_last):
    logits, targets = drawn
    bounds = batch_bounds(len(logits), batch_size, drop_last)
    assume(bounds)  # no batch: the notes' loop divides by len(valid_dl) == 0
    printed = notes_001_validation(logits, targets, batch_size, drop_last)
    losses = per_sample_losses(logits, targets)
    means = np.array([losses[start:stop].mean() for start, stop in bounds])
    inputs = {"logits": logits, "targets": targets, "batch_size": batch_size}
    assert_close(printed, means.mean(), "valid_loss / len(valid_dl)", REORDERED, inputs)
    # Its gap from the mean over the samples seen: (K - 1) (b - r) (m_last - m_full) / (K N).
    k, seen = len(bounds), bounds[-1][1]
    short = bounds[-1][1] - bounds[-1][0]
    full = losses[: (k - 1) * batch_size].mean() if k > 1 else means[-1]
    gap = (k - 1) * (batch_size - short) * (means[-1] - full) / (k * seen)
    seen_mean = F.cross_entropy(torch.from_numpy(logits[:seen]), torch.from_numpy(targets[:seen]))
    call = "valid_loss / len(valid_dl) - cross_entropy over the samples seen"
    assert_close(printed - seen_mean, gap, call, REORDERED, inputs)


@pytest.mark.claim("training.metrics.mean-of-batch-means")
def test_a_short_last_batch_weighs_more():
    """Batches of 4, 4 and 2: the two samples of the last count twice as much as the others."""
    model = built_with_seed(0, lambda: torch.nn.Linear(2, 3).double())
    x = torch.linspace(-2, 2, 20, dtype=torch.float64).reshape(10, 2)
    y = torch.tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 2])
    loss_func = F.cross_entropy
    dataset = torch.utils.data.TensorDataset(x, y)
    valid_dl = torch.utils.data.DataLoader(dataset, batch_size=4, generator=torch.Generator())
    with torch.no_grad():
        valid_loss = sum(loss_func(model(xb), yb) for xb, yb in valid_dl)
        printed = valid_loss / len(valid_dl)
        per_sample = loss_func(model(x), y, reduction="none")
        summed = sum(loss_func(model(xb), yb, reduction="sum") for xb, yb in valid_dl) / 10
    weights = torch.tensor([1.0] * 8 + [2.0] * 2, dtype=torch.float64) / 12  # 1/(3*4), 1/(3*2)
    assert_close(printed, (weights * per_sample).sum(), "valid_loss / 3", REORDERED, {"x": x})
    assert_close(summed, per_sample.mean(), "the batches' summed losses / N", REORDERED, {"x": x})
    assert abs(printed - per_sample.mean()) > 1e-3, (
        f"mean of batch means {printed.item()}, mean over samples {per_sample.mean().item()}"
    )


@pytest.mark.claim("training.metrics.mean-of-batch-means")
def test_the_tutorials_validation_set_ends_in_a_batch_that_counts_8_times():
    """10 000 validation images in batches of bs * 2 = 128, as the tutorial notes 001 follow."""
    images = torch.utils.data.TensorDataset(torch.zeros(10_000))
    valid_dl = torch.utils.data.DataLoader(images, batch_size=128, generator=torch.Generator())
    sizes = [len(xb) for (xb,) in valid_dl]
    assert len(valid_dl) == len(sizes) == 79
    assert sizes[:-1] == [128] * 78
    assert sizes[-1] == 10_000 - 78 * 128 == 16
    assert sizes[0] / sizes[-1] == 8  # a sample of the last batch weighs this many of the others


# Modes ---------------------------------------------------------------------------------------


def model_with_dropout_and_batchnorm() -> torch.nn.Module:
    return built_with_seed(
        0,
        lambda: torch.nn.Sequential(
            torch.nn.Linear(4, 8),
            torch.nn.BatchNorm1d(8),
            torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Dropout(p=0.5)),
            torch.nn.Linear(8, 2),
        ),
    )


@pytest.mark.claim("training.modes.train-eval")
def test_train_and_eval_set_the_flag_of_every_submodule():
    model = model_with_dropout_and_batchnorm()
    assert all(module.training for module in model.modules())  # a new module trains
    assert model.eval() is model
    assert not any(module.training for module in model.modules())
    assert model.train() is model
    assert all(module.training for module in model.modules())
    model.train(False)
    assert not any(module.training for module in model.modules())
    before = [p.detach().clone() for p in model.parameters()]
    model.train()
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))


@pytest.mark.claim("training.modes.train-eval")
def test_eval_makes_the_forward_pass_deterministic_and_keeps_running_stats(device):
    model = model_with_dropout_and_batchnorm().to(device)
    x = torch.arange(24, dtype=torch.float32, device=device).reshape(6, 4) / 10
    batchnorm = model[1]
    model.train()
    with seeded(0, device):
        first, second = model(x), model(x)
    assert not torch.equal(first, second), "train(): two passes through Dropout agreed"
    assert batchnorm.num_batches_tracked.item() == 2
    model.eval()
    stats = batchnorm.running_mean.clone()
    assert torch.equal(model(x), model(x)), "eval(): two passes differ"
    assert torch.equal(batchnorm.running_mean, stats), "eval() updated BatchNorm's statistics"
    assert batchnorm.num_batches_tracked.item() == 2


@pytest.mark.claim("training.modes.eval-needs-no-grad")
def test_eval_does_not_stop_autograd_but_no_grad_does(device):
    model = model_with_dropout_and_batchnorm().to(device)
    x = torch.ones(3, 4, device=device)
    model.eval()
    out = model(x)
    assert out.requires_grad, "eval() turned autograd off"
    assert out.grad_fn is not None
    with torch.no_grad():
        out = model(x)
        assert all(module.training is False for module in model.modules())
    assert not out.requires_grad
    assert out.grad_fn is None
    model.train()
    with torch.no_grad():
        assert model.training, "no_grad() changed the training flag"


# TensorBoard ---------------------------------------------------------------------------------


@pytest.mark.claim("training.tensorboard.event-files")
@given(losses=st.lists(st.floats(0, 10, width=32), min_size=1, max_size=5))
@settings(max_examples=examples(1 / 8))  # an event file written and read back from disk
def test_summary_writer_writes_scalars_that_read_back(tmp_path_factory, losses):
    pytest.importorskip("tensorboard", reason="the tensorboard package is not installed")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from torch.utils.tensorboard import SummaryWriter

    log_dir = tmp_path_factory.mktemp("runs")
    writer = SummaryWriter(str(log_dir / "fashion_mnist_experiment_1"))
    for step, value in enumerate(losses):
        writer.add_scalar("training loss", value, step)
    writer.close()
    files = list((log_dir / "fashion_mnist_experiment_1").glob("events.out.tfevents.*"))
    assert len(files) == 1, f"event files: {files}"
    accumulator = EventAccumulator(str(files[0].parent))
    accumulator.Reload()
    assert accumulator.Tags()["scalars"] == ["training loss"]
    events = accumulator.Scalars("training loss")
    assert [event.step for event in events] == list(range(len(losses)))
    assert [event.value for event in events] == losses


@pytest.mark.claim("training.tensorboard.event-files")
def test_notes_001_add_scalar_reads_back_its_steps_and_a_float32_loss(tmp_path):
    SummaryWriter, EventAccumulator = tensorboard_reader()  # noqa: N806 (classes)
    log_dir = tmp_path / "runs" / "fashion_mnist_experiment_1"
    writer = SummaryWriter(str(log_dir))
    assert log_dir.is_dir(), "SummaryWriter(log_dir) did not create log_dir"
    trainloader_length, logged = 15000, []
    for epoch in range(2):
        running_loss = 1234.5 + epoch  # the sum of 1000 losses, a float64
        i = 999  # notes 001 log every 1000 mini-batches, at i % 1000 == 999
        writer.add_scalar("training loss", running_loss / 1000, epoch * trainloader_length + i)
        logged.append((epoch * trainloader_length + i, running_loss / 1000))
    writer.close()
    accumulator = EventAccumulator(str(log_dir))
    accumulator.Reload()
    events = accumulator.Scalars("training loss")
    assert [event.step for event in events] == [step for step, _ in logged]
    for event, (step, value) in zip(events, logged, strict=True):
        assert event.value == float(np.float32(value)), f"add_scalar({value}) at step {step}"
        assert event.value != value, f"{value} is a float32: the rounding is not shown"


@pytest.mark.claim("training.tensorboard.event-files")
def test_without_the_tensorboard_package_the_import_fails_naming_it(monkeypatch):
    """What a user without `tensorboard` meets: `import tensorboard`, the module's first line,
    fails. The package is hidden by a None entry in sys.modules (monkeypatch puts it back)."""
    monkeypatch.setitem(sys.modules, "tensorboard", None)
    monkeypatch.delitem(sys.modules, "torch.utils.tensorboard", raising=False)
    with pytest.raises(ModuleNotFoundError) as error:
        import torch.utils.tensorboard  # noqa: F401
    assert error.value.name == "tensorboard", f"the import failed on {error.value.name!r}"


def tensorboard_reader():
    pytest.importorskip("tensorboard", reason="the tensorboard package is not installed")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from torch.utils.tensorboard import SummaryWriter

    return SummaryWriter, EventAccumulator


def expected_pixels(image: np.ndarray) -> np.ndarray:
    """add_image's rule for a float (C, H, W) image: * 255 in float32, clipped, truncated to
    uint8; as (H, W, 3), a gray channel repeated."""
    pixels = np.clip(image.astype(np.float32) * np.float32(255), 0, 255).astype(np.uint8)
    pixels = pixels.transpose(1, 2, 0)
    return np.concatenate([pixels] * 3, axis=2) if pixels.shape[2] == 1 else pixels


def image_read_back(log_dir, tag: str):
    from PIL import Image

    _, EventAccumulator = tensorboard_reader()  # noqa: N806 (a class)
    accumulator = EventAccumulator(str(log_dir))
    accumulator.Reload()
    (event,) = accumulator.Images(tag)
    return event, np.array(Image.open(io.BytesIO(event.encoded_image_string)))


IMAGES = st.tuples(st.sampled_from([1, 3]), st.integers(1, 6), st.integers(1, 6)).flatmap(
    lambda shape: npst.arrays(np.float32, shape, elements=st.floats(-0.5, 1.5, width=32))
)


@pytest.mark.claim("training.tensorboard.add-image")
@given(image=IMAGES)
@settings(max_examples=examples(1 / 8))  # an event file written and read back from disk
def test_add_image_writes_a_png_that_reads_back(tmp_path_factory, image):
    SummaryWriter, _ = tensorboard_reader()  # noqa: N806 (a class)
    log_dir = tmp_path_factory.mktemp("runs")
    writer = SummaryWriter(str(log_dir))
    writer.add_image("four_fashion_mnist_images", torch.from_numpy(image))
    writer.close()
    event, pixels = image_read_back(log_dir, "four_fashion_mnist_images")
    _, height, width = image.shape
    assert (event.width, event.height) == (width, height)
    assert pixels.dtype == np.uint8
    np.testing.assert_array_equal(pixels, expected_pixels(image), err_msg=f"image {image}")


@pytest.mark.claim("training.tensorboard.add-image")
def test_add_image_truncates_floats_and_writes_uint8_as_it_is(tmp_path):
    SummaryWriter, _ = tensorboard_reader()  # noqa: N806 (a class)
    writer = SummaryWriter(str(tmp_path))
    floats = torch.tensor([[[0.0, 0.5, 0.999], [1.0, 1.5, -0.5]]])
    writer.add_image("floats", floats)
    writer.add_image("bytes", torch.tensor([[[0, 127, 254], [255, 1, 2]]], dtype=torch.uint8))
    writer.close()
    _, pixels = image_read_back(tmp_path, "floats")
    assert pixels.shape == (2, 3, 3)
    assert (pixels == pixels[..., :1]).all(), "a gray image is not written as gray RGB"
    assert pixels[..., 0].tolist() == [[0, 127, 254], [255, 255, 0]], "not truncated, clipped"
    _, pixels = image_read_back(tmp_path, "bytes")
    assert pixels[..., 0].tolist() == [[0, 127, 254], [255, 1, 2]]


# add_graph warns that torch.jit.trace is deprecated: DeprecationWarning since torch 2.10,
# FutureWarning since 2.14; no warning before.
if torch_version() >= (2, 14):
    TRACE_DEPRECATION: type[Warning] | None = FutureWarning
elif torch_version() >= (2, 10):
    TRACE_DEPRECATION = DeprecationWarning
else:
    TRACE_DEPRECATION = None


def graph_read_back(model, example_input, log_dir):
    """add_graph(model, example_input) into log_dir: the GraphDef TensorBoard reads back, and
    the warnings the call gave."""
    SummaryWriter, EventAccumulator = tensorboard_reader()  # noqa: N806 (classes)
    writer = SummaryWriter(str(log_dir))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        writer.add_graph(model, example_input)
    writer.close()
    accumulator = EventAccumulator(str(log_dir))
    accumulator.Reload()
    return accumulator.Graph(), caught


def output_shape(node) -> list[int]:
    return [dim.size for dim in node.attr["_output_shapes"].list.shape[0].dim]


@pytest.mark.claim("training.tensorboard.add-graph")
def test_add_graph_traces_the_model_in_eval_mode(tmp_path):
    model = built_with_seed(
        0,
        lambda: torch.nn.Sequential(
            torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3), torch.nn.ReLU(), torch.nn.Linear(3, 2)
        ),
    )
    images = torch.linspace(-1, 1, 20).reshape(5, 4)
    graph, caught = graph_read_back(model, images, tmp_path)
    assert model.training, "add_graph left the model in eval mode"
    assert model[1].num_batches_tracked.item() == 0, "the trace updated BatchNorm's statistics"
    assert torch.equal(model[1].running_mean, torch.zeros(3))
    ops = {node.name: node.op for node in graph.node}
    scopes = sorted(name.rsplit("/", 1)[0] for name, op in ops.items() if op.startswith("aten::"))
    assert scopes == [
        "Sequential/BatchNorm1d[1]",
        "Sequential/Linear[0]",
        "Sequential/Linear[3]",
        "Sequential/ReLU[2]",
    ], f"the graph's nodes: {ops}"
    assert sorted(op for op in ops.values() if op.startswith("aten::")) == [
        "aten::batch_norm",
        "aten::linear",
        "aten::linear",
        "aten::relu",
    ]
    io_nodes = {node.name.split("/")[0]: node for node in graph.node if node.op == "IO Node"}
    assert sorted(io_nodes) == ["input", "output"]
    assert output_shape(io_nodes["input"]) == [5, 4]
    assert output_shape(io_nodes["output"]) == [5, 2]
    deprecations = [
        (w.category, str(w.message).split()[0]) for w in caught if "jit" in str(w.message)
    ]
    if TRACE_DEPRECATION is None:
        assert deprecations == [], deprecations
    else:
        assert deprecations == [
            (TRACE_DEPRECATION, "`torch.jit.trace`"),
            (TRACE_DEPRECATION, "`torch.jit.trace_method`"),
            (TRACE_DEPRECATION, "`torch.jit.trace_method`"),
        ], deprecations


class Branchy(torch.nn.Module):
    """A forward pass with a Python `if` on a tensor's value."""

    def forward(self, x):
        if x.sum() > 0:
            return torch.relu(x)
        return torch.tanh(x)


@pytest.mark.claim("training.tensorboard.add-graph")
def test_add_graph_freezes_the_branch_that_ran(tmp_path):
    graph, caught = graph_read_back(Branchy(), torch.ones(2, 3), tmp_path)
    ops = sorted(node.op for node in graph.node if node.op.startswith("aten::"))
    assert "aten::relu" in ops, f"the traced ops: {ops}"
    assert "aten::tanh" not in ops, f"the traced ops: {ops}"
    tracer = [w for w in caught if issubclass(w.category, torch.jit.TracerWarning)]
    assert tracer, [str(w.message) for w in caught]
    assert all("Converting a tensor to a Python boolean" in str(w.message) for w in tracer)


FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Bag")


@st.composite
def embeddings(draw):
    """N vectors of D float32 numbers, a label each and N square label images (N, C, S, S)."""
    n, d = draw(st.integers(1, 10)), draw(st.integers(1, 4))
    channels, side = draw(st.sampled_from([1, 3])), draw(st.integers(1, 4))
    mat = draw(npst.arrays(np.float32, (n, d), elements=st.floats(-100, 100, width=32)))
    labels = draw(st.lists(st.sampled_from(FASHION_CLASSES), min_size=n, max_size=n))
    images = draw(
        npst.arrays(np.float32, (n, channels, side, side), elements=st.floats(0, 1, width=32))
    )
    return mat, labels, images


def expected_sprite(images: np.ndarray) -> np.ndarray:
    """The label images tiled row by row in a square of ceil(sqrt(N)) cells a side, gray as RGB,
    each value * 255 (in float64), clipped and truncated to uint8."""
    n, channels, height, width = images.shape
    cells = math.ceil(math.sqrt(n))
    sprite = np.zeros((cells * height, cells * width, 3), dtype=np.float64)
    for i, image in enumerate(images):
        row, column = divmod(i, cells)
        cell = image.transpose(1, 2, 0).astype(np.float64)
        if channels == 1:
            cell = np.concatenate([cell] * 3, axis=2)
        sprite[row * height : (row + 1) * height, column * width : (column + 1) * width] = cell
    return np.clip(sprite * 255, 0, 255).astype(np.uint8)


def projector_files(log_dir):
    """The embeddings of log_dir's projector_config.pbtxt, parsed as TensorBoard's projector
    plugin parses it."""
    from google.protobuf import text_format
    from tensorboard.plugins.projector.projector_config_pb2 import ProjectorConfig

    config = text_format.Parse((log_dir / "projector_config.pbtxt").read_text(), ProjectorConfig())
    return list(config.embeddings)


@pytest.mark.claim("training.tensorboard.add-embedding")
@given(drawn=embeddings())
@settings(max_examples=examples(1 / 8))  # files written and read back from disk
def test_add_embedding_writes_what_the_projector_reads(tmp_path_factory, drawn):
    from PIL import Image

    SummaryWriter, EventAccumulator = tensorboard_reader()  # noqa: N806 (classes)
    mat, labels, images = drawn
    log_dir = tmp_path_factory.mktemp("runs")
    writer = SummaryWriter(str(log_dir))
    writer.add_embedding(torch.from_numpy(mat), metadata=labels, label_img=torch.from_numpy(images))
    writer.close()
    (embedding,) = projector_files(log_dir)
    assert embedding.tensor_name == "default:00000"
    assert embedding.tensor_path == "00000/default/tensors.tsv"
    assert embedding.metadata_path == "00000/default/metadata.tsv"
    assert embedding.sprite.image_path == "00000/default/sprite.png"
    assert list(embedding.sprite.single_image_dim) == [images.shape[3], images.shape[2]]
    vectors = np.loadtxt(log_dir / embedding.tensor_path, delimiter="\t", ndmin=2)
    np.testing.assert_array_equal(vectors.astype(np.float32), mat)
    assert (log_dir / embedding.metadata_path).read_text().splitlines() == labels
    sprite = np.array(Image.open(log_dir / embedding.sprite.image_path))
    np.testing.assert_array_equal(sprite, expected_sprite(images))
    accumulator = EventAccumulator(str(log_dir))
    accumulator.Reload()
    assert not any(accumulator.Tags()[kind] for kind in ("images", "scalars", "tensors"))


# label_img without its channel dim fails make_grid's assertion, with a message since 2.10.
SPRITE_ASSERTION = (
    "Input should be a 4D numpy array with 3 channels" if torch_version() >= (2, 10) else ""
)


@pytest.mark.claim("training.tensorboard.add-embedding")
def test_add_embedding_of_gray_images_needs_their_channel_dim(tmp_path):
    """Notes 001's `label_img=images.unsqueeze(1)`: N gray images (N, H, W) become (N, 1, H, W)."""
    SummaryWriter, _ = tensorboard_reader()  # noqa: N806 (a class)
    images = torch.linspace(0, 1, 4 * 6 * 6).reshape(4, 6, 6)
    features = torch.arange(8.0).reshape(4, 2)
    writer = SummaryWriter(str(tmp_path / "with"))
    writer.add_embedding(features, metadata=list("abcd"), label_img=images.unsqueeze(1))
    writer.close()
    (embedding,) = projector_files(tmp_path / "with")
    assert list(embedding.sprite.single_image_dim) == [6, 6]
    writer = SummaryWriter(str(tmp_path / "without"))
    with pytest.raises(AssertionError) as error:
        writer.add_embedding(features, metadata=list("abcd"), label_img=images)
    writer.close()
    assert str(error.value) == SPRITE_ASSERTION
