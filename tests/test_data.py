"""spec/data.md: TensorDataset and DataLoader: batches, shuffling, workers, wrapping, next()."""

from __future__ import annotations

import re

import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st
from torch.utils.data import DataLoader, Dataset, TensorDataset, get_worker_info

from reference.data import batch_bounds, num_batches
from tests.harness.profiles import examples
from tests.harness.torch_settings import seeded
from tests.harness.versions import torch_version

SAMPLES = st.integers(0, 40)
BATCH_SIZES = st.integers(1, 12)
SEEDS = st.integers(0, 2**32 - 1)


def indices_loader(n: int, **options) -> DataLoader:
    """A loader over `TensorDataset(torch.arange(n))`: each batch holds the indices it drew."""
    options.setdefault("generator", torch.Generator().manual_seed(0))  # never the global RNG
    return DataLoader(TensorDataset(torch.arange(n)), **options)


def epoch(loader) -> list[list[int]]:
    """One pass over a loader of index batches, as lists of ints."""
    return [batch.tolist() for (batch,) in loader]


class WrappedDataLoader:
    """Notes 001's wrapper, as they write it: applies `func` to every batch of `dl`."""

    def __init__(self, dl, func):
        self.dl = dl
        self.func = func

    def __len__(self):
        return len(self.dl)

    def __iter__(self):
        batches = iter(self.dl)
        for b in batches:
            yield (self.func(*b))


# TensorDataset -------------------------------------------------------------------------------


@pytest.mark.claim("data.tensor-dataset.rows-together")
@given(n=st.integers(1, 20), features=st.integers(1, 4), batch_size=BATCH_SIZES)
@example(n=6, features=2, batch_size=4)  # the spec's case: a full batch, then a short one
def test_tensor_dataset_pairs_rows_and_the_loader_stacks_them(device, n, features, batch_size):
    x = torch.arange(n * features, dtype=torch.float32, device=device).reshape(n, features)
    y = torch.arange(n, device=device) % 3
    dataset = TensorDataset(x, y)
    assert len(dataset) == n
    for i in range(n):
        sample_x, sample_y = dataset[i]
        assert torch.equal(sample_x, x[i]), f"dataset[{i}][0]"
        assert torch.equal(sample_y, y[i]), f"dataset[{i}][1]"
    loader = DataLoader(dataset, batch_size=batch_size, generator=torch.Generator())
    for (xb, yb), (start, stop) in zip(loader, batch_bounds(n, batch_size), strict=True):
        call = f"DataLoader(TensorDataset(x[{n}, {features}], y), batch_size={batch_size})"
        assert xb.device == x.device, call
        assert yb.device == y.device, call
        assert torch.equal(xb, x[start:stop]), call
        assert torch.equal(yb, y[start:stop]), call


@pytest.mark.claim("data.tensor-dataset.rows-together")
def test_tensor_dataset_refuses_tensors_of_different_lengths():
    shorter, longer = torch.zeros(3, 2), torch.zeros(4)
    if torch_version() != (2, 10):
        with pytest.raises(AssertionError, match="Size mismatch between tensors"):
            TensorDataset(shorter, longer)
        return
    # torch 2.10's check compares the first tensor with itself too, so it never fires.
    dataset = TensorDataset(shorter, longer)
    assert len(dataset) == 3
    assert torch.equal(dataset[2][0], shorter[2])
    with pytest.raises(IndexError):
        dataset[3]
    assert len(TensorDataset(longer, shorter)) == 4
    with pytest.raises(IndexError):
        TensorDataset(longer, shorter)[3]


# Batches per epoch ---------------------------------------------------------------------------


@pytest.mark.claim("data.loader.batches-per-epoch")
@given(n=SAMPLES, batch_size=BATCH_SIZES, drop_last=st.booleans())
@example(n=10, batch_size=3, drop_last=False)  # ceil(10 / 3) = 4, the last batch of 1
@example(n=10, batch_size=3, drop_last=True)  # floor(10 / 3) = 3, sample 9 unseen
@example(n=12, batch_size=3, drop_last=True)  # divisible: drop_last drops nothing
@example(n=0, batch_size=3, drop_last=False)  # an empty dataset: no batches
def test_batches_per_epoch_are_ceil_or_floor(n, batch_size, drop_last):
    loader = indices_loader(n, batch_size=batch_size, drop_last=drop_last)
    call = f"DataLoader(<{n} samples>, batch_size={batch_size}, drop_last={drop_last})"
    expected = -(-n // batch_size) if not drop_last else n // batch_size  # ceil or floor
    assert len(loader) == expected == num_batches(n, batch_size, drop_last), call
    batches = epoch(loader)
    assert len(batches) == expected, f"{call} yielded {len(batches)} batches"
    assert batches == [
        list(range(start, stop)) for start, stop in batch_bounds(n, batch_size, drop_last)
    ], call
    sizes = [len(batch) for batch in batches]
    assert all(size == batch_size for size in sizes[:-1]), f"{call}: batch sizes {sizes}"
    if drop_last:
        assert sum(sizes) == n - n % batch_size, f"{call} kept {sum(sizes)} samples"


@pytest.mark.claim("data.loader.batches-per-epoch")
def test_a_batch_size_below_one_is_refused():
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        indices_loader(4, batch_size=0)


# Shuffling -----------------------------------------------------------------------------------


@pytest.mark.claim("data.loader.shuffle-permutes")
@given(n=st.integers(1, 40), batch_size=BATCH_SIZES, seed=SEEDS)
def test_shuffle_yields_a_permutation_every_epoch_and_a_seed_replays_it(n, batch_size, seed):
    call = f"DataLoader(<{n} samples>, batch_size={batch_size}, shuffle=True)"
    before = torch.random.get_rng_state()
    first = indices_loader(
        n, batch_size=batch_size, shuffle=True, generator=torch.Generator().manual_seed(seed)
    )
    second = indices_loader(
        n, batch_size=batch_size, shuffle=True, generator=torch.Generator().manual_seed(seed)
    )
    epochs = [epoch(first) for _ in range(3)]
    for index, batches in enumerate(epochs):
        drawn = [i for batch in batches for i in batch]
        assert sorted(drawn) == list(range(n)), f"{call}, epoch {index}: {batches}"
        assert [len(b) for b in batches] == [
            stop - start for start, stop in batch_bounds(n, batch_size)
        ]
    assert [epoch(second) for _ in range(3)] == epochs, f"{call}: generator seeded {seed} again"
    assert torch.equal(torch.random.get_rng_state(), before), (
        f"{call} with generator= moved the global RNG"
    )


@pytest.mark.claim("data.loader.shuffle-permutes")
def test_epochs_are_shuffled_anew():
    loader = indices_loader(
        50, batch_size=10, shuffle=True, generator=torch.Generator().manual_seed(1)
    )
    orders = {tuple(i for batch in epoch(loader) for i in batch) for _ in range(4)}
    # 4 draws from 50! orders: a repeat has probability < 6 / 50!, so the seed is not lucky.
    assert len(orders) == 4, "four shuffled epochs were not all different"
    assert tuple(range(50)) not in orders
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        indices_loader(0, shuffle=True)  # an empty dataset cannot be shuffled


@pytest.mark.claim("data.loader.shuffle-permutes")
def test_without_a_generator_every_epoch_draws_from_the_global_rng():
    loader = DataLoader(TensorDataset(torch.arange(6)), batch_size=2)  # not even shuffled
    with seeded():
        before = torch.random.get_rng_state()
        next(iter(loader))
        assert not torch.equal(torch.random.get_rng_state(), before), (
            "iter(DataLoader(...)) without generator= left the global RNG as it was"
        )


@pytest.mark.claim("data.loader.shuffle-permutes")
def test_without_a_generator_the_global_seed_replays_shuffling_until_something_else_draws():
    def notes_epochs(draw_in_between: bool) -> list[list[list[int]]]:
        loader = DataLoader(TensorDataset(torch.arange(20)), batch_size=5, shuffle=True)
        with seeded(2):  # torch.manual_seed(2) before the loop, as far as this loader sees
            epochs = [epoch(loader)]
            if draw_in_between:
                torch.rand(1)  # dropout, an initialisation, anything else on the global RNG
            epochs.append(epoch(loader))
        return epochs

    first = notes_epochs(draw_in_between=False)
    call = "DataLoader(<20 samples>, batch_size=5, shuffle=True) under torch.manual_seed(2)"
    for index, batches in enumerate(first):
        assert sorted(i for batch in batches for i in batch) == list(range(20)), (call, index)
    assert first[0] != first[1], f"{call}: two epochs drew the same order"
    assert notes_epochs(draw_in_between=False) == first, f"{call}: the seed did not replay it"
    other = notes_epochs(draw_in_between=True)
    assert other[0] == first[0], f"{call}: the first epoch depends on what follows it"
    assert other[1] != first[1], f"{call}: a draw between the epochs left the second as it was"


# Workers -------------------------------------------------------------------------------------


@pytest.mark.claim("data.loader.workers-same-batches")
def test_two_workers_yield_the_batches_of_the_main_process():
    # Tiny data, persistent_workers=False: each iter() forks and stops 2 processes (~0.1 s), the
    # start-up cost that tests/bench_data.py measures, so only the shuffled case, where epochs
    # differ, runs two epochs. `timeout` bounds every wait for a worker's batch.
    cases = [
        (dict(batch_size=3), 1),
        (dict(batch_size=4, drop_last=True), 1),
        (dict(batch_size=3, shuffle=True), 2),
    ]
    for options, epochs in cases:
        main = indices_loader(10, generator=torch.Generator().manual_seed(7), **options)
        workers = indices_loader(
            10,
            generator=torch.Generator().manual_seed(7),
            num_workers=2,
            persistent_workers=False,
            timeout=60,
            **options,
        )
        assert len(workers) == len(main)
        expected = [epoch(main) for _ in range(epochs)]
        if not options.get("shuffle"):
            bounds = batch_bounds(10, options["batch_size"], options.get("drop_last", False))
            assert expected == [[list(range(start, stop)) for start, stop in bounds]]
        assert [epoch(workers) for _ in range(epochs)] == expected, (
            f"DataLoader(<10 samples>, {options}, num_workers=2), {epochs} epoch(s)"
        )


def unexpected_keyword(name: str) -> str:
    return f"^{re.escape(f'DataLoader.__init__() got an unexpected keyword argument {name!r}')}$"


@pytest.mark.claim("data.loader.num-works-is-a-typo")
def test_num_works_and_bathsize_are_not_dataloader_arguments():
    dataset = TensorDataset(torch.arange(6))
    with pytest.raises(TypeError, match=unexpected_keyword("num_works")):
        DataLoader(dataset, num_works=2)
    with pytest.raises(TypeError, match=unexpected_keyword("bathsize")):
        DataLoader(dataset, bathsize=2)
    loader = DataLoader(dataset, batch_size=2, num_workers=2, generator=torch.Generator())
    assert (loader.batch_size, loader.num_workers) == (2, 2)
    assert DataLoader(dataset).num_workers == 0, "num_workers does not default to 0"
    with pytest.raises(ValueError, match=r"^num_workers option should be non-negative; use"):
        DataLoader(dataset, num_workers=-1)


class WorkerIds(Dataset):
    """Sample i is the id of the worker process that built it (-1 in the main process) and the
    number of workers that process says there are (0 in the main process)."""

    def __len__(self) -> int:
        return 6

    def __getitem__(self, index: int) -> tuple[int, int]:
        info = get_worker_info()
        return (-1, 0) if info is None else (info.id, info.num_workers)


@pytest.mark.claim("data.loader.num-works-is-a-typo")
def test_num_workers_is_a_count_of_processes():
    main = DataLoader(WorkerIds(), batch_size=1, generator=torch.Generator())
    assert {(ids.item(), counts.item()) for ids, counts in main} == {(-1, 0)}
    two = DataLoader(
        WorkerIds(), batch_size=1, num_workers=2, timeout=60, generator=torch.Generator()
    )
    seen = {(ids.item(), counts.item()) for ids, counts in two}
    assert seen == {(0, 2), (1, 2)}, f"num_workers=2 built its batches in {seen}"


# WrappedDataLoader ---------------------------------------------------------------------------


@pytest.mark.claim("data.loader.wrapped-loader")
@given(n=st.integers(1, 9), batch_size=st.integers(1, 4))
@example(n=5, batch_size=2)  # the spec's case: batches of 2, 2 and 1
@settings(max_examples=examples(5 / 8))  # two epochs of 784-pixel images, moved to the device
def test_the_wrapped_loader_applies_func_to_every_batch_every_epoch(device, n, batch_size):
    pixels = torch.arange(n * 784, dtype=torch.float32).reshape(n, 784) / (n * 784)
    labels = torch.arange(n) % 10
    loader = DataLoader(
        TensorDataset(pixels, labels), batch_size=batch_size, generator=torch.Generator()
    )

    def preprocess(x, y):  # notes 001, with the device drawn by the test
        return x.view(-1, 1, 28, 28).to(device), y.to(device)

    wrapped = WrappedDataLoader(loader, preprocess)
    assert len(wrapped) == len(loader) == num_batches(n, batch_size)
    for _ in range(2):  # every `for` calls __iter__ again: a new epoch, not an exhausted iterator
        batches = list(wrapped)
        assert len(batches) == num_batches(n, batch_size)
        for (xb, yb), (start, stop) in zip(batches, batch_bounds(n, batch_size), strict=True):
            assert xb.shape == (stop - start, 1, 28, 28)
            assert xb.device.type == device
            assert torch.equal(xb.cpu(), pixels[start:stop].view(-1, 1, 28, 28))
            assert torch.equal(yb.cpu(), labels[start:stop])


# next(iter(loader)) --------------------------------------------------------------------------


def no_next(iterator_class: str) -> str:
    return f"'{iterator_class}' object has no attribute 'next'"


@pytest.mark.claim("data.loader.next-iter")
def test_next_of_iter_gives_the_first_batch_and_dot_next_is_gone():
    loader = indices_loader(10, batch_size=4)
    batches = iter(loader)
    assert next(batches)[0].tolist() == [0, 1, 2, 3]
    assert next(batches)[0].tolist() == [4, 5, 6, 7]
    assert next(iter(loader))[0].tolist() == [0, 1, 2, 3], "a new iter() starts a new epoch"
    with pytest.raises(TypeError, match="not an iterator"):
        next(loader)
    if torch_version() >= (1, 13):  # pytorch/pytorch#78594 removed the Python 2 alias
        with pytest.raises(AttributeError, match=no_next("_SingleProcessDataLoaderIter")):
            iter(loader).next()
        workers = indices_loader(10, batch_size=4, num_workers=2, timeout=60)
        with pytest.raises(AttributeError, match=no_next("_MultiProcessingDataLoaderIter")):
            iter(workers).next()
    else:
        assert iter(loader).next()[0].tolist() == [0, 1, 2, 3]


@pytest.mark.claim("data.loader.next-iter")
def test_next_of_a_fresh_iter_on_a_shuffled_loader_is_a_new_epochs_first_batch():
    loader = indices_loader(
        20, batch_size=5, shuffle=True, generator=torch.Generator().manual_seed(3)
    )
    firsts = {tuple(next(iter(loader))[0].tolist()) for _ in range(3)}
    assert len(firsts) > 1, "next(iter(loader)) on a shuffled loader repeated one batch"
