"""Each common wrong reading of the profile's text and count rules fails the corpus.

The broken IUTs are the reference with one rule read leniently
(``tests/broken_iuts/``); each must fail exactly the case that pins that rule
in ``spec/v1/prose/encoding.md``, and pass every other ``wire`` case, so the
test also says what each case is for.
"""

import pytest
from broken_iuts import kit

from conformance.runner import DEFAULT_TRACES, run_corpus
from conformance.subprocess_adapter import SubprocessAdapter

VARIANTS = {
    "count_text_bytes": "wire/envelope/type-multibyte-within-bound-001",
    "pattern_first": "wire/envelope/type-too-long-and-bad-001",
    "dollar_newline": "wire/envelope/protocol-trailing-newline-001",
    "strip_bom": "wire/codec/protocol-leading-bom-001",
    "one_byte_per_pair": "wire/codec/map-count-two-bytes-per-entry-001",
}


@pytest.mark.parametrize(("script", "pinning_case"), sorted(VARIANTS.items()))
def test_a_lenient_reading_fails_exactly_the_case_that_pins_it(
    script: str, pinning_case: str
) -> None:
    with SubprocessAdapter(kit.script(script), step_timeout=10) as impl:
        outcome = run_corpus(impl, DEFAULT_TRACES, protocols=("wire",))
    failed = [r.case_id for r in outcome.results if r.verdict == "fail"]
    assert failed == [pinning_case]
    assert outcome.count("pass") > 100


def test_the_pinning_cases_are_named_in_the_prose() -> None:
    prose = (DEFAULT_TRACES.parents[2] / "spec" / "v1" / "prose" / "encoding.md").read_text()
    for case_id in VARIANTS.values():
        assert f"`{case_id}`" in prose, case_id
