"""The version matrix: the suite on every torch the package supports, one claims report each.

    nox -s matrix                      every pair below, then the claims x releases report
    nox -s "matrix(torch='2.6')"       one pair (its report joins the others in reports/matrix/)
    nox -s neighbour                   every minor release, to find where a behaviour changed:
    nox -s "neighbour(torch='2.12')" -- tests/test_tensors.py -k subtraction
    nox -s matrix_report               the report again, from the claims reports present
    nox -s mutation                    mutation testing of reference/ against its self-checks

nox's uv backend installs a pair in seconds; the environments are kept between runs
(`.nox/`), so a second run installs nothing. Arguments after `--` go to pytest.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import nox

if sys.version_info >= (3, 11):
    import tomllib
else:  # nox itself depends on tomli before 3.11
    import tomli as tomllib

nox.options.default_venv_backend = "uv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["matrix"]

ROOT = Path(__file__).parent
REPORTS = ROOT / "reports" / "matrix"


@dataclass(frozen=True)
class Pair:
    torch: str
    torchvision: str
    numpy: str  # the requirement this pair is installed with
    why: str = ""  # why the matrix runs it; a pair without a reason is a neighbour only
    unpinned: tuple[str, ...] = ()  # test tools whose pin this pair's NumPy cannot take

    @property
    def minor(self) -> str:
        return ".".join(self.torch.split(".")[:2])


# Every minor release from the floor (pyproject.toml) to the pin (constraints.txt), with the
# torchvision built for it; the floor runs at NumPy's floor too. torch wheels before 2.3 were
# built against NumPy 1.x and cannot load NumPy 2, and NumPy >= 2.3 breaks torch < 2.9 on NumPy
# bool scalars (spec/numpy.md), so the older pairs take the NumPy of their day, except the one
# pair that runs the breaking pairing, as pip would install it. The matrix runs the pairs with a
# reason: together they hold a release on each side of every change the spec names (the matrix
# report names a stretch between two changes that no pair ran).
RELEASES = (
    Pair(
        "2.1.2",
        "0.16.2",
        "numpy==1.24.4",
        "the floor, with NumPy's floor",
        unpinned=("matplotlib",),  # 3.11 needs NumPy 1.25
    ),
    Pair("2.2.2", "0.17.2", "numpy<2"),
    Pair("2.3.1", "0.18.1", "numpy<2.3", "DistNetworkError (2.2) before the libuv TCPStore (2.4)"),
    Pair("2.4.1", "0.19.1", "numpy<2.3", "add_safe_globals (2.4) before safe_globals (2.5)"),
    Pair("2.5.1", "0.20.1", "numpy<2.3", "torch.load's errors unwrapped (2.5), before 2.6"),
    Pair("2.6.0", "0.21.0", "numpy<2.3", "torch.load's weights_only became True"),
    Pair("2.7.1", "0.22.1", "numpy<2.3"),
    Pair("2.8.0", "0.23.0", "numpy>=2.3", "the last torch that NumPy >= 2.3 breaks"),
    Pair("2.9.1", "0.24.1", "numpy"),
    Pair("2.10.0", "0.25.0", "numpy", "the one release whose TensorDataset checks no sizes"),
    Pair("2.11.0", "0.26.0", "numpy", "what the GPU machine has"),
    Pair("2.12.1", "0.27.1", "numpy"),
    Pair("2.13.0", "0.28.0", "numpy"),
    Pair("2.14.1", "0.29.1", "numpy"),
    Pair("2.15.0", "0.29.2", "numpy", "the pin of the quick start"),
)
MATRIX = tuple(pair for pair in RELEASES if pair.why)
BY_MINOR = {pair.minor: pair for pair in RELEASES}


def tool_pins(pair: Pair) -> list[str]:
    """The pins of constraints.txt for the packages of the `test` extra, so that every pair
    runs the same pytest, hypothesis and sybil (torch's own dependencies follow the pair)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wanted = {
        _name(requirement) for requirement in project["project"]["optional-dependencies"]["test"]
    } - set(pair.unpinned)
    pins = (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
    return [pin for pin in pins if "==" in pin and _name(pin) in wanted]


def _name(requirement: str) -> str:
    for separator in "<>=!~[; ":
        requirement = requirement.split(separator, 1)[0]
    return requirement.strip().lower().replace("_", "-")


def install(session: nox.Session, pair: Pair) -> None:
    # Compiled once here, torch's modules are not compiled again by every process that imports
    # them (pytest's workers, the spawned ranks), as they would be where bytecode is not written.
    session.install(
        "--compile-bytecode",
        "-e",
        ".[test]",
        f"torch=={pair.torch}",
        f"torchvision=={pair.torchvision}",
        pair.numpy,
        *tool_pins(pair),
    )


@nox.session
@nox.parametrize("torch", [pair.minor for pair in MATRIX])
def matrix(session: nox.Session, torch: str) -> None:
    """The whole suite on one pair, with its claims report in reports/matrix/TORCH.json."""
    install(session, BY_MINOR[torch])
    REPORTS.mkdir(parents=True, exist_ok=True)
    session.notify("matrix_report")
    session.run("pytest", "-n", "auto", f"--claims-report={REPORTS / torch}.json", *session.posargs)


@nox.session
@nox.parametrize("torch", [pair.minor for pair in RELEASES])
def neighbour(session: nox.Session, torch: str) -> None:
    """The suite, or the tests named after `--`, on any minor release: where did it change?"""
    install(session, BY_MINOR[torch])
    session.run("pytest", "-n", "auto", "-p", "no:cacheprovider", *session.posargs)


@nox.session(venv_backend="none")
def matrix_report(session: nox.Session) -> None:
    """reports/matrix/matrix.md and .json from the claims reports of the pairs that ran."""
    reports = sorted(str(path) for path in REPORTS.glob("*.json") if path.stem != "matrix")
    session.run(
        sys.executable, "-m", "tests.harness.matrix_report", *reports, "--out", str(REPORTS)
    )


@nox.session
def mutation(session: nox.Session) -> None:
    """Mutation testing of the oracles: each mutant of reference/ against the self-checks
    (pyproject.toml's [tool.mutmut]), then a table per module; fails while a survivor that
    changes behaviour is left. Not in CI: some 3,500 mutants. Arguments after `--` select
    mutants, e.g. `nox -s mutation -- "reference.promotion*"`."""
    install(session, RELEASES[-1])
    session.install("mutmut==3.8.1")
    shutil.rmtree(ROOT / "mutants", ignore_errors=True)  # mutmut keeps results a test change voids
    session.run("mutmut", "run", *session.posargs, silent=True)
    session.run("python", "-m", "tests.harness.mutation_report")
