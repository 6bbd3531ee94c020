"""spec/distributed.md: DistributedDataParallel over two processes on this machine (gloo), the
port they meet on, a rank that hangs, and NCCL where two GPUs exist.

One start of two processes (a module-scoped fixture) serves every gloo claim: each start costs
seconds of `import torch`. The parent computes the expected numbers itself,
with a plain model, and bounds every wait.
"""

from __future__ import annotations

import itertools
import socket
import time
from datetime import timedelta

import pytest
import torch

from tests.distributed_workers import (
    HANG_TIMEOUT_S,
    HOST,
    Job,
    PortClashError,
    is_port_clash,
    make_model,
    plain_grads,
    plain_training,
    run_replicas,
    with_free_port,
)
from tests.harness.assertions import assert_close
from tests.harness.tolerances import REORDERED
from tests.harness.torch_settings import seeded
from tests.harness.versions import torch_version

pytestmark = pytest.mark.slow  # the ranks' start, a hang and a refused port: seconds of waiting

BATCH, STEPS, LR = 8, 3, 0.1


def problem() -> tuple[dict, torch.Tensor, torch.Tensor]:
    """Initial weights and a batch, from seeded generators (the global RNG is left alone)."""
    generator = torch.Generator().manual_seed(7)
    inputs = torch.randn(BATCH, 3, generator=generator, dtype=torch.float64)
    targets = torch.randn(BATCH, 1, generator=generator, dtype=torch.float64)
    with seeded(0):
        state = make_model().state_dict()
    return state, inputs, targets


def halves(tensor: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    return tensor[: BATCH // 2], tensor[BATCH // 2 :]


def average_of_halves(state: dict, inputs, targets, reduction: str = "mean") -> list:
    """The mean of the plain model's gradients on the two halves: what DDP leaves in each rank."""
    (x0, x1), (y0, y1) = halves(inputs), halves(targets)
    first, second = plain_grads(state, x0, y0, reduction), plain_grads(state, x1, y1, reduction)
    return [(a + b) / 2 for a, b in zip(first, second, strict=True)]


def launch(tmp_path, backend: str, hang: bool):
    state, inputs, targets = problem()

    attempts = itertools.count()

    def attempt(port: int):
        out_dir = tmp_path / f"attempt{next(attempts)}-port{port}"
        out_dir.mkdir()
        job = Job(str(out_dir), port, backend, state, inputs, targets, STEPS, LR, hang)
        return run_replicas(job, world_size=2, deadline_s=120.0)

    return with_free_port(attempt)


@pytest.fixture(scope="module")
def gloo_run(tmp_path_factory):
    """Two gloo ranks train on halves of one batch; then rank 1 hangs and rank 0 waits for it."""
    if not torch.distributed.is_available() or not torch.distributed.is_gloo_available():
        pytest.skip("torch.distributed with gloo is not available in this build")
    run = launch(tmp_path_factory.mktemp("gloo"), "gloo", hang=True)
    assert_every_rank_wrote(run)
    return run


def assert_every_rank_wrote(run) -> None:
    for rank in (0, 1):
        assert rank in run.records, f"rank {rank} wrote nothing (exit codes {run.exitcodes})"
        assert "error" not in run.records[rank], run.records[rank].get("error")


def assert_all_close(got: list, want: list, what: str) -> None:
    assert len(got) == len(want)
    for index, (a, b) in enumerate(zip(got, want, strict=True)):
        assert_close(a, b, f"{what}[{index}]", REORDERED)  # float64: two orders of summation


@pytest.mark.claim("distributed.ddp.gradients-are-averaged")
def test_after_backward_every_rank_holds_the_average_gradient(gloo_run):
    state, inputs, targets = problem()
    (x0, x1), (y0, y1) = halves(inputs), halves(targets)
    first, second = plain_grads(state, x0, y0), plain_grads(state, x1, y1)
    assert not torch.allclose(first[0], second[0]), "the halves should give different gradients"
    average = average_of_halves(state, inputs, targets)
    for rank in (0, 1):
        assert_all_close(gloo_run.records[rank]["grads"], average, f"rank {rank} grads")


@pytest.mark.claim("distributed.ddp.replicas-stay-identical")
def test_after_step_the_replicas_are_identical(gloo_run):
    state, _, _ = problem()
    for key in ("after_one_step", "trained"):
        zero, one = gloo_run.records[0][key], gloo_run.records[1][key]
        for index, (a, b) in enumerate(zip(zero, one, strict=True)):
            assert torch.equal(a, b), f"parameter {index} differs between the ranks ({key})"
    initial = list(state.values())
    assert not torch.equal(gloo_run.records[0]["after_one_step"][0], initial[0]), "no step taken"


@pytest.mark.claim("distributed.ddp.halves-equal-whole")
def test_training_on_halves_equals_training_on_the_whole_batch(gloo_run):
    state, inputs, targets = problem()
    assert_all_close(
        gloo_run.records[0]["after_one_step"],
        plain_training(state, inputs, targets, steps=1, lr=LR),
        "one DDP step vs one plain step on the whole batch",
    )
    assert_all_close(
        gloo_run.records[0]["trained"],
        plain_training(state, inputs, targets, steps=STEPS, lr=LR),
        f"{STEPS} DDP steps vs {STEPS} plain steps",
    )


@pytest.mark.claim("distributed.ddp.halves-equal-whole")
def test_the_average_matches_the_whole_batch_only_for_a_mean_over_equal_shares():
    """The caveats, in one process: DDP's average (shown above) of a sum loss's gradients is the
    whole batch's divided by the world size, and unequal shares weight the ranks equally."""
    state, inputs, targets = problem()
    summed = average_of_halves(state, inputs, targets, reduction="sum")
    whole = plain_grads(state, inputs, targets, reduction="sum")
    assert_all_close(summed, [g / 2 for g in whole], "sum loss: the average of the halves")
    cut = BATCH // 4
    first = plain_grads(state, inputs[:cut], targets[:cut])
    rest = plain_grads(state, inputs[cut:], targets[cut:])
    unequal = [(a + b) / 2 for a, b in zip(first, rest, strict=True)]
    mean_whole = plain_grads(state, inputs, targets)
    assert not torch.allclose(unequal[0], mean_whole[0]), "unequal shares gave the whole's mean"


@pytest.mark.claim("distributed.launch.hung-rank-times-out")
def test_a_hung_rank_makes_its_peer_time_out_and_the_parent_does_not_hang(gloo_run):
    record = gloo_run.records[0]
    assert record["hang_error"] is not None, "all_reduce returned without the hung rank"
    assert record["hang_is_runtime_error"], f"all_reduce raised {record['hang_error']}"
    assert torch.distributed.constants.default_pg_timeout == timedelta(minutes=30)
    assert HANG_TIMEOUT_S * 0.9 <= record["hang_waited_s"] < HANG_TIMEOUT_S + 30, (
        f"all_reduce gave up after {record['hang_waited_s']:.1f} s (timeout {HANG_TIMEOUT_S} s)"
    )
    assert gloo_run.exitcodes[0] == 0
    assert gloo_run.exitcodes[1] is None, "rank 1 should still have been hanging"
    assert gloo_run.waited_s < 120, f"the parent waited {gloo_run.waited_s:.0f} s"


@pytest.mark.claim("distributed.launch.processes-cleaned-up")
def test_every_process_is_gone_after_the_run(gloo_run):
    assert gloo_run.alive_after_cleanup == [], f"ranks {gloo_run.alive_after_cleanup} survived"


def port_clash_error() -> type[RuntimeError]:
    """What the master's TCPStore (its default backend) raises on a taken port, by release."""
    release = torch_version()
    if release < (2, 2):  # torch.distributed.DistNetworkError does not exist yet
        return RuntimeError
    if (2, 4) <= release < (2, 7):  # the libuv backend, the default since 2.4, raised plainly
        return RuntimeError
    return torch.distributed.DistNetworkError  # a subclass of RuntimeError


@pytest.mark.claim("distributed.launch.port-clash-retries")
def test_a_taken_port_fails_at_once_and_another_port_is_tried():
    assert hasattr(torch.distributed, "DistNetworkError") is (torch_version() >= (2, 2))
    expected = port_clash_error()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind((HOST, 0))
        holder.listen()
        taken = holder.getsockname()[1]
        start = time.monotonic()
        with pytest.raises(RuntimeError) as raised:
            torch.distributed.TCPStore(HOST, taken, 1, is_master=True)
        waited = time.monotonic() - start
        message = str(raised.value)
        assert type(raised.value) is expected, f"{type(raised.value).__qualname__}: {message}"
        assert message.startswith(
            "The server socket has failed to listen on any local network address."
        ), message
        if torch_version() >= (2, 4):  # libuv's words
            assert "name: EADDRINUSE, message: address already in use" in message, message
        else:  # the socket's own, for each address it tried
            assert f":{taken} (errno: " in message, message
            assert "Address already in use)" in message, message
        assert is_port_clash(message), message
        assert waited < 10, f"the TCPStore took {waited:.1f} s to give up on a taken port"
        if torch_version() >= (2, 4):  # the backend before libuv, still there on request
            with pytest.raises(torch.distributed.DistNetworkError) as raised:
                torch.distributed.TCPStore(HOST, taken, 1, is_master=True, use_libuv=False)
            assert f":{taken} (errno: " in str(raised.value), str(raised.value)

        offered, used = iter([taken, taken + 1 if taken < 65535 else taken - 1]), []

        def launch_on(port: int) -> int:
            used.append(port)
            if port == taken:
                raise PortClashError(f"port {port} is taken")
            return port

        assert with_free_port(launch_on, port_source=lambda: next(offered)) == used[-1]
        assert used[0] == taken
        assert used[1] != taken
        with pytest.raises(PortClashError):
            with_free_port(launch_on, attempts=2, port_source=lambda: taken)


@pytest.mark.claim("distributed.nccl.two-gpus")
def test_nccl_averages_gradients_across_two_gpus(device, tmp_path):
    gpus = torch.cuda.device_count()
    if gpus < 2 or not torch.distributed.is_nccl_available():
        pytest.skip(f"NCCL needs two CUDA GPUs; this machine has {gpus}")
    run = launch(tmp_path, "nccl", hang=False)
    assert_every_rank_wrote(run)
    state, inputs, targets = problem()
    average = average_of_halves(state, inputs, targets)
    for rank in (0, 1):
        assert_all_close(run.records[rank]["grads"], average, f"nccl rank {rank} grads")
    for a, b in zip(run.records[0]["trained"], run.records[1]["trained"], strict=True):
        assert torch.equal(a, b)
    assert_all_close(
        run.records[0]["trained"], plain_training(state, inputs, targets, STEPS, LR), "nccl"
    )
    assert run.alive_after_cleanup == []
