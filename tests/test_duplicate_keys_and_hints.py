"""Input mistakes a newcomer makes: keys written twice, misspelt choices, fractions above 1.

Each is reported like any other problem: file, line, dotted path, the rule,
and a suggestion where one can be made (docs/model-format.md §15).
"""

from __future__ import annotations

import textwrap

import pytest

import relsim
from relsim import ModelError

TWO_DB1 = textwrap.dedent("""\
    name: dup
    components:
      db-1:
        failures: [{kind: permanent, every: exp(mean=1y), repair: fixed(1h)}]
      db-2:
        failures: [{kind: permanent, every: exp(mean=1y), repair: fixed(1h)}]
      db-1:
        failures: [{kind: permanent, every: exp(mean=2y), repair: fixed(2h)}]
    services:
      db: {mode: active-passive, replicas: [db-1, db-2]}
    """)


def test_two_components_with_one_name_are_reported_with_both_lines(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text(TWO_DB1)
    with pytest.raises(ModelError, match=r"dup\.yaml:7 components\.db-1: duplicate key 'db-1': also on line 3") as exc:
        relsim.load(path)
    assert len(exc.value.problems) == 1


def test_a_failure_spec_with_two_every_is_reported():
    text = textwrap.dedent("""\
        name: dup
        components:
          a:
            failures:
              - kind: transient
                every: exp(mean=1y)
                lasts: fixed(1h)
                every: exp(mean=2y)
        services:
          s: {replicas: [a]}
        """)
    with pytest.raises(ModelError, match=r":8 components\.a\.failures\[0\]\.every: duplicate key 'every': also on line 6"):
        relsim.loads(text)


def test_duplicates_come_with_the_other_problems_in_line_order():
    text = TWO_DB1.replace("replicas: [db-1, db-2]", "replicas: [db-1, db-3]")
    with pytest.raises(ModelError) as exc:
        relsim.loads(text)
    lines = [p.line for p in exc.value.problems]
    assert lines == [7, 10]
    assert "unknown replica 'db-3'" in str(exc.value)


def test_a_merge_may_override_keys_it_brings_in():
    text = textwrap.dedent("""\
        name: merge
        x-base: &base {kind: transient, every: exp(mean=1y), lasts: fixed(1h)}
        components:
          a:
            failures:
              - <<: *base
                every: exp(mean=2y)
        services:
          s: {replicas: [a]}
        """)
    # x-base is not a section: the only complaint is that unknown key, not a duplicate.
    with pytest.raises(ModelError) as exc:
        relsim.loads(text)
    assert "duplicate" not in str(exc.value)


def test_the_same_key_in_different_mappings_is_fine():
    relsim.loads(TWO_DB1.replace("  db-1:\n    failures: [{kind: permanent, every: exp(mean=2y)",
                                 "  db-3:\n    failures: [{kind: permanent, every: exp(mean=2y)"))


@pytest.mark.parametrize(("line", "pattern"), [
    ("a: {failures: [{kind: permanant, every: exp(mean=1y), repair: fixed(1h)}]}",
     r"failure kind must be one of .*got 'permanant' \(did you mean 'permanent'\?\)"),
    ("a: {failures: [{kind: Transient, every: exp(mean=1y), lasts: fixed(1h)}]}",
     r"got 'Transient' \(did you mean 'transient'\?\)"),
])
def test_misspelt_failure_kind_gets_a_suggestion(line, pattern):
    text = f"name: k\ncomponents:\n  {line}\nservices:\n  s: {{replicas: [a]}}\n"
    with pytest.raises(ModelError, match=pattern):
        relsim.loads(text)


def test_misspelt_service_mode_gets_a_suggestion():
    text = ("name: k\ncomponents:\n  a: {failures: [{kind: permanent, every: exp(mean=1y), repair: fixed(1h)}]}\n"
            "services:\n  s: {replicas: [a], mode: activ-passive}\n")
    with pytest.raises(ModelError, match=r":5 services\.s\.mode: must be one of .*got 'activ-passive' "
                                         r"\(did you mean 'active-passive'\?\)"):
        relsim.loads(text)


def test_a_value_far_from_every_choice_gets_no_guess():
    text = ("name: k\ncomponents:\n  a: {failures: [{kind: permanent, every: exp(mean=1y), repair: fixed(1h)}]}\n"
            "services:\n  s: {replicas: [a], mode: zzz}\n")
    with pytest.raises(ModelError) as exc:
        relsim.loads(text)
    assert "did you mean" not in str(exc.value)


def test_availability_above_one_says_how_fractions_are_written():
    text = ("name: k\ncomponents:\n  a: {failures: [{kind: permanent, every: exp(mean=1y), repair: fixed(1h)}]}\n"
            "services:\n  s: {replicas: [a]}\nobjectives:\n  availability: 1.5\n")
    with pytest.raises(ModelError, match=r":7 objectives\.availability: fraction must be between 0 and 1 .*got 1\.5; "
                                         r"write it as a number such as 0\.9995 or a percentage such as 99\.95%") as exc:
        relsim.loads(text)
    assert "1.5%" not in str(exc.value)


def test_a_whole_percentage_without_the_sign_is_still_recognised():
    text = ("name: k\ncomponents:\n  a: {failures: [{kind: permanent, every: exp(mean=1y), repair: fixed(1h)}]}\n"
            "services:\n  s: {replicas: [a]}\nobjectives:\n  availability: 99.9\n")
    with pytest.raises(ModelError, match=r"got 99\.9; did you mean 99\.9%\?"):
        relsim.loads(text)
