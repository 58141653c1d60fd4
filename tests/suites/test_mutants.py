"""The generated matrix, sampled: mutants (operators applied across keys and endpoints, outside
the simulator's model) are each caught by the check and on the key they declare, and allowed
variants (what the specification and its standards leave open, combined pairwise) conform.
The whole matrix is ``ccrest selfcheck --matrix --variants``; CI runs a fixed sample of it:
every ``EVERY``-th mutant and the first of each operator, every ``VARIANT_EVERY``-th variant.
"""

from __future__ import annotations

import itertools
from collections import Counter

import pytest

from ccrest.mutate import generate, sample, variants
from ccrest.mutate.matrix import run_mutant, run_through, run_variant
from ccrest.spec import catalogue

EVERY = 20
VARIANT_EVERY = 12
CAT = catalogue()
MUTANTS = generate(CAT)
VARIANTS = variants.generate(CAT)
SAMPLE = [m for m in sample(MUTANTS, EVERY) if not m.equivalent]
VARIANT_SAMPLE = VARIANTS[::VARIANT_EVERY]


def test_the_generator_makes_hundreds_of_mutants_each_declaring_its_catch() -> None:
    live = [m for m in MUTANTS if not m.equivalent]
    assert len(live) >= 300
    assert len({m.name for m in MUTANTS}) == len(MUTANTS)
    for m in MUTANTS:
        assert bool(m.catches) != bool(m.equivalent), f"{m.name}: a catch or a reason, not both"
        for check, key in m.catches:
            assert check in CAT.checks, f"{m.name} names {check}, which is not in checks.json"
            assert key == "-" or key in CAT or key.endswith("_value"), (m.name, key)


def test_per_key_operators_reach_every_documented_key() -> None:
    """The operators read their keys from the catalogue: each one that applies to every key
    reaches all 41 (a key added to schemas/ gets its mutants without a line of code)."""
    reached: dict[str, set[str]] = {}
    for m in MUTANTS:
        reached.setdefault(m.operator, set()).add(m.target)
    everywhere = [op for op, keys in reached.items() if set(CAT.keys) <= keys]
    assert {"missing", "renamed", "duplicated", "per-key-404", "open-without-credentials"} <= set(
        everywhere
    )


def test_the_sample_has_every_operator() -> None:
    operators = {m.operator for m in MUTANTS if not m.equivalent}
    assert {m.operator for m in SAMPLE} == operators


@pytest.mark.parametrize("mutant", SAMPLE, ids=[m.name for m in SAMPLE])
def test_a_generated_mutant_is_caught_on_its_key(mutant) -> None:
    result = run_mutant(mutant)
    assert result.killed, (
        f"{mutant.description}: verdict {result.verdict}; not caught by "
        f"{result.missed}; what failed: {result.failing}"
    )


def test_the_variants_cover_every_pair_of_choices() -> None:
    """Every two choices of two dimensions meet in some variant (unless they cannot meet)."""
    met = set()
    for v in VARIANTS:
        c = variants.chosen(v)
        met |= {(a, c[a], b, c[b]) for a, b in itertools.combinations(sorted(c), 2)}
    wanted = variants.pairs_to_cover()
    assert len(wanted) > 500 and sorted(wanted - met) == []
    assert len(VARIANTS) >= 100
    assert Counter(v.name for v in VARIANTS).most_common(1)[0][1] == 1


@pytest.mark.parametrize("variant", VARIANT_SAMPLE, ids=[v.name for v in VARIANT_SAMPLE])
def test_an_allowed_variant_conforms(variant) -> None:
    result = run_variant(variant)
    assert result.verdict == "conforms", f"{variant.description}: {result.failing}"


# answers the specification leaves open, each alone on the reference device (the sample above
# meets them only now and then): a refusal, a refused write, a per-key body
ANSWERS = [c for d in ("refusal", "writes", "per-key") for c in variants.DIMENSIONS[d] if c.pieces]


@pytest.mark.parametrize("choice", ANSWERS, ids=[c.name for c in ANSWERS])
def test_an_answer_the_specification_leaves_open_conforms(choice: variants.Choice) -> None:
    """403 or 404 for a request refused (RFC 9110 15.5.4, 15.5.5), 501 for a write (15.6.2),
    KEY:value from /rest/<KEY> (section 4's 'key/value pairs'): never a failure."""
    summary = run_through(choice.pieces)
    assert (summary["verdict"], summary["run"]["exit_status"]) == ("conforms", 0), (
        f"{choice.why}: {summary['verdict_reason']}"
    )
