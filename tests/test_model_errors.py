"""Bad model input: every problem at once, each with file, line and dotted path."""

from __future__ import annotations

import pickle
import textwrap

import pytest
from pydantic import ValidationError

import relsim
from relsim import ModelError

GOOD = {
    "name": "ok",
    "components": {
        "a": {"failures": [{"kind": "permanent", "every": "exp(mean=1000h)", "repair": "exp(mean=10h)"}]},
        "b": {"failures": [{"kind": "transient", "every": "exp(mean=30d)", "lasts": "fixed(5m)"}]},
    },
    "services": {"svc": {"replicas": ["a", "b"], "needs": 1}},
}

BAD = textwrap.dedent("""\
    name: bad
    horizon: 10
    repair_crew: 1
    domains:
      z1: {kind: zone, failures: [{kind: permanant, every: exp(mean=1y)}]}
    components:
      db-1: {in: z2, failures: [{kind: permanent, every: exp(mean=1000h), reapir: exp(mean=10h)}]}
      db-2: {in: z1, failures: [{kind: transient, every: wiebull(shape=2, mean=1y), lasts: 5m}]}
    services:
      db: {replicas: [db-1, db-3], mode: active-passive, needs: 2}
      web: {replicas: [db], depends_on: [dbb]}
    entry: web
    """)


def _problems(tmp_path, text: str) -> list[str]:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ModelError) as info:
        relsim.load(path)
    return [str(p) for p in info.value.problems]


def test_every_problem_reported_at_once_with_file_line_and_path(tmp_path):
    problems = _problems(tmp_path, BAD)
    f = str(tmp_path / "bad.yaml")
    expected = [
        f"{f}:2 horizon: ",
        f"{f}:3 repair_crew: unknown key 'repair_crew' (did you mean 'repair_crews'?)",
        f"{f}:5 domains.z1.failures[0].kind: failure kind must be one of",
        f"{f}:7 components.db-1.failures[0].reapir: unknown key 'reapir' (did you mean 'repair'?)",
        f"{f}:7 components.db-1.failures[0].repair: missing required key 'repair'",
        f"{f}:7 components.db-1.in: unknown domain 'z2'",
        f"{f}:8 components.db-2.failures[0].every: unknown distribution 'wiebull'",
        f"{f}:8 components.db-2.failures[0].lasts: ",
        f"{f}:10 services.db.needs: 'needs' does not apply to active-passive",
        f"{f}:10 services.db.replicas[1]: unknown replica 'db-3' (did you mean 'db-2'?)",
        f"{f}:11 services.web.depends_on[0]: unknown dependency 'dbb' (did you mean 'db'?)",
    ]
    for start in expected:
        assert any(p.startswith(start) for p in problems), (start, problems)


def test_model_error_is_a_value_error():
    with pytest.raises(ValueError):
        relsim.load({"name": "x"})


@pytest.mark.parametrize(
    ("patch", "pattern"),
    [
        ({"services": {"svc": {"replicas": ["a", "b"], "needs": 3}}},
         r"services\.svc\.needs: needs \(=3\) must be <= number of replicas \(2\)"),
        ({"services": {"svc": {"replicas": ["a"], "mode": "quorm"}}},
         r"services\.svc\.mode: must be one of .*got 'quorm'"),
        ({"services": {"svc": {"replicas": ["a"], "standby": "cold"}}},
         r"services\.svc\.standby: 'standby' applies only to mode: active-passive"),
        ({"services": {"svc": {"replicas": ["a", "b"], "mode": "active-passive", "standby": "warm"}}},
         r"standby: warm needs 'startup'"),
        ({"services": {"svc": {"replicas": ["a", "t"]}, "t": {"replicas": ["svc"]}}},
         r"services form a cycle"),
        ({"entry": "nope"}, r"entry: unknown service 'nope'"),
        ({"horizon": "-1h"}, r"horizon: .*>= 0"),
        ({"repair_crews": 0}, r"repair_crews: "),
        ({"components": {"a": {"count": 2, "spread": ["zz"]}}}, r"components\.a\.spread\[0\]: unknown domain 'zz'"),
        # a link names its two domains: one problem for the list, not "missing required key '1'"
        ({"links": {"l": {"between": ["za"]}}}, r"(?m)^<dict> links\.l\.between: needs 2 items, got 1$"),
        ({"links": {"l": {"between": []}}}, r"^<dict> links\.l\.between: needs 2 items, got 0$"),
    ],
)
def test_rule_messages(patch, pattern):
    with pytest.raises(ModelError, match=pattern):
        relsim.load({**GOOD, **patch})


def test_invalid_yaml_names_the_line(tmp_path):
    problems = _problems(tmp_path, "name: x\nservices: [\n  - a: b\n  c\n")
    assert ":4 " in problems[0] or ":3 " in problems[0]
    assert "invalid YAML" in problems[0]


def test_missing_file_is_a_model_error(tmp_path):
    with pytest.raises(ModelError, match="cannot read model file"):
        relsim.load(tmp_path / "nope.yaml")


def test_flow_style_distributions_are_rejoined(tmp_path):
    text = textwrap.dedent("""\
        components:
          a: {failures: [{kind: transient, every: weibull(shape=1.5, mean=1y), lasts: uniform(1m, 5m)}]}
        services:
          s: {replicas: [a]}
        """)
    path = tmp_path / "flow.yaml"
    path.write_text(text)
    m = relsim.load(path)
    spec = m.components["a"].failures[0]
    assert repr(spec.every) == "Weibull(shape=1.5, mean=1y)"
    assert repr(spec.lasts) == "Uniform(1m, 5m)"
    assert m.name == "flow"  # defaults to the file stem


def test_service_and_group_may_share_a_name():
    m = relsim.load({
        "components": {"web": {"count": 3, "failures": []}},
        "services": {"web": {"replicas": ["web"], "needs": 2}},
    })
    assert m.replicas_of("web") == [("component", "web-1"), ("component", "web-2"), ("component", "web-3")]
    assert m.entry == "web"


def test_overrides_give_a_new_validated_model():
    m = relsim.load(GOOD)
    m2 = m.with_overrides({"services.svc.needs": 2, "components.a.failures[0].repair": "fixed(1h)"})
    assert m.spec.services["svc"].needs == 1
    assert m2.spec.services["svc"].needs == 2
    assert repr(m2.components["a"].failures[0].repair) == "Fixed(1h)"
    with pytest.raises(ModelError, match="needs"):
        m.with_overrides({"services.svc.needs": 5})


def test_models_are_picklable_and_frozen():
    m = relsim.load(GOOD)
    assert pickle.loads(pickle.dumps(m)) == m
    with pytest.raises(ValidationError, match="frozen"):
        m.spec.horizon = 5.0  # type: ignore[misc]
