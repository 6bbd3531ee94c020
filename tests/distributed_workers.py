"""What the processes of spec/distributed.md's tests run, and how the parent starts and stops them.

Gloo's ranks, which use only the CPU, are forked from the process that runs the tests: they
start with its torch, where a fresh interpreter would import torch again (seconds of CPU each).
NCCL's ranks come from multiprocessing's forkserver, whose server imports this module, and torch
with it, but never CUDA: a process forked from one that has initialized CUDA cannot use it, so
gloo's ranks come from there too once the test process has. Where the platform cannot fork,
ranks are spawned. A rank finds its function by module path
(`tests.distributed_workers.replica`), so it lives here and not in the test module. A rank
writes what it saw to `out_dir/rank<N>.pt` (`torch.save` of plain tensors and strings); the
parent reads the files after the processes have ended or been killed. Every wait is bounded,
and every process is killed in `finally`.
"""

from __future__ import annotations

import multiprocessing
import os
import socket
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn

from tests.harness.processes import can_fork_torch
from tests.harness.torch_settings import seeded

HOST = "127.0.0.1"
SETUP_TIMEOUT_S = 60.0  # init_process_group, DDP construction, training collectives
HANG_TIMEOUT_S = 2.0  # the group on which rank 1 stops answering
HANG_SLEEP_S = 120.0  # how long the hung rank would sleep if nobody killed it


class PortClashError(RuntimeError):
    """The master rank could not listen on the port it was given (EADDRINUSE)."""


def free_port() -> int:
    """A port that was free a moment ago: bind port 0 and let the OS choose, then release it.

    Another process may take it before the master rank listens on it: see `with_free_port`."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def is_port_clash(message: str) -> bool:
    return "EADDRINUSE" in message or "address already in use" in message.lower()


def with_free_port(launch: Callable[[int], object], attempts: int = 3, port_source=free_port):
    """`launch(port)` on a fresh free port, again on another one when it raises `PortClashError`."""
    tried = []
    for _ in range(attempts):
        port = port_source()
        tried.append(port)
        try:
            return launch(port)
        except PortClashError:
            continue
    raise PortClashError(f"ports {tried} were all taken before the master rank could listen")


def make_model() -> nn.Module:
    """A tiny float64 regression net: float64, so that the comparisons need no loose tolerance."""
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1)).double()


def plain_grads(
    state: dict, inputs: torch.Tensor, targets: torch.Tensor, reduction: str = "mean"
) -> list[torch.Tensor]:
    """The gradients of the squared error (its mean, or its sum) of a plain (not distributed)
    model."""
    with seeded(0):  # the weights come from `state`; the draw must not touch the global RNG
        model = make_model()
    model.load_state_dict(state)
    nn.functional.mse_loss(model(inputs), targets, reduction=reduction).backward()
    return [parameter.grad.clone() for parameter in model.parameters()]


def plain_training(state: dict, inputs, targets, steps: int, lr: float) -> list[torch.Tensor]:
    """The parameters after `steps` steps of SGD on the whole batch, with the mean loss."""
    with seeded(0):  # the weights come from `state`; the draw must not touch the global RNG
        model = make_model()
    model.load_state_dict(state)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        nn.functional.mse_loss(model(inputs), targets).backward()
        optimizer.step()
    return [parameter.detach().clone() for parameter in model.parameters()]


@dataclass(frozen=True)
class Job:
    """What every rank is given: the batch, the initial weights and how to train."""

    out_dir: str
    port: int
    backend: str  # "gloo" (CPU tensors) or "nccl" (one GPU per rank)
    state: dict
    inputs: torch.Tensor
    targets: torch.Tensor
    steps: int
    lr: float
    hang: bool  # after training, rank 1 stops answering and rank 0 waits for it


def replica(rank: int, world_size: int, job: Job) -> None:
    """One rank: DDP on its half of the batch; records gradients and parameters to a file."""
    record: dict[str, object] = {"rank": rank}
    out = Path(job.out_dir) / f"rank{rank}.pt"
    try:
        os.environ["MASTER_ADDR"] = HOST
        os.environ["MASTER_PORT"] = str(job.port)
        if job.backend == "nccl":
            torch.cuda.set_device(rank)  # one GPU per rank, before NCCL makes a communicator
        dist.init_process_group(
            job.backend,
            rank=rank,
            world_size=world_size,
            timeout=timedelta(seconds=SETUP_TIMEOUT_S),
        )
        device = torch.device("cuda", rank) if job.backend == "nccl" else torch.device("cpu")
        model = make_model().to(device)
        model.load_state_dict(job.state)
        ddp = nn.parallel.DistributedDataParallel(
            model, device_ids=[rank] if device.type == "cuda" else None
        )
        half = job.inputs.shape[0] // world_size
        rows = slice(rank * half, (rank + 1) * half)
        inputs, targets = job.inputs[rows].to(device), job.targets[rows].to(device)
        optimizer = torch.optim.SGD(ddp.parameters(), lr=job.lr)
        for step in range(job.steps):
            optimizer.zero_grad()
            nn.functional.mse_loss(ddp(inputs), targets).backward()
            if step == 0:
                record["grads"] = [p.grad.detach().cpu().clone() for p in model.parameters()]
            optimizer.step()
            if step == 0:
                record["after_one_step"] = [p.detach().cpu().clone() for p in model.parameters()]
        record["trained"] = [p.detach().cpu().clone() for p in model.parameters()]
        if job.hang:
            # A group with a short timeout; creating it is itself collective, so both ranks do.
            short = dist.new_group([0, 1], timeout=timedelta(seconds=HANG_TIMEOUT_S))
            torch.save(record, out)
            if rank == 1:
                time.sleep(HANG_SLEEP_S)  # hung: never joins the all_reduce below
                return
            start = time.monotonic()
            try:
                dist.all_reduce(torch.ones(1, device=device), group=short)
                record["hang_error"] = None
            except Exception as error:  # the type is what the test checks
                record["hang_error"] = f"{type(error).__module__}.{type(error).__qualname__}"
                record["hang_is_runtime_error"] = isinstance(error, RuntimeError)
            record["hang_waited_s"] = time.monotonic() - start
        else:
            dist.destroy_process_group()
    except Exception:  # reported to the parent, which fails the test
        record["error"] = traceback.format_exc()
    torch.save(record, out)
    if job.hang and rank == 0:
        os._exit(0)  # do not wait, in atexit hooks, for a peer that will never answer


def start_method(backend: str) -> str:
    """fork for gloo while this process has not initialized CUDA; otherwise the forkserver, its
    server importing this module (and torch) before it forks a rank, and torch._dynamo, which a
    rank's first optimizer step would import (a second of CPU in each); spawn where the platform
    has neither. A forkserver lives until the process that started it exits."""
    if backend == "gloo" and can_fork_torch():
        return "fork"
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return "spawn"
    multiprocessing.get_context("forkserver").set_forkserver_preload([__name__, "torch._dynamo"])
    return "forkserver"


@dataclass
class Run:
    records: dict[int, dict]  # rank -> what it wrote
    exitcodes: dict[int, int | None]  # None: still running when the parent gave up on it
    alive_after_cleanup: list[int]
    waited_s: float


def run_replicas(job: Job, world_size: int = 2, deadline_s: float = 120.0) -> Run:
    """Start the ranks (`start_method`), wait for rank 0 at most `deadline_s`, give the others a
    moment, and kill whatever is still running. Raises `PortClashError` when rank 0 could not
    listen."""
    start = time.monotonic()
    context = mp.start_processes(
        replica,
        args=(world_size, job),
        nprocs=world_size,
        join=False,
        start_method=start_method(job.backend),
    )
    processes = context.processes
    exitcodes: dict[int, int | None] = {}
    try:
        processes[0].join(timeout=deadline_s)
        for process in processes[1:]:
            # with `hang`, rank 1 sleeps by design: a glance, then it is killed below.
            process.join(timeout=0.2 if job.hang else max(1.0, deadline_s / 4))
        exitcodes = {rank: process.exitcode for rank, process in enumerate(processes)}
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
        for process in processes:
            process.join(timeout=10.0)
    records = {}
    for rank in range(world_size):
        path = Path(job.out_dir) / f"rank{rank}.pt"
        if path.exists():
            records[rank] = torch.load(path)  # tensors, strings, numbers: weights_only will do
    if is_port_clash(str(records.get(0, {}).get("error", ""))):
        raise PortClashError(records[0]["error"])
    return Run(
        records=records,
        exitcodes=exitcodes,
        alive_after_cleanup=[rank for rank, p in enumerate(processes) if p.is_alive()],
        waited_s=time.monotonic() - start,
    )
