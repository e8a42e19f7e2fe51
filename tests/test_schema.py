"""The JSON Schema of model files (relsim schema) accepts what the loader accepts and rejects typos."""

from __future__ import annotations

import json
import pathlib

import jsonschema
import pytest
import yaml

import relsim
from relsim.cli import main
from relsim.model.descriptions import DESCRIPTIONS
from relsim.model.jsonschema import model_json_schema

ROOT = pathlib.Path(__file__).parent.parent
MODELS = sorted((ROOT / "models").glob("*.yaml"))


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = model_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _errors(validator, doc) -> list[str]:
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]


@pytest.mark.parametrize("path", MODELS, ids=[p.name for p in MODELS])
def test_every_bundled_model_validates(validator, path):
    assert _errors(validator, yaml.safe_load(path.read_text())) == []


def _model(**failure) -> dict:
    spec = {"kind": "permanent", "every": "exp(mean=1y)", "repair": "lognormal(mean=4h, sd=2h)", **failure}
    return {"components": {"a": {"failures": [spec]}}, "services": {"s": {"replicas": "a"}}}


def test_typo_key_is_rejected(validator):
    doc = _model()
    doc["horizn"] = "1y"
    assert any("horizn" in e for e in _errors(validator, doc))
    doc = _model(repiar="1h")
    assert _errors(validator, doc)


@pytest.mark.parametrize("bad", ["10 hours", "10", "-1h", "1h30", "soon", 3600])
def test_bad_duration_is_rejected(validator, bad):
    doc = _model()
    doc["horizon"] = bad
    assert _errors(validator, doc)
    with pytest.raises(relsim.ModelError):  # the loader agrees
        relsim.load(doc)


@pytest.mark.parametrize("good", ["30s", "250ms", "1.5 d", "1e3h", "10y", 0, "0"])
def test_durations_the_loader_accepts_validate(validator, good):
    doc = _model()
    doc["probe"] = {"interval": good if good not in (0, "0") else "1m", "timeout": good}
    assert _errors(validator, doc) == []
    relsim.load(doc)


@pytest.mark.parametrize("field,value", [
    (("objectives", "availability"), "99.95%"),
    (("objectives", "availability"), 0.999),
    (("objectives", "availability"), "0.9"),
    (("services", "s", "replicas"), ["a"]),
    (("services", "s", "failover", "time"), {"dist": "uniform", "low": "1s", "high": "5s"}),
    (("services", "s", "failover", "time"), "Exponential(rate=2/h)"),
    (("services", "s", "state"), {"size": "50GB", "bandwidth": "1Gb/s"}),
])
def test_value_forms_validate(validator, field, value):
    doc = _model()
    node = doc
    for key in field[:-1]:
        node = node.setdefault(key, {})
    node[field[-1]] = value
    if field[1:2] == ("s",) and field[2] in ("failover", "state"):
        doc["services"]["s"]["mode"] = "active-passive"
    assert _errors(validator, doc) == []
    relsim.load(doc)


def test_flow_style_distributions_split_by_yaml_validate(validator):
    text = "components: {a: {failures: [{kind: transient, every: exp(mean=1y), lasts: uniform(1m, 5m)}]}}\n" \
           "services: {s: {replicas: a}}\n"
    doc = yaml.safe_load(text)
    assert "5m)" in doc["components"]["a"]["failures"][0]  # what an editor sees
    assert _errors(validator, doc) == []
    relsim.loads(text)


def test_bad_distribution_and_fraction_are_rejected(validator):
    assert _errors(validator, _model(every="sometimes"))
    doc = _model()
    doc["objectives"] = {"availability": 1.5}
    assert _errors(validator, doc)


def test_every_key_has_a_description_and_defaults_are_written_as_in_a_file():
    schema = model_json_schema()
    sections = {"ModelSpec": schema, **schema["$defs"]}
    missing = [f"{name}.{key}" for name, section in sections.items()
               for key, prop in section.get("properties", {}).items()
               if key not in DESCRIPTIONS.get(name, {}) or not prop.get("description")]
    assert missing == []
    hc = schema["$defs"]["HealthCheck"]["properties"]
    assert hc["interval"]["default"] == "10s" and hc["unhealthy"]["default"] == 3
    assert schema["properties"]["horizon"]["default"] == "1y"
    assert schema["$defs"]["Failover"]["properties"]["time"]["default"] == "fixed(0)"
    assert schema["$defs"]["Service"]["additionalProperties"] is False


def test_cli_prints_the_schema(capsys, tmp_path):
    assert main(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == model_json_schema()
    out = tmp_path / "relsim.schema.json"
    assert main(["schema", "-o", str(out)]) == 0
    assert json.loads(out.read_text()) == printed


def test_the_repository_copy_is_current_and_an_example_uses_it():
    """relsim.schema.json beside models/ is what relsim schema prints (regenerate:
    ``relsim schema -o relsim.schema.json``), and an example model points editors at it."""
    copy = json.loads((ROOT / "relsim.schema.json").read_text())
    assert copy == model_json_schema(), "relsim.schema.json is stale: run relsim schema -o relsim.schema.json"
    first = (ROOT / "models" / "web-three-zones.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../relsim.schema.json"
