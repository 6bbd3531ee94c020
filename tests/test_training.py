"""spec/training.md: the training loop, what the notes' models converge to, accuracy and the
confusion matrix, train/eval modes, and TensorBoard's event files."""

from __future__ import annotations

import itertools
import math
import sys
import weakref
from contextlib import contextmanager

import numpy as np
import pytest
import torch
import torch.nn.functional as F  # noqa: N812 (the notes' name)
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as npst

from reference.metrics import confusion_matrix, num_correct, predicted_classes
from reference.optim import adam_step, sgd_step
from tests.harness.assertions import assert_close
from tests.harness.profiles import examples
from tests.harness.tolerances import ITERATED, REORDERED
from tests.harness.torch_settings import built_with_seed, seeded

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
def test_argmax_eq_sum_item_counts_the_correct_predictions(device, drawn):
    scores, labels = drawn
    preds, targets = torch.tensor(scores, device=device), torch.tensor(labels, device=device)
    correct = preds.argmax(dim=1).eq(targets).sum().item()
    expected = num_correct(labels.tolist(), predicted_classes(scores.tolist()))
    assert isinstance(correct, int)
    assert correct == expected, f"preds {scores.tolist()}, labels {labels.tolist()}"


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


@pytest.mark.claim("training.metrics.confusion-matrix")
def test_notes_004_index_order_gives_the_transpose():
    labels, preds = torch.tensor([0, 0, 1, 2]), torch.tensor([1, 0, 2, 2])
    cmt = torch.zeros(3, 3, dtype=torch.int64)
    for x, y in zip(preds.tolist(), labels.tolist(), strict=True):  # notes 004: x = pred, y = label
        cmt[x, y] += 1
    assert cmt.T.tolist() == confusion_matrix(labels.tolist(), preds.tolist(), 3)
    assert cmt.tolist() != confusion_matrix(labels.tolist(), preds.tolist(), 3)


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
def test_without_the_tensorboard_package_the_import_fails_naming_it(monkeypatch):
    """What a user without `tensorboard` meets: `import tensorboard`, the module's first line,
    fails. The package is hidden by a None entry in sys.modules (monkeypatch puts it back)."""
    monkeypatch.setitem(sys.modules, "tensorboard", None)
    monkeypatch.delitem(sys.modules, "torch.utils.tensorboard", raising=False)
    with pytest.raises(ModuleNotFoundError) as error:
        import torch.utils.tensorboard  # noqa: F401
    assert error.value.name == "tensorboard", f"the import failed on {error.value.name!r}"
