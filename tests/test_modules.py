"""spec/modules.md: what subclassing nn.Module gives (registration, autograd, hooks, repr), what
ModuleList, Sequential and plain lists do, and what an nn.Parameter is."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as npst
from torch import nn
from torch.nn import functional

from reference.nn import linear
from tests.harness.assertions import assert_close
from tests.harness.dtypes import INEXACT_DTYPES
from tests.harness.profiles import examples
from tests.harness.strategies import arrays, shapes
from tests.harness.tolerances import REORDERED
from tests.harness.torch_settings import seeded
from tests.harness.versions import torch_version

# Small integers: products and sums of a few of them are exact in float32 and float64, so most
# comparisons below need no tolerance.
SMALL = st.integers(min_value=-5, max_value=5)
FLOAT32_ULP_AT_50 = 2.0**-18  # float32 spacing on [32, 64): the notes' outputs are 30, 40, 50
NOTES_004_WEIGHT = [[1, 2, 3, 4], [2, 3, 4, 5], [3, 4, 5, 6]]
NOTES_004_INPUT = [1, 2, 3, 4]


def scalar_affine(weight: float, bias: float) -> nn.Linear:
    """`Linear(1, 1)` in float64 computing `weight * x + bias`."""
    with seeded():
        layer = nn.Linear(1, 1).double()
    with torch.no_grad():
        layer.weight.fill_(weight)
        layer.bias.fill_(bias)
    return layer


def compose(pairs, x: float) -> float:
    """`x` through the affine maps `(w, b)` in the given order."""
    for w, b in pairs:
        x = w * x + b
    return x


class Recorder(nn.Module):
    """The identity, recording each call of its `forward`."""

    def __init__(self, calls: list[str]):
        super().__init__()
        self.calls = calls

    def forward(self, x):
        self.calls.append("forward")
        return x


class Lambda(nn.Module):  # notes 001
    def __init__(self, func):
        super().__init__()
        self.func = func

    def forward(self, x):
        return self.func(x)


def preprocess(x):  # notes 001
    return x.view(-1, 1, 28, 28)


def notes_001_model() -> nn.Sequential:
    with seeded():
        return nn.Sequential(
            Lambda(preprocess),
            nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1),
            nn.ReLU(),
            nn.AvgPool2d(4),
            Lambda(lambda x: x.view(x.size(0), -1)),
        )


def assign_notes_004_layers(network: nn.Module) -> None:
    """Notes 004's layers, in the notes' order (their second version: the first misspells the
    keywords), assigned to a module whose `Module.__init__` has run."""
    network.conv1 = nn.Conv2d(in_channels=1, out_channels=6, kernel_size=5)
    network.conv2 = nn.Conv2d(in_channels=6, out_channels=12, kernel_size=5)
    network.fc1 = nn.Linear(in_features=12 * 4 * 4, out_features=120)
    network.fc2 = nn.Linear(in_features=120, out_features=60)
    network.out = nn.Linear(in_features=60, out_features=10)


class Network(nn.Module):  # notes 004
    def __init__(self):
        super(Network, self).__init__()  # noqa: UP008 - the notes' spelling is the point
        assign_notes_004_layers(self)

    def forward(self, t):
        return t


class ModernNetwork(nn.Module):
    """Notes 004's Network with Python 3's `super().__init__()`: the only difference."""

    def __init__(self):
        super().__init__()
        assign_notes_004_layers(self)

    def forward(self, t):
        return t


class Net1(nn.Module):  # notes 003
    def __init__(self):
        super(Net1, self).__init__()  # noqa: UP008
        self.linears = nn.ModuleList([nn.Linear(10, 10) for i in range(2)])

    def forward(self, x):
        for m in self.linears:
            x = m(x)
        return x


class Net2(nn.Module):  # notes 003
    def __init__(self):
        super(Net2, self).__init__()  # noqa: UP008
        self.block = nn.Sequential(nn.Conv2d(1, 20, 5), nn.ReLU(), nn.Conv2d(20, 64, 5), nn.ReLU())

    def forward(self, x):
        return self.block(x)


class LeNet(nn.Module):  # notes 003
    def __init__(self):
        super(LeNet, self).__init__()  # noqa: UP008
        self.conv_block = nn.Sequential(
            nn.Conv2d(3, 16, 5),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2, 2),
            nn.Conv2d(16, 32, 5),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2, 2),
        )
        self.classifier = nn.Sequential(
            nn.Linear(32 * 5 * 5, 120),
            nn.ReLU(inplace=True),
            nn.Linear(120, 84),
            nn.ReLU(inplace=True),
            nn.Linear(84, 10),
        )

    def forward(self, x):
        features = self.conv_block(x)
        return torch.nn.Softmax(dim=1)(self.classifier(torch.flatten(features, start_dim=1)))


def conv_line(c_in: int, c_out: int, k: int, s: int = 1) -> str:
    """How a Conv2d with a square kernel, stride, no padding and a bias prints."""
    return f"Conv2d({c_in}, {c_out}, kernel_size=({k}, {k}), stride=({s}, {s}))"


def linear_line(n_in: int, n_out: int, bias: bool = True) -> str:
    return f"Linear(in_features={n_in}, out_features={n_out}, bias={bias})"


def conv_side(n: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    """Output side of a convolution or pooling window: floor((n + 2p - k) / s) + 1."""
    return (n + 2 * padding - kernel) // stride + 1


# Subclassing: forward defined, backward derived ------------------------------------------------


class LinearRegression(nn.Module):  # notes 003
    def __init__(self):
        super(LinearRegression, self).__init__()  # noqa: UP008
        self.linear = nn.Linear(1, 1)

    def forward(self, x):
        return self.linear(x)


@pytest.mark.claim("modules.subclass.backward-for-free")
@given(
    samples=st.lists(st.tuples(SMALL, SMALL), min_size=1, max_size=8),
    w=SMALL,
    b=SMALL,
)
def test_backward_of_a_subclass_is_the_hand_derived_gradient(device, samples, w, b):
    with seeded():
        model = LinearRegression()
    model = model.double().to(device)
    with torch.no_grad():
        model.linear.weight.fill_(w)
        model.linear.bias.fill_(b)
    xs = [float(x) for x, _ in samples]
    ys = [float(y) for _, y in samples]
    x = torch.tensor(xs, dtype=torch.float64, device=device).unsqueeze(1)
    y = torch.tensor(ys, dtype=torch.float64, device=device).unsqueeze(1)
    nn.MSELoss()(model(x), y).backward()

    n = len(samples)
    residuals = [w * xi + b - yi for xi, yi in zip(xs, ys, strict=True)]
    dw = 2 / n * sum(r * xi for r, xi in zip(residuals, xs, strict=True))
    db = 2 / n * sum(residuals)
    call = f"MSELoss()(LinearRegression(w={w}, b={b})(x), y).backward(): weight.grad, bias.grad"
    grads = torch.cat([model.linear.weight.grad.flatten(), model.linear.bias.grad])
    assert_close(grads, [dw, db], call, REORDERED, inputs={"x": xs, "y": ys})


class Scale(nn.Module):
    """A module with a Parameter of its own and no layer: forward is all that is written."""

    def __init__(self, size: int):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(size, dtype=torch.float64))

    def forward(self, x):
        return (x * self.scale).pow(2).sum()


@pytest.mark.claim("modules.subclass.backward-for-free")
@given(data=arrays(dtype=np.float64, shape=shapes(min_dims=1, max_dims=1, min_side=1)))
def test_backward_reaches_a_parameter_of_the_subclass_itself(device, data):
    module = Scale(data.size).to(device)
    x = torch.tensor(data, device=device)
    module(x).backward()
    # d/ds sum((x s)^2) = 2 x^2 s, with s = 1
    call = "Scale(x.size)(x).backward(): scale.grad"
    assert_close(module.scale.grad, 2 * data**2, call, REORDERED, inputs={"x": data})


@pytest.mark.claim("modules.subclass.backward-for-free")
def test_a_module_without_forward_cannot_be_called():
    class NoForward(nn.Module):
        pass

    with pytest.raises(NotImplementedError, match='missing the required "forward" function'):
        NoForward()(torch.zeros(1))


# __call__ and hooks ---------------------------------------------------------------------------


@pytest.mark.claim("modules.call.hooks-around-forward")
def test_call_runs_pre_hooks_then_forward_then_hooks_and_forward_alone_runs_none(device):
    calls: list[str] = []
    module = Recorder(calls)
    handles = [
        module.register_forward_pre_hook(lambda m, args: calls.append("pre-hook 1")),
        module.register_forward_pre_hook(lambda m, args: calls.append("pre-hook 2")),
        module.register_forward_hook(lambda m, args, out: calls.append("hook 1")),
        module.register_forward_hook(lambda m, args, out: calls.append("hook 2")),
    ]
    x = torch.ones(2, device=device)
    module(x)
    assert calls == ["pre-hook 1", "pre-hook 2", "forward", "hook 1", "hook 2"], "module(x)"
    calls.clear()
    module.forward(x)
    assert calls == ["forward"], "module.forward(x) ran hooks"
    calls.clear()
    for handle in handles:
        handle.remove()
    module(x)
    assert calls == ["forward"], "module(x) after removing every hook"


@pytest.mark.claim("modules.call.hooks-around-forward")
@given(values=st.lists(SMALL, min_size=1, max_size=6), shift=SMALL, weight=SMALL, factor=SMALL)
def test_hooks_that_return_values_replace_the_input_and_the_output(
    device, values, shift, weight, factor
):
    layer = scalar_affine(weight, 0.0).to(device)
    layer.register_forward_pre_hook(lambda m, args: (args[0] + shift,))
    layer.register_forward_hook(lambda m, args, out: out * factor)
    x = torch.tensor(values, dtype=torch.float64, device=device).unsqueeze(1)
    got = layer(x).squeeze(1).tolist()
    assert got == [(v + shift) * weight * factor for v in values], (
        f"Linear(w={weight}) with pre-hook +{shift} and hook *{factor} on {values}"
    )
    assert layer.forward(x).squeeze(1).tolist() == [v * weight for v in values]


# Registration ---------------------------------------------------------------------------------

ATTRIBUTE_KINDS = ("linear", "parameter", "sequential", "modulelist", "tensor", "number")


def make_attribute(kind: str):
    """A value to assign, and the parameter names (relative to the attribute) it registers."""
    if kind == "linear":
        return nn.Linear(2, 3, device="meta"), ["weight", "bias"]
    if kind == "parameter":
        return nn.Parameter(torch.zeros(2, device="meta")), [""]
    if kind == "sequential":
        layers = (nn.Linear(2, 2, device="meta"), nn.ReLU(), nn.Linear(2, 1, bias=False))
        return nn.Sequential(*layers), ["0.weight", "0.bias", "2.weight"]
    if kind == "modulelist":
        return nn.ModuleList([nn.Linear(1, 1, device="meta")]), ["0.weight", "0.bias"]
    if kind == "tensor":
        return torch.zeros(2), []
    return 3, []


@pytest.mark.claim("modules.attributes.register-in-order")
@given(
    kinds=st.lists(st.sampled_from(ATTRIBUTE_KINDS), min_size=1, max_size=6),
)
def test_assigned_modules_and_parameters_are_registered_in_order(kinds):
    with seeded():
        module = nn.Module()
        own, children = [], []
        for index, kind in enumerate(kinds):
            name = f"{kind}{index}"
            value, relative = make_attribute(kind)
            setattr(module, name, value)
            if kind == "parameter":
                own.append(name)
            else:
                children += [f"{name}.{rel}" for rel in relative]
    expected = own + children
    call = f"attributes assigned in the order {kinds}"
    named = list(module.named_parameters())
    assert [name for name, _ in named] == expected, call
    assert [id(p) for p in module.parameters()] == [id(p) for _, p in named], call
    assert list(module.state_dict()) == expected, call
    for name, value in module.state_dict().items():
        assert not value.requires_grad, f"state_dict()[{name!r}] still requires grad"


@pytest.mark.claim("modules.attributes.register-in-order")
def test_the_notes_networks_register_their_layers():
    with seeded():
        network, net2 = Network(), Net2()
    layers = ("conv1", "conv2", "fc1", "fc2", "out")
    names = [f"{layer}.{kind}" for layer in layers for kind in ("weight", "bias")]
    assert [name for name, _ in network.named_parameters()] == names
    assert list(network.state_dict()) == names
    attributes = [
        getattr(getattr(network, layer), kind) for layer in layers for kind in ("weight", "bias")
    ]
    for name, parameter, attribute in zip(names, network.parameters(), attributes, strict=True):
        assert parameter is attribute, f"parameters() does not yield network.{name} itself"
    assert network.fc1.weight.shape == (120, 12 * 4 * 4)
    assert network.state_dict()["fc1.weight"].data_ptr() == network.fc1.weight.data_ptr()
    # notes 003 print Net2's parameter sizes: [20, 1, 5, 5], [20], [64, 20, 5, 5], [64]
    assert [(n, tuple(p.shape)) for n, p in net2.named_parameters()] == [
        ("block.0.weight", (20, 1, 5, 5)),
        ("block.0.bias", (20,)),
        ("block.2.weight", (64, 20, 5, 5)),
        ("block.2.bias", (64,)),
    ]


# super().__init__() ---------------------------------------------------------------------------


def assign_too_early(kind: str) -> None:
    class TooEarly(nn.Module):
        def __init__(self):
            if kind == "module":
                self.layer = nn.Linear(1, 1)
            elif kind == "parameter":
                self.weight = nn.Parameter(torch.zeros(1))
            else:
                self.register_buffer("running", torch.zeros(1))
            super().__init__()

    TooEarly()


@pytest.mark.claim("modules.init.super-before-assigning")
@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("module", "cannot assign module before Module.__init__() call"),
        ("parameter", "cannot assign parameters before Module.__init__() call"),
        ("buffer", "cannot assign buffer before Module.__init__() call"),
    ],
)
def test_assigning_before_module_init_raises(kind, message):
    with seeded(), pytest.raises(AttributeError) as raised:
        assign_too_early(kind)
    assert str(raised.value) == message, f"assigning a {kind} before Module.__init__()"


@pytest.mark.claim("modules.init.super-before-assigning")
def test_both_spellings_of_super_build_the_same_module():
    with seeded(7):
        old = Network()
    with seeded(7):
        new = ModernNetwork()
    assert list(old.state_dict()) == list(new.state_dict())
    for (name, a), (_, b) in zip(old.state_dict().items(), new.state_dict().items(), strict=True):
        assert torch.equal(a, b), f"{name} differs between super(Network, self) and super()"
    assert repr(old).splitlines()[1:] == repr(new).splitlines()[1:]


@pytest.mark.claim("modules.init.super-before-assigning")
def test_plain_attributes_may_come_first_but_a_module_never_initialised_fails():
    class PlainFirst(nn.Module):
        def __init__(self):
            self.width = 3
            super().__init__()
            self.fc = nn.Linear(self.width, 1)

    with seeded():
        assert [n for n, _ in PlainFirst().named_parameters()] == ["fc.weight", "fc.bias"]

    class NeverInitialised(nn.Module):
        def __init__(self):
            pass

        def forward(self, x):
            return x

    # Module.__call__ looks up the hook registries that Module.__init__ would have created
    with pytest.raises(AttributeError, match="'NeverInitialised' object has no attribute '_"):
        NeverInitialised()(torch.zeros(1))


# ModuleList, Sequential, plain lists ----------------------------------------------------------

AFFINE_PAIRS = st.lists(st.tuples(SMALL, SMALL), min_size=1, max_size=5)


@pytest.mark.claim("modules.modulelist.registers-without-order")
@given(pairs=AFFINE_PAIRS, x=SMALL)
def test_modulelist_registers_in_list_order_and_forward_decides_the_order(device, pairs, x):
    layers = nn.ModuleList([scalar_affine(w, b) for w, b in pairs]).to(device)
    names = [f"{i}.{kind}" for i in range(len(pairs)) for kind in ("weight", "bias")]
    assert [name for name, _ in layers.named_parameters()] == names
    value = torch.tensor([[float(x)]], dtype=torch.float64, device=device)
    forwards, backwards = value, value
    for layer in layers:
        forwards = layer(forwards)
    for layer in reversed(layers):
        backwards = layer(backwards)
    call = f"ModuleList of affine maps {pairs} on {x}"
    assert forwards.item() == compose(pairs, x), call + " in list order"
    assert backwards.item() == compose(reversed(pairs), x), call + " in reverse order"
    layers.append(scalar_affine(1, 0))
    assert len(list(layers.parameters())) == 2 * len(pairs) + 2, "append did not register"


@pytest.mark.claim("modules.modulelist.registers-without-order")
def test_notes_003_net1_registers_both_linears_and_the_list_is_not_callable():
    with seeded():
        net = Net1()
    # notes 003 print the sizes [10, 10], [10], [10, 10], [10]
    assert [tuple(p.shape) for p in net.parameters()] == [(10, 10), (10,), (10, 10), (10,)]
    with pytest.raises(NotImplementedError, match='missing the required "forward" function'):
        net.linears(torch.zeros(1, 10))


@pytest.mark.claim("modules.sequential.runs-in-order")
@given(pairs=AFFINE_PAIRS, x=SMALL)
def test_sequential_runs_its_modules_in_order(device, pairs, x):
    block = nn.Sequential(*[scalar_affine(w, b) for w, b in pairs]).to(device)
    value = torch.tensor([[float(x)]], dtype=torch.float64, device=device)
    assert block(value).item() == compose(pairs, x), f"Sequential of affine maps {pairs} on {x}"
    names = [f"{i}.{kind}" for i in range(len(pairs)) for kind in ("weight", "bias")]
    assert list(block.state_dict()) == names


@pytest.mark.claim("modules.sequential.runs-in-order")
@given(
    batch=st.integers(1, 4),
    n_in=st.integers(1, 6),
    n_mid=st.integers(1, 6),
    wrong=st.integers(1, 6),
    n_out=st.integers(1, 6),
)
def test_a_linear_shape_mismatch_in_sequential_raises_when_data_reaches_it(
    device, batch, n_in, n_mid, wrong, n_out
):
    if wrong == n_mid:
        wrong += 1
    with seeded():
        block = nn.Sequential(nn.Linear(n_in, n_mid), nn.Linear(wrong, n_out))  # builds fine
    block = block.to(device)
    ran = []
    block[0].register_forward_hook(lambda m, args, out: ran.append(tuple(out.shape)))
    expected = (
        f"mat1 and mat2 shapes cannot be multiplied "
        rf"\({batch}x{n_mid} and {wrong}x{n_out}\)"
    )
    with pytest.raises(RuntimeError, match=expected):
        block(torch.zeros(batch, n_in, device=device))
    assert ran == [(batch, n_mid)], "the first layer did not run before the second raised"


@pytest.mark.claim("modules.sequential.runs-in-order")
def test_a_channel_mismatch_in_notes_003_net2_names_the_shapes(device):
    with seeded():
        block = nn.Sequential(nn.Conv2d(1, 20, 5), nn.ReLU(), nn.Conv2d(30, 64, 5), nn.ReLU())
    block = block.to(device)
    side = conv_side(28, 5)  # 24
    expected = (
        rf"expected input\[1, 20, {side}, {side}\] to have 30 channels, "
        "but got 20 channels instead"
    )
    with pytest.raises(RuntimeError, match=expected):
        block(torch.zeros(1, 1, 28, 28, device=device))


class KeepsLayersIn(nn.Module):
    def __init__(self, container: str):
        super().__init__()
        layers = [nn.Linear(2, 2), nn.Linear(2, 2)]
        if container == "list":
            self.layers = layers
        elif container == "tuple":
            self.layers = tuple(layers)
        elif container == "dict":
            self.layers = dict(enumerate(layers))
        else:
            self.layers = nn.ModuleList(layers)

    def forward(self, x):
        layers = self.layers.values() if isinstance(self.layers, dict) else self.layers
        for layer in layers:
            x = layer(x)
        return x


@pytest.mark.claim("modules.plain-list.not-registered")
@pytest.mark.parametrize("container", ["list", "tuple", "dict"])
def test_modules_in_a_plain_container_are_not_registered(device, container):
    with seeded():
        model, registered = KeepsLayersIn(container), KeepsLayersIn("ModuleList")
    call = f"a module keeping two Linear(2, 2) in a {container}"
    assert list(model.parameters()) == [], call
    assert list(model.state_dict()) == [], call
    assert repr(model) == "KeepsLayersIn()", call
    assert len(list(registered.parameters())) == 4
    assert next(iter(registered.state_dict())) == "layers.0.weight"
    with pytest.raises(ValueError, match="empty parameter list"):
        torch.optim.SGD(model.parameters(), lr=0.1)

    model.to(device, torch.float64)
    registered.to(device, torch.float64)
    hidden = next(iter(model.layers.values() if container == "dict" else model.layers))
    assert hidden.weight.dtype == torch.float32, call
    assert hidden.weight.device.type == "cpu", call
    assert registered.layers[0].weight.dtype == torch.float64
    assert registered.layers[0].weight.device.type == device
    # The forgotten layers still run when forward calls them (here on the CPU in float32).
    assert model(torch.zeros(1, 2)).shape == (1, 2)


# print(model) ---------------------------------------------------------------------------------


@pytest.mark.claim("modules.repr.shows-structure")
def test_notes_004_and_003_networks_print_their_layers():
    with seeded():
        network, net2, lenet = Network(), Net2(), LeNet()
    assert repr(network).splitlines() == [
        "Network(",
        f"  (conv1): {conv_line(1, 6, 5)}",
        f"  (conv2): {conv_line(6, 12, 5)}",
        f"  (fc1): {linear_line(12 * 4 * 4, 120)}",
        f"  (fc2): {linear_line(120, 60)}",
        f"  (out): {linear_line(60, 10)}",
        ")",
    ]
    assert repr(net2).splitlines() == [
        "Net2(",
        "  (block): Sequential(",
        f"    (0): {conv_line(1, 20, 5)}",
        "    (1): ReLU()",
        f"    (2): {conv_line(20, 64, 5)}",
        "    (3): ReLU()",
        "  )",
        ")",
    ]
    pool = "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    assert repr(lenet).splitlines() == [
        "LeNet(",
        "  (conv_block): Sequential(",
        f"    (0): {conv_line(3, 16, 5)}",
        "    (1): ReLU(inplace=True)",
        f"    (2): {pool}",
        f"    (3): {conv_line(16, 32, 5)}",
        "    (4): ReLU(inplace=True)",
        f"    (5): {pool}",
        "  )",
        "  (classifier): Sequential(",
        f"    (0): {linear_line(32 * 5 * 5, 120)}",
        "    (1): ReLU(inplace=True)",
        f"    (2): {linear_line(120, 84)}",
        "    (3): ReLU(inplace=True)",
        f"    (4): {linear_line(84, 10)}",
        "  )",
        ")",
    ]


@pytest.mark.claim("modules.repr.shows-structure")
@given(
    c_in=st.integers(1, 8),
    c_out=st.integers(1, 8),
    kernel=st.integers(1, 7),
    stride=st.integers(1, 3),
    n_out=st.integers(1, 8),
    bias=st.booleans(),
)
def test_a_layer_prints_its_constructor_settings(device, c_in, c_out, kernel, stride, n_out, bias):
    with seeded():
        model = nn.Sequential(
            nn.Conv2d(c_in, c_out, kernel, stride=stride, device=device),
            nn.Flatten(),
            nn.Linear(c_out, n_out, bias=bias, device=device),
        )
    assert repr(model).splitlines() == [
        "Sequential(",
        f"  (0): {conv_line(c_in, c_out, kernel, stride)}",
        "  (1): Flatten(start_dim=1, end_dim=-1)",
        f"  (2): {linear_line(c_out, n_out, bias)}",
        ")",
    ]


@pytest.mark.claim("modules.repr.shows-structure")
def test_notes_004_first_network_misspells_the_conv_keywords():
    with pytest.raises(TypeError, match="unexpected keyword argument 'in_channel'"):
        nn.Conv2d(in_channel=1, out_channel=6, kernel_size=5)


@pytest.mark.claim("modules.repr.modulelist-folds-repeats")
def test_notes_003_net1_prints_its_two_linears_as_one_line():
    with seeded():
        net1 = Net1()
    repeated = [f"    (0-1): 2 x {linear_line(10, 10)}"]  # torch 2.0 folds equal neighbours
    one_by_one = [f"    (0): {linear_line(10, 10)}", f"    (1): {linear_line(10, 10)}"]
    assert repr(net1).splitlines() == [
        "Net1(",
        "  (linears): ModuleList(",
        *(repeated if torch_version() >= (2, 0) else one_by_one),
        "  )",
        ")",
    ]
    assert [name for name, _ in net1.named_parameters()] == [
        f"linears.{i}.{kind}" for i in (0, 1) for kind in ("weight", "bias")
    ], "the folded elements are still registered one by one"
    assert repr(nn.Sequential(nn.ReLU(), nn.ReLU())).splitlines()[1:3] == [
        "  (0): ReLU()",
        "  (1): ReLU()",
    ], "Sequential folds repeated layers too"


def folded_lines(reprs: list[str]) -> list[str]:
    """A ModuleList's inner lines since torch 2.0: each run of equal reprs on one line."""
    lines, start = [], 0
    while start < len(reprs):
        end = start
        while end + 1 < len(reprs) and reprs[end + 1] == reprs[start]:
            end += 1
        count = end - start + 1
        label = f"({start}): " if count == 1 else f"({start}-{end}): {count} x "
        lines.append(f"  {label}{reprs[start]}")
        start = end + 1
    return lines


@pytest.mark.claim("modules.repr.modulelist-folds-repeats")
@given(widths=st.lists(st.sampled_from([0, 2, 3]), min_size=1, max_size=6))
def test_a_modulelist_folds_each_run_of_equal_modules(device, widths):
    # 0 stands for a ReLU, n for a Linear(n, n): equal widths give equal reprs
    with seeded():
        modules = [nn.ReLU() if n == 0 else nn.Linear(n, n, device=device) for n in widths]
    reprs = [repr(module) for module in modules]
    one_each = [f"  ({i}): {text}" for i, text in enumerate(reprs)]
    expected = folded_lines(reprs) if torch_version() >= (2, 0) else one_each
    assert repr(nn.ModuleList(modules)).splitlines() == ["ModuleList(", *expected, ")"], widths
    assert repr(nn.Sequential(*modules)).splitlines() == ["Sequential(", *one_each, ")"], widths


@pytest.mark.claim("modules.repr.override")
@given(text=st.text(alphabet="abcdefghijklmnopqrstuvwxyz _=0123456789", min_size=1))
@example(text="zhuweilin")  # notes 004's override
def test_overriding_repr_or_extra_repr_changes_what_print_shows(text):
    class Renamed(nn.Module):
        def __repr__(self):
            return text

    class Annotated(nn.Module):
        def extra_repr(self):
            return text

    class AnnotatedParent(nn.Module):
        def __init__(self):
            super().__init__()
            self.child = nn.ReLU()

        def extra_repr(self):
            return text

    assert repr(Renamed()) == text
    assert str(Renamed()) == text, "print(module) does not show the overridden __repr__"
    assert repr(nn.Sequential(Renamed())).splitlines() == ["Sequential(", f"  (0): {text}", ")"]
    assert repr(Annotated()) == f"Annotated({text})"
    assert repr(AnnotatedParent()).splitlines() == [
        "AnnotatedParent(",
        f"  {text}",
        "  (child): ReLU()",
        ")",
    ]


# Lambda ---------------------------------------------------------------------------------------


@pytest.mark.claim("modules.lambda.inside-sequential")
@given(batch=st.integers(1, 3), pixels=st.integers(0, 2**32 - 1))
@settings(max_examples=examples(1 / 4))  # a convolutional model built, run and differentiated
def test_notes_001_lambda_model_runs_in_order_and_passes_gradients(device, batch, pixels):
    # 784 pixels per image drawn one by one cost hypothesis about 0.1 s an example: it draws a
    # seed, and NumPy expands it into the images (0 to 255, as notes 001's MNIST bytes).
    images = np.random.default_rng(pixels).integers(0, 256, (batch, 784)).astype(np.float32)
    model = notes_001_model().to(device)
    shapes_seen = []
    for layer in model:
        layer.register_forward_hook(lambda m, args, out: shapes_seen.append(tuple(out.shape)))
    x = torch.tensor(images / 255, device=device)
    out = model(x)

    sides = [28]
    for _ in range(3):
        sides.append(conv_side(sides[-1], kernel=3, stride=2, padding=1))
    assert sides == [28, 14, 7, 4]
    pooled = conv_side(sides[-1], kernel=4, stride=4)
    assert shapes_seen == [
        (batch, 1, 28, 28),
        (batch, 16, sides[1], sides[1]),
        (batch, 16, sides[1], sides[1]),
        (batch, 16, sides[2], sides[2]),
        (batch, 16, sides[2], sides[2]),
        (batch, 10, sides[3], sides[3]),
        (batch, 10, sides[3], sides[3]),
        (batch, 10, pooled, pooled),
        (batch, 10),
    ]
    by_hand = x.view(-1, 1, 28, 28)
    for conv in (model[1], model[3], model[5]):
        by_hand = functional.relu(conv(by_hand))
    by_hand = functional.avg_pool2d(by_hand, 4).view(batch, -1)
    # The same kernels both ways: float32's default tolerance on every device.
    torch.testing.assert_close(out, by_hand)

    out.sum().backward()
    for name, parameter in model.named_parameters():
        assert parameter.grad is not None, f"no gradient reached {name} through the Lambdas"


@pytest.mark.claim("modules.lambda.inside-sequential")
def test_a_lambda_adds_no_parameters_and_prints_empty():
    model = notes_001_model()
    assert [name for name, _ in model.named_parameters()] == [
        "1.weight",
        "1.bias",
        "3.weight",
        "3.bias",
        "5.weight",
        "5.bias",
    ]
    assert repr(model).splitlines()[1] == "  (0): Lambda()"
    assert list(Lambda(preprocess).parameters()) == []


# nn.Parameter ---------------------------------------------------------------------------------


@pytest.mark.claim("modules.parameter.tensor-requiring-grad")
@given(
    array=arrays(dtype=st.sampled_from(INEXACT_DTYPES)),  # those a tensor may require grad in
    frozen=st.booleans(),
)
def test_a_parameter_is_a_tensor_that_requires_grad_and_registers(device, array, frozen):
    source = torch.tensor(array, device=device)
    parameter = nn.Parameter(source, requires_grad=not frozen)
    call = f"nn.Parameter(<{array.dtype} {array.shape}>, requires_grad={not frozen})"
    assert isinstance(parameter, torch.Tensor), call
    assert type(parameter) is nn.Parameter, call
    assert parameter.requires_grad is (not frozen), call
    assert nn.Parameter(source).requires_grad, "nn.Parameter(t) does not require grad"
    assert parameter.dtype == source.dtype, call
    assert parameter.device == source.device, call
    assert torch.equal(parameter.detach(), source), call
    if source.numel():
        assert parameter.data_ptr() == source.data_ptr(), f"{call} copied its tensor"
    assert repr(parameter).startswith("Parameter containing:")

    holder = nn.Module()
    holder.weight = parameter
    holder.plain = source
    assert [(n, p) for n, p in holder.named_parameters()] == [("weight", parameter)], call
    assert list(holder.state_dict()) == ["weight"]


@pytest.mark.claim("modules.parameter.tensor-requiring-grad")
def test_a_plain_tensor_cannot_take_a_parameters_place(device):
    with seeded():
        fc = nn.Linear(4, 3)
    fc = fc.to(device)
    with pytest.raises(TypeError) as raised:
        fc.weight = torch.ones(3, 4, device=device)
    message = str(raised.value)
    assert message.startswith("cannot assign '"), message
    assert "as parameter 'weight' (torch.nn.Parameter or None expected)" in message, message


@pytest.mark.claim("modules.parameter.replacing-weight")
def test_notes_004_weights_give_30_40_50(device):
    weight = torch.tensor(NOTES_004_WEIGHT, dtype=torch.float32, device=device)
    x = torch.tensor(NOTES_004_INPUT, dtype=torch.float32, device=device)
    # 1*1+2*2+3*3+4*4 = 30, 2*1+3*2+4*3+5*4 = 40, 3*1+4*2+5*3+6*4 = 50
    expected = [
        sum(w * v for w, v in zip(row, NOTES_004_INPUT, strict=True)) for row in NOTES_004_WEIGHT
    ]
    assert expected == [30, 40, 50]
    assert weight.matmul(x).tolist() == expected
    assert (
        linear(np.array(NOTES_004_INPUT, float), np.array(NOTES_004_WEIGHT, float)).tolist()
        == expected
    )

    with seeded():
        fc = nn.Linear(in_features=4, out_features=3, bias=False)
    fc = fc.to(device)
    # notes 004's code stops here: a new layer, with a new random weight
    assert fc(x).tolist() != expected, "a fresh random Linear gave [30, 40, 50]"
    fc.weight = nn.Parameter(weight)
    assert fc(x).tolist() == expected, "Linear(4, 3, bias=False) with notes 004's weight"

    with seeded():
        fc = nn.Linear(in_features=4, out_features=3)
    fc = fc.to(device)
    fc.weight = nn.Parameter(weight)
    out = fc(x)
    assert all(-0.5 <= b <= 0.5 for b in fc.bias.tolist()), "bias outside U(-1/sqrt(4), ...)"
    assert out.tolist() != expected
    # 30 + b is rounded once to float32, subtracting b may round again: within one float32 ulp.
    torch.testing.assert_close(
        out - fc.bias,
        torch.tensor(expected, dtype=torch.float32, device=device),
        rtol=0,
        atol=FLOAT32_ULP_AT_50,
    )


@pytest.mark.claim("modules.parameter.replacing-weight")
@given(
    data=st.data(),
    n_in=st.integers(1, 5),
    n_out=st.integers(1, 5),
    batch=st.integers(1, 4),
    bias=st.booleans(),
)
def test_a_replaced_weight_and_bias_give_the_reference_linear(
    device, data, n_in, n_out, batch, bias
):
    def integers(shape):
        return data.draw(npst.arrays(np.float32, shape, elements=SMALL.map(float)))

    weight, x = integers((n_out, n_in)), integers((batch, n_in))
    b = integers((n_out,)) if bias else None
    with seeded():
        fc = nn.Linear(n_in, n_out, bias=bias)
    fc = fc.to(device)
    fc.weight = nn.Parameter(torch.tensor(weight, device=device))
    if bias:
        fc.bias = nn.Parameter(torch.tensor(b, device=device))
    got = fc(torch.tensor(x, device=device))
    bias64 = None if b is None else b.astype(np.float64)
    expected = linear(x.astype(np.float64), weight.astype(np.float64), bias64)
    # Small integers: every product and sum is exact in float32, TF32 or not.
    assert got.tolist() == np.asarray(expected).tolist(), (
        f"Linear({n_in}, {n_out}, bias={bias}) with weight {weight.tolist()}, "
        f"bias {None if b is None else b.tolist()} on {x.tolist()}"
    )


@pytest.mark.claim("modules.parameter.adds-no-bias")
def test_notes_004_the_difference_is_the_layers_bias(device):
    weight = torch.tensor(NOTES_004_WEIGHT, dtype=torch.float32, device=device)
    x = torch.tensor(NOTES_004_INPUT, dtype=torch.float32, device=device)
    wrapped = nn.Parameter(weight)
    # notes 004: "because the Parameter adds a bias to the matrix"; it adds nothing
    assert torch.equal(wrapped, weight), "Parameter(weight) changed its values"
    assert wrapped.data_ptr() == weight.data_ptr(), "Parameter(weight) copied its tensor"
    assert wrapped.matmul(x).tolist() == [30.0, 40.0, 50.0], "Parameter(weight).matmul(x)"
    assert functional.linear(x, wrapped).tolist() == [30.0, 40.0, 50.0], "F.linear(x, Parameter)"

    with seeded():
        fc = nn.Linear(in_features=4, out_features=3)
    fc = fc.to(device)
    bias, before = fc.bias, fc.bias.detach().clone()
    fc.weight = wrapped
    assert fc.bias is bias, "assigning fc.weight replaced fc.bias"
    assert torch.equal(fc.bias, before), "assigning fc.weight changed fc.bias"
    assert [name for name, _ in fc.named_parameters()] == ["weight", "bias"]
    assert torch.equal(fc(x), functional.linear(x, wrapped, bias)), "fc(x) is not W x + fc.bias"
    assert fc(x).tolist() != [30.0, 40.0, 50.0], "Linear(4, 3) added no bias"
    with torch.no_grad():
        fc.bias.zero_()
    assert fc(x).tolist() == [30.0, 40.0, 50.0], "a Parameter weight and a zero bias"


@pytest.mark.claim("modules.parameter.adds-no-bias")
@given(
    data=st.data(),
    n_in=st.integers(1, 5),
    n_out=st.integers(1, 5),
    batch=st.integers(1, 4),
)
def test_wrapping_in_a_parameter_changes_no_value(device, data, n_in, n_out, batch):
    def integers(shape):
        return data.draw(npst.arrays(np.float32, shape, elements=SMALL.map(float)))

    weight, x = integers((n_out, n_in)), integers((batch, n_in))
    plain = torch.tensor(weight, device=device)
    wrapped = nn.Parameter(plain)
    inputs = torch.tensor(x, device=device)
    call = f"weight {weight.tolist()} on {x.tolist()}"
    # Small integers: every product and sum is exact in float32, TF32 or not.
    expected = np.asarray(linear(x.astype(np.float64), weight.astype(np.float64))).tolist()
    assert functional.linear(inputs, wrapped).tolist() == expected, f"F.linear, Parameter {call}"
    assert functional.linear(inputs, plain).tolist() == expected, f"F.linear, tensor {call}"

    with seeded():
        fc = nn.Linear(n_in, n_out)
    fc = fc.to(device)
    before = fc.bias.detach().clone()
    fc.weight = wrapped
    assert torch.equal(fc.bias, before), f"assigning fc.weight changed fc.bias, {call}"
    with torch.no_grad():
        fc.bias.zero_()
    assert fc(inputs).tolist() == expected, f"Linear({n_in}, {n_out}), bias zeroed, {call}"
