"""spec/vision.md: torchvision's datasets read offline, its transforms, and ResNet-50 as a feature
extractor, with no network: datasets are written under tmp_path in their real formats, and the
one call that would download weights is stopped before the network."""

from __future__ import annotations

import copy
import hashlib
import shutil
import tarfile
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
import torchvision
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as npst
from PIL import Image
from torch import nn
from torchvision import transforms
from torchvision.datasets import CIFAR10, FashionMNIST
from torchvision.transforms import v2

from reference.data import cifar_batch, idx_bytes, python2_pickle
from reference.transforms import normalize, to_tensor
from tests.harness.assertions import assert_close
from tests.harness.profiles import examples
from tests.harness.tolerances import ROUNDED_ONCE
from tests.harness.torch_settings import default_dtype, seeded
from tests.harness.versions import torchvision_version

LABELS = st.integers(0, 9)


@st.composite
def hwc_images(draw, channels=None) -> np.ndarray:
    """An HxWxC uint8 image (C drawn from 1, 3, 4 unless given), every value 0..255 possible."""
    side = st.integers(1, 8)
    channels = draw(st.sampled_from([1, 3, 4])) if channels is None else channels
    shape = (draw(side), draw(side), channels)
    return draw(npst.arrays(np.uint8, shape, elements=st.integers(0, 255)))


@st.composite
def channel_stats(draw, channels: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """A mean in [-1, 1] and a std in [0.125, 2] per channel."""
    floats = lambda lo, hi: st.floats(lo, hi, width=32)  # noqa: E731
    mean = draw(st.lists(floats(-1, 1), min_size=channels, max_size=channels))
    std = draw(st.lists(floats(0.125, 2), min_size=channels, max_size=channels))
    return tuple(mean), tuple(std)


# The functions of torchvision.datasets.utils that reach the network; tests replace them.
NETWORK_FUNCTIONS = ("_urlretrieve", "_get_redirect_url", "_download_file_from_remote_location")


def network_is_off(*args, **kwargs):
    raise AssertionError(f"torchvision reached for the network: {args}")


# Writing the real on-disk formats ------------------------------------------------------------


def write_fashion_mnist(root: Path, split: str, images: np.ndarray, labels: list[int]) -> None:
    """The two IDX files torchvision reads for `split` ("train" or "t10k"), extracted (not .gz),
    in root/FashionMNIST/raw/ as `download=True` leaves them."""
    raw = root / "FashionMNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    (raw / f"{split}-images-idx3-ubyte").write_bytes(idx_bytes(images))
    (raw / f"{split}-labels-idx1-ubyte").write_bytes(idx_bytes(np.array(labels, dtype=np.uint8)))


def write_cifar10(root: Path, batches: list[tuple[np.ndarray, list[int]]]) -> Path:
    """Six pickled batches (five train, then test) and batches.meta in root/cifar-10-batches-py,
    pickled as Python 2 wrote the real ones: keys and names are byte strings."""
    folder = root / CIFAR10.base_folder
    folder.mkdir(parents=True)
    names = [name for name, _ in CIFAR10.train_list + CIFAR10.test_list]
    for name, (images, labels) in zip(names, batches, strict=True):
        (folder / name).write_bytes(python2_pickle(cifar_batch(images, labels, name)))
    meta = {
        b"num_cases_per_batch": len(batches[0][1]),
        CIFAR10.meta["key"].encode("latin1"): [f"class {i}".encode("latin1") for i in range(10)],
        b"num_vis": 3072,
    }
    (folder / CIFAR10.meta["filename"]).write_bytes(python2_pickle(meta))
    return folder


def cifar10_pinned_to(folder: Path) -> type[CIFAR10]:
    """CIFAR10 with the MD5s of the files in `folder` in place of the real ones: the subclass
    changes only the checksums (as CIFAR100 changes CIFAR10's file lists); torchvision's own
    integrity check and loader still run."""

    def pinned(files):
        return [[name, hashlib.md5((folder / name).read_bytes()).hexdigest()] for name, _ in files]

    meta = {**CIFAR10.meta, "md5": pinned([[CIFAR10.meta["filename"], None]])[0][1]}
    attributes = {
        "train_list": pinned(CIFAR10.train_list),
        "test_list": pinned(CIFAR10.test_list),
        "meta": meta,
    }
    return type("PinnedCIFAR10", (CIFAR10,), attributes)


# Datasets ------------------------------------------------------------------------------------


@pytest.mark.claim("vision.fashion-mnist.reads-idx")
@settings(max_examples=examples(1 / 4))  # a dataset written to disk and read back
@given(
    images=st.integers(1, 4).flatmap(
        lambda n: npst.arrays(np.uint8, (n, 28, 28), elements=st.integers(0, 255))
    ),
    data=st.data(),
)
def test_fashion_mnist_reads_idx_files_offline(tmp_path_factory, images, data):
    labels = data.draw(st.lists(LABELS, min_size=len(images), max_size=len(images)), label="labels")
    root = tmp_path_factory.mktemp("fashion")
    write_fashion_mnist(root, "train", images, labels)
    write_fashion_mnist(root, "t10k", images[::-1].copy(), labels[::-1])
    train = FashionMNIST(root, train=True, download=False)
    test = FashionMNIST(root, train=False, download=False, transform=transforms.ToTensor())
    assert len(train) == len(test) == len(images)
    assert train.classes[0] == "T-shirt/top"
    assert len(train.classes) == 10
    for index, label in enumerate(labels):
        image, target = train[index]
        call = f"FashionMNIST(train=True)[{index}]"
        assert isinstance(image, Image.Image), call
        assert (image.mode, image.size) == ("L", (28, 28)), f"{call}: {image.mode} {image.size}"
        assert np.array_equal(np.asarray(image), images[index]), call
        assert type(target) is int, f"{call} label {target!r}"
        assert target == label, f"{call} label {target!r}, wrote {label}"
        tensor, target = test[len(images) - 1 - index]
        assert tensor.shape == (1, 28, 28)
        assert tensor.dtype == torch.float32
        assert torch.equal(tensor, torch.from_numpy(to_tensor(images[index]))), "ToTensor()"
        assert target == label


@pytest.mark.claim("vision.fashion-mnist.reads-idx")
def test_fashion_mnist_download_true_reaches_for_the_network_only_for_missing_files(
    tmp_path, monkeypatch
):
    for name in NETWORK_FUNCTIONS:
        monkeypatch.setattr(torchvision.datasets.utils, name, network_is_off)
    images = np.zeros((1, 28, 28), np.uint8)
    write_fashion_mnist(tmp_path, "train", images, [0])
    with pytest.raises(AssertionError, match="torchvision reached for the network"):
        FashionMNIST(tmp_path, train=True, download=True)  # the t10k files are missing
    write_fashion_mnist(tmp_path, "t10k", images, [0])
    assert len(FashionMNIST(tmp_path, train=True, download=True)) == 1


@pytest.mark.claim("vision.cifar10.reads-pickled-batches")
@settings(max_examples=examples(1 / 4))  # a dataset written to disk and read back
@given(
    batches=st.lists(
        st.integers(1, 2).flatmap(
            lambda n: st.tuples(
                npst.arrays(np.uint8, (n, 32, 32, 3), elements=st.integers(0, 255)),
                st.lists(LABELS, min_size=n, max_size=n),
            )
        ),
        min_size=6,
        max_size=6,
    )
)
def test_cifar10_reads_pickled_batches_offline(tmp_path_factory, batches):
    batches = [(images.copy(), labels) for images, labels in batches]
    batches[0][0][0, 0, 0, 0] = 200  # a byte over 127: like the real files, ASCII cannot read it
    root = tmp_path_factory.mktemp("cifar")
    folder = write_cifar10(root, batches)
    with pytest.raises(RuntimeError, match="Dataset not found or corrupted"):
        CIFAR10(root, train=True, download=False)  # the files are right, their MD5s are not
    pinned = cifar10_pinned_to(folder)
    pipeline = transforms.Compose(
        [transforms.ToTensor(), transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))]
    )
    train = pinned(root, train=True, download=False)
    test = pinned(root, train=False, download=False, transform=pipeline)
    train_images = np.concatenate([images for images, _ in batches[:5]])
    train_labels = [label for _, labels in batches[:5] for label in labels]
    assert len(train) == len(train_images)
    assert len(test) == len(batches[5][0])
    assert train.classes == [f"class {i}" for i in range(10)]
    for index, label in enumerate(train_labels):
        image, target = train[index]
        call = f"CIFAR10(train=True)[{index}]"
        assert (image.mode, image.size) == ("RGB", (32, 32)), f"{call}: {image.mode} {image.size}"
        assert np.array_equal(np.asarray(image), train_images[index]), call
        assert target == label, f"{call} label {target}, wrote {label}"
    for index, label in enumerate(batches[5][1]):
        tensor, target = test[index]
        expected = normalize(to_tensor(batches[5][0][index]), (0.5,) * 3, (0.5,) * 3)
        assert tensor.shape == (3, 32, 32)
        assert target == label
        call = f"Compose([ToTensor(), Normalize((0.5,) * 3, (0.5,) * 3)]) of CIFAR10[{index}]"
        assert_close(tensor, expected, call, ROUNDED_ONCE)
        assert tensor.min() >= -1
        assert tensor.max() <= 1


@pytest.mark.claim("vision.cifar10.reads-pickled-batches")
def test_cifar10_checks_batches_meta_and_extracts_a_local_archive(tmp_path, monkeypatch):
    images = np.zeros((1, 32, 32, 3), np.uint8)
    images[0, :, :, 2] = 255  # blue
    folder = write_cifar10(tmp_path, [(images, [label]) for label in range(6)])
    pinned = cifar10_pinned_to(folder)
    real_meta = type("RealMetaCIFAR10", (pinned,), {"meta": CIFAR10.meta})
    with pytest.raises(RuntimeError, match=r"^Dataset metadata file not found or corrupted"):
        real_meta(tmp_path, download=False)  # the batches pass; batches.meta's MD5 does not
    # Notes 003's cifar-10-python.tar.gz beside the code: download=True verifies its MD5 and
    # extracts it; the network functions are replaced, so reaching for them fails the test.
    archive = tmp_path / CIFAR10.filename
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname=CIFAR10.base_folder)
    shutil.rmtree(folder)
    for name in NETWORK_FUNCTIONS:
        monkeypatch.setattr(torchvision.datasets.utils, name, network_is_off)
    from_archive = type(
        "ArchivedCIFAR10", (pinned,), {"tgz_md5": hashlib.md5(archive.read_bytes()).hexdigest()}
    )
    test = from_archive(tmp_path, train=False, download=True)
    assert len(test) == 1
    assert test[0][1] == 5
    assert np.array_equal(np.asarray(test[0][0]), images[0])
    assert len(from_archive(tmp_path, train=True, download=False)) == 5


@pytest.mark.claim("vision.datasets.missing-files")
def test_without_the_files_download_false_raises_runtime_error(tmp_path):
    with pytest.raises(RuntimeError, match=r"^Dataset not found\. You can use download=True"):
        FashionMNIST(tmp_path, download=False)
    with pytest.raises(RuntimeError, match=r"^Dataset not found or corrupted\. You can use"):
        CIFAR10(tmp_path, download=False)
    assert list(tmp_path.iterdir()) == [], "a failed dataset constructor wrote files"
    # The .gz files as served are not enough: torchvision reads the extracted files.
    raw = tmp_path / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for name, _ in FashionMNIST.resources:
        (raw / name).write_bytes(b"")
    with pytest.raises(RuntimeError, match="Dataset not found"):
        FashionMNIST(tmp_path, download=False)
    # Both splits must be there, even to read one of them.
    write_fashion_mnist(tmp_path, "train", np.zeros((1, 28, 28), np.uint8), [0])
    with pytest.raises(RuntimeError, match="Dataset not found"):
        FashionMNIST(tmp_path, train=True, download=False)
    write_fashion_mnist(tmp_path, "t10k", np.zeros((2, 28, 28), np.uint8), [0, 1])
    assert len(FashionMNIST(tmp_path, train=True, download=False)) == 1


# Transforms ----------------------------------------------------------------------------------


@pytest.mark.claim("vision.to-tensor.hwc-uint8-to-chw-float")
@given(image=hwc_images())
def test_to_tensor_moves_channels_first_and_scales_to_unit_range(image):
    call = f"ToTensor()(np.array(..., shape={image.shape}, dtype=uint8))"
    tensor = transforms.ToTensor()(image)
    height, width, channels = image.shape
    assert tensor.shape == (channels, height, width), call
    assert tensor.dtype == torch.float32, call
    assert torch.equal(tensor, torch.from_numpy(to_tensor(image))), call
    assert torch.equal(
        (tensor * 255).round().to(torch.uint8), torch.from_numpy(image).permute(2, 0, 1)
    )
    pil = Image.fromarray(image[:, :, 0] if channels == 1 else image)
    assert pil.mode == {1: "L", 3: "RGB", 4: "RGBA"}[channels]
    assert torch.equal(transforms.ToTensor()(pil), tensor), f"{call} via a PIL {pil.mode} image"


@pytest.mark.claim("vision.to-tensor.hwc-uint8-to-chw-float")
def test_to_tensor_divides_every_byte_by_255_and_only_bytes():
    every_byte = np.arange(256, dtype=np.uint8).reshape(16, 16)
    tensor = transforms.ToTensor()(every_byte)  # a 2-d image gains a channel axis
    assert tensor.shape == (1, 16, 16)
    assert tensor.flatten().tolist() == [np.float32(k) / np.float32(255) for k in range(256)]
    assert tensor.min() == 0
    assert tensor.max() == 1
    floats = transforms.ToTensor()(every_byte.astype(np.float32)[:, :, None])
    assert floats.max() == 255, "ToTensor scales uint8 only: a float array keeps its values"
    with default_dtype(torch.float64):
        assert transforms.ToTensor()(every_byte).dtype == torch.float64


@pytest.mark.claim("vision.normalize.per-channel")
@given(image=hwc_images(), data=st.data())
def test_normalize_subtracts_mean_and_divides_by_std_per_channel(device, image, data):
    mean, std = data.draw(channel_stats(image.shape[2]), label="mean, std")
    x = torch.from_numpy(to_tensor(image)).to(device)
    got = transforms.Normalize(mean, std)(x)
    expected = normalize(to_tensor(image), mean, std)
    assert_close(got, expected, f"Normalize({mean}, {std})(x)", ROUNDED_ONCE, inputs={"x": x})
    assert torch.equal(x.cpu(), torch.from_numpy(to_tensor(image))), "Normalize changed its input"


@pytest.mark.claim("vision.normalize.per-channel")
def test_normalize_with_halves_maps_the_unit_range_onto_minus_one_one(device):
    x = torch.linspace(0, 1, 12, device=device).reshape(3, 2, 2)
    y = transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))(x)
    torch.testing.assert_close(y, 2 * x - 1, rtol=0, atol=0)  # (x - 0.5) / 0.5 is exact
    assert y.min().item() == -1
    assert y.max().item() == 1
    with pytest.raises(TypeError, match="should be a float tensor"):
        transforms.Normalize((0.5,), (0.5,))(torch.zeros(1, 2, 2, dtype=torch.uint8, device=device))
    with pytest.raises(ValueError, match="std evaluated to zero"):
        transforms.Normalize((0.5,), (0.0,))(x)
    one_for_all = transforms.Normalize((0.5,), (0.5,))(x)  # one value applies to every channel
    torch.testing.assert_close(one_for_all, y, rtol=0, atol=0)


@pytest.mark.claim("vision.compose.applies-in-order")
@given(image=hwc_images(channels=3))
def test_compose_applies_its_transforms_first_to_last(image):
    add_one, double = transforms.Lambda(lambda x: x + 1), transforms.Lambda(lambda x: x * 2)
    x = torch.from_numpy(to_tensor(image))
    assert torch.equal(transforms.Compose([add_one, double])(x), (x + 1) * 2)
    assert torch.equal(transforms.Compose([double, add_one])(x), x * 2 + 1)
    first, second = ((0.5,) * 3, (0.5,) * 3), ((0.2, 0.3, 0.4), (2.0, 2.0, 2.0))
    one_way = transforms.Compose([transforms.Normalize(*first), transforms.Normalize(*second)])(x)
    other_way = transforms.Compose([transforms.Normalize(*second), transforms.Normalize(*first)])(x)
    expected = normalize(normalize(to_tensor(image), *first), *second)
    call = f"Compose([Normalize{first}, Normalize{second}])(x)"
    assert_close(one_way, expected, call, ROUNDED_ONCE, inputs={"x": x})
    assert not torch.allclose(one_way, other_way), "two Normalizes commuted"
    pipeline = transforms.Compose([transforms.ToTensor(), transforms.Normalize(*first)])
    call = f"Compose([ToTensor(), Normalize{first}])(image)"
    expected = normalize(to_tensor(image), *first)
    assert_close(pipeline(image), expected, call, ROUNDED_ONCE, inputs={"image": image})
    with pytest.raises(TypeError, match="should be Tensor"):  # Normalize cannot take the array
        transforms.Compose([transforms.Normalize(*first), transforms.ToTensor()])(image)


@pytest.mark.claim("vision.v2.agrees")
@given(image=hwc_images(), data=st.data())
def test_v2_pipeline_agrees_with_v1(device, image, data):
    mean, std = data.draw(channel_stats(image.shape[2]), label="mean, std")
    old = transforms.Compose([transforms.ToTensor(), transforms.Normalize(mean, std)])(image)
    image_v2 = v2.ToImage()(image)
    assert isinstance(image_v2, torchvision.tv_tensors.Image)
    assert image_v2.dtype == torch.uint8
    scaled = v2.ToDtype(torch.float32, scale=True)(image_v2.to(device))
    new = v2.Normalize(mean, std)(scaled)
    assert new.shape == old.shape
    assert new.dtype == torch.float32
    call = f"v2.Normalize({mean}, {std})(v2.ToDtype(float32, scale=True)(v2.ToImage()(image)))"
    call += f" against v1's Compose([ToTensor(), Normalize({mean}, {std})])(image)"
    assert_close(new.as_subclass(torch.Tensor), old, call, ROUNDED_ONCE, inputs={"image": image})


@pytest.mark.claim("vision.v2.agrees")
def test_v2_to_dtype_is_within_one_ulp_of_to_tensor():
    every_byte = np.arange(256, dtype=np.uint8).reshape(16, 16, 1)
    old = transforms.ToTensor()(every_byte)
    new = v2.ToDtype(torch.float32, scale=True)(v2.ToImage()(every_byte)).as_subclass(torch.Tensor)
    ulps = (old.view(torch.int32) - new.view(torch.int32)).abs()  # same sign: ints order floats
    assert ulps.max().item() <= 1, f"v2.ToDtype differs from ToTensor by {ulps.max()} ulp"
    byte_values = np.arange(256, dtype=np.float32)
    times_inverse = byte_values * np.float32(1 / 255)  # v2: k * (1/255) in float32
    assert new.flatten().tolist() == times_inverse.tolist()
    differ = np.count_nonzero(times_inverse != byte_values / np.float32(255))  # v1: k / 255
    assert differ > 0, "k * (1/255) and k / 255 agree for every byte in float32"
    assert ulps.count_nonzero().item() == differ, "v2 and ToTensor differ on other bytes"
    assert new.min() == 0
    assert new.max() == 1
    assert not v2.ToDtype(torch.float32)(v2.ToImage()(every_byte)).max() <= 1, "scale=False"


# Models ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def resnet50() -> nn.Module:
    """One ResNet-50 (25.6M parameters) with random weights, built once for the module, in eval
    mode. Tests leave it as they found it; one that moves it to CUDA works on a copy."""
    with seeded(0):
        return torchvision.models.resnet50(weights=None).eval()


def on_device(model: nn.Module, device: str) -> nn.Module:
    """The model itself on CPU; a copy on another device (`.to` would move the fixture)."""
    return model if device == "cpu" else copy.deepcopy(model).to(device)


def small_images(device: str, height: int = 8, width: int = 8) -> torch.Tensor:
    """Two 3 x height x width images, small to keep ResNet-50 quick: layer4's map is
    ceil(height / 32) x ceil(width / 32) (each stride-2 stage rounds up), which the adaptive
    pooling averages to 1 x 1, so every size from 1 x 1 on (224 in the notes) gives
    [2, 2048, 1, 1]."""
    count = 2 * 3 * height * width
    return torch.linspace(-1, 1, count, device=device).reshape(2, 3, height, width)


@pytest.mark.claim("vision.resnet50.pretrained-became-weights")
def test_pretrained_true_warns_and_loads_the_v1_imagenet_weights(resnet50, monkeypatch):
    if torchvision_version() < (0, 13):
        with pytest.raises(TypeError):
            torchvision.models.resnet50(weights=None)
        return
    weights = torchvision.models.ResNet50_Weights
    requested = []
    # What the "download" serves differs from every model built under any seed: a build that
    # loaded nothing, or loaded part of it, fails the comparison below.
    served = {
        name: value + 1 if value.is_floating_point() else value
        for name, value in resnet50.state_dict().items()
    }

    def offline(url, *args, **kwargs):  # stands in for the download; nothing reaches the network
        requested.append((url, kwargs))
        return served

    monkeypatch.setattr(torchvision.models._api, "load_state_dict_from_url", offline)
    monkeypatch.setattr(torch.hub, "download_url_to_file", network_is_off)  # if that name moves
    with warnings.catch_warnings(record=True) as caught, seeded():
        warnings.simplefilter("always")
        model = torchvision.models.resnet50(pretrained=True)
    messages = [str(warning.message) for warning in caught if warning.category is UserWarning]
    assert any("'pretrained' is deprecated since 0.13" in m for m in messages), messages
    assert any("weights=ResNet50_Weights.IMAGENET1K_V1" in m for m in messages), messages
    assert requested == [(weights.IMAGENET1K_V1.url, {"progress": True, "check_hash": True})]
    assert weights.DEFAULT is weights.IMAGENET1K_V2, "pretrained=True is V1, not today's DEFAULT"
    state = model.state_dict()
    assert state.keys() == served.keys()
    unloaded = [name for name, value in served.items() if not torch.equal(state[name], value)]
    assert unloaded == [], "the served state dict was not loaded into these entries"


@pytest.mark.claim("vision.resnet50.pretrained-became-weights")
def test_pretrained_false_warns_and_means_weights_none():
    if torchvision_version() < (0, 13):
        pytest.skip("before torchvision 0.13 pretrained=False was the documented call")
    built = []
    real = torchvision.models.resnet._resnet

    def recording(block, layers, weights, progress, **kwargs):  # a tiny body, same front door
        built.append(weights)
        return real(torchvision.models.resnet.BasicBlock, [1, 1, 1, 1], None, progress)

    with warnings.catch_warnings(record=True) as caught, pytest.MonkeyPatch.context() as patch:
        warnings.simplefilter("always")
        patch.setattr(torchvision.models.resnet, "_resnet", recording)
        with seeded():
            torchvision.models.resnet50(pretrained=False)
    messages = [str(warning.message) for warning in caught]
    assert built == [None], f"pretrained=False passed weights={built}"
    assert any("'pretrained' is deprecated since 0.13" in m for m in messages), messages
    assert any("equivalent to passing `weights=None`" in m for m in messages), messages


@pytest.mark.claim("vision.resnet50.feature-extractor")
def test_dropping_the_last_child_gives_2048_features(device, resnet50):
    model = on_device(resnet50, device)
    assert model.fc.in_features == 2048
    assert model.fc.out_features == 1000
    children = list(model.children())
    assert children[-1] is model.fc
    assert isinstance(children[-2], nn.AdaptiveAvgPool2d)
    features = nn.Sequential(*children[:-1])
    x = small_images(device, height=33, width=8)  # layer4's map: ceil(33/32) x ceil(8/32) = 2 x 1
    maps = []
    hook = model.layer4.register_forward_hook(lambda module, args, output: maps.append(output))
    try:
        with torch.no_grad():
            out = features(x)
            logits = model.fc(out.flatten(1))
    finally:
        hook.remove()
    assert out.shape == (2, 2048, 1, 1), f"features of {tuple(x.shape)}: {tuple(out.shape)}"
    assert maps[0].shape == (2, 2048, 2, 1), f"layer4 map of {tuple(x.shape)}"
    # The pooling read the very map the hook kept: a mean of two values, one rounding of a sum.
    mean = maps[0].mean((2, 3), keepdim=True)
    assert_close(out, mean, "AdaptiveAvgPool2d(1) of layer4's 2 x 1 map", ROUNDED_ONCE)
    assert logits.shape == (2, 1000)
    with pytest.raises(AttributeError, match="has no attribute 'fc'"):
        features.fc  # noqa: B018  (notes 001 read resnet.fc.in_features after the wrapping)


@pytest.mark.claim("vision.resnet50.feature-extractor")
def test_in_train_mode_one_small_image_is_refused_by_batchnorm(resnet50):
    """At 32 x 32 or below layer4's map is 1 x 1, so its last BatchNorm sees one value per
    channel from a batch of one; at 33 x 33 the map is 2 x 2. A copy: train() moves buffers."""
    model = copy.deepcopy(resnet50).train()
    with torch.no_grad():
        assert model(small_images("cpu", 33, 33)[:1]).shape == (1, 1000)
        with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
            model(small_images("cpu", 32, 32)[:1])
        assert model(small_images("cpu", 32, 32)).shape == (2, 1000)


@pytest.mark.claim("vision.resnet50.freezing")
def test_frozen_parameters_survive_a_training_step_of_a_new_head(device, resnet50):
    model = on_device(resnet50, device)
    saved_buffers = {name: b.clone() for name, b in model.named_buffers()}
    try:
        check_a_frozen_backbone(model, device)
    finally:  # put the module fixture back: trainable, eval mode, its BatchNorm statistics
        model.requires_grad_(True).eval()
        for name, buffer in model.named_buffers():
            buffer.copy_(saved_buffers[name])


def check_a_frozen_backbone(model: nn.Module, device: str) -> None:
    for parameter in model.parameters():  # notes 001
        parameter.requires_grad_(False)
    in_features = model.fc.in_features  # before the wrapping, which drops .fc
    backbone = nn.Sequential(*list(model.children())[:-1])
    with seeded(1):
        head = nn.Linear(in_features, 3).to(device)
    before = {name: p.clone() for name, p in backbone.named_parameters()}
    buffers = {name: b.clone() for name, b in backbone.named_buffers()}
    head_before = head.weight.detach().clone()
    optimizer = torch.optim.SGD(list(backbone.parameters()) + list(head.parameters()), lr=0.1)
    backbone.train()  # as a training loop would: shows what requires_grad_ does not freeze
    logits = head(backbone(small_images(device)).flatten(1))
    loss = nn.functional.cross_entropy(logits, torch.tensor([0, 2], device=device))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    assert all(p.grad is None for p in backbone.parameters()), "a frozen parameter got a .grad"
    for name, parameter in backbone.named_parameters():
        assert torch.equal(parameter, before[name]), f"frozen {name} changed in a step"
    assert not torch.equal(head.weight, head_before), "the new head did not learn"
    moved = [n for n, b in backbone.named_buffers() if not torch.equal(b, buffers[n])]
    assert "1.running_mean" in moved, "in train() BatchNorm's running statistics should move"
    backbone.eval()
    frozen_stats = {name: b.clone() for name, b in backbone.named_buffers()}
    with torch.no_grad():
        backbone(small_images(device))
    assert all(torch.equal(b, frozen_stats[n]) for n, b in backbone.named_buffers())
