"""Spec, tests and reference stay tied together, and each rule's checker catches a breach."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness.claims import load_claims, parse_claims
from tests.harness.traceability import (
    broken_references,
    find_claim_markers,
    malformed_claims,
    python_files,
    unknown_markers,
    unlisted_spec_files,
    untested_claims,
)

REPO = Path(__file__).resolve().parents[2]
SPEC, TESTS = REPO / "spec", REPO / "tests"


@pytest.fixture(scope="module")
def claims():
    return load_claims(SPEC)


@pytest.fixture(scope="module")
def markers():
    return find_claim_markers(python_files(TESTS))


# The rules, on this repository ------------------------------------------------------------------


def test_the_spec_has_claims(claims):
    assert len(claims) >= 10, [claim.id for claim in claims]


def test_every_claim_is_well_formed(claims):
    assert malformed_claims(claims) == []


def test_every_claim_has_a_test(claims, markers):
    assert untested_claims(claims, markers) == []


def test_every_claim_marker_names_a_claim(claims, markers):
    assert unknown_markers(claims, markers) == []


def test_every_reference_imports(claims):
    assert broken_references(claims) == []


def test_every_spec_file_is_listed_in_the_index():
    assert unlisted_spec_files(SPEC) == []


# Each checker fails on a broken example ---------------------------------------------------------

GOOD_CLAIM = """\
### `demo.topic.good` — a well-formed claim

- **Taught:** something
- **Verdict:** holds
- **Precisely:** exactly this
- **Devices:** cpu, cuda
- **Reference:** `reference.memory.shares_memory`
"""


def claims_from(text: str, name: str = "demo.md"):
    return parse_claims(text, Path(name))


def markers_from(tmp_path: Path, source: str):
    test_file = tmp_path / "test_demo.py"
    test_file.write_text(source, encoding="utf-8")
    return find_claim_markers([test_file])


def test_a_good_claim_passes_every_checker(tmp_path):
    claims = claims_from(GOOD_CLAIM)
    markers = markers_from(
        tmp_path, "import pytest\n@pytest.mark.claim('demo.topic.good')\ndef test_x(): pass\n"
    )
    assert [claim.id for claim in claims] == ["demo.topic.good"]
    assert claims[0].devices == ("cpu", "cuda")
    assert malformed_claims(claims) == []
    assert untested_claims(claims, markers) == []
    assert unknown_markers(claims, markers) == []
    assert broken_references(claims) == []


def test_a_claim_without_a_test_is_reported(tmp_path):
    markers = markers_from(tmp_path, "def test_x(): pass\n")
    [problem] = untested_claims(claims_from(GOOD_CLAIM), markers)
    assert "`demo.topic.good` has no test" in problem


@pytest.mark.parametrize(
    "decorator",
    ["@pytest.mark.claim('demo.no.such')", "@mark.claim('demo.topic.good', 'demo.no.such')"],
)
def test_a_marker_naming_no_claim_is_reported(tmp_path, decorator):
    source = f"import pytest\nfrom pytest import mark\n{decorator}\ndef test_x(): pass\n"
    [problem] = unknown_markers(claims_from(GOOD_CLAIM), markers_from(tmp_path, source))
    assert "`demo.no.such`, which no spec file claims" in problem


def test_a_marker_with_a_computed_id_is_reported(tmp_path):
    source = 'import pytest\nID = "demo.topic.good"\n@pytest.mark.claim(ID)\ndef test_x(): pass\n'
    [problem] = unknown_markers(claims_from(GOOD_CLAIM), markers_from(tmp_path, source))
    assert "must be string literals" in problem


@pytest.mark.parametrize(
    ("reference", "complaint"),
    [
        ("`reference.memory.no_such_function`", "reference.memory has no no_such_function"),
        ("`reference.no_such_module.f`", "reference has no no_such_module.f"),
        ("`no_such_package.f`", "No module named 'no_such_package'"),
    ],
)
def test_a_reference_that_does_not_import_is_reported(reference, complaint):
    text = GOOD_CLAIM.replace("`reference.memory.shares_memory`", reference)
    [problem] = broken_references(claims_from(text))
    assert complaint in problem


def test_a_spec_file_missing_from_the_index_is_reported(tmp_path):
    (tmp_path / "demo.md").write_text(GOOD_CLAIM, encoding="utf-8")
    (tmp_path / "README.md").write_text("# The spec\n\nNo areas yet.\n", encoding="utf-8")
    [problem] = unlisted_spec_files(tmp_path)
    assert "spec/demo.md is not linked" in problem
    (tmp_path / "README.md").write_text("| [demo.md](demo.md) |\n", encoding="utf-8")
    assert unlisted_spec_files(tmp_path) == []


@pytest.mark.parametrize(
    ("broken", "complaint"),
    [
        (("`demo.topic.good`", "`Demo.Topic`"), "lower-case and dotted"),
        (("`demo.topic.good`", "`other.topic.good`"), "belongs in other.md"),
        (("— a well-formed claim", ""), "no title"),
        (("**Verdict:** holds", "**Verdict:** mostly"), "Verdict 'mostly'"),
        (
            ("**Verdict:** holds", "**Verdict:** changed in torch two"),
            "Verdict 'changed in torch two'",
        ),
        (("**Devices:** cpu, cuda", "**Devices:** cpu, tpu"), "Devices must list"),
        (("- **Devices:** cpu, cuda\n", ""), "Devices must list"),
        (("- **Reference:** `reference.memory.shares_memory`\n", ""), "no Reference line"),
        (
            ("- **Devices:** cpu, cuda\n", "- **Devices:** cpu, cuda\n- **Releases:** 2.12 on\n"),
            "the Releases line must start with 'torch X.Y: '",
        ),
    ],
)
def test_a_malformed_claim_is_reported(broken, complaint):
    [problem] = malformed_claims(claims_from(GOOD_CLAIM.replace(*broken)))
    assert complaint in problem


def test_a_reference_of_none_names_no_oracle():
    text = GOOD_CLAIM.replace("`reference.memory.shares_memory`", "none: compares with `np.astype`")
    assert claims_from(text)[0].references == ()
    assert broken_references(claims_from(text)) == []


def test_a_claim_made_twice_is_reported():
    [problem] = malformed_claims(claims_from(GOOD_CLAIM + "\n" + GOOD_CLAIM))
    assert "`demo.topic.good` is claimed 2 times" in problem


def test_headings_inside_code_fences_are_examples_not_claims():
    text = "````markdown\n" + GOOD_CLAIM + "````\n"
    assert claims_from(text) == []
