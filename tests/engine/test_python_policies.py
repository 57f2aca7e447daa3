"""Python policies: `@rule` functions behind the PolicyEngine protocol."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from sovlint.engine import CombinedEngine, PolicyError
from sovlint.engine.python import PythonEngine
from sovlint.engine.rego import RegoEngine
from sovlint.policy import Violation, rule
from sovlint.resources import builtin_policies_dir

MODULE = '''
from sovlint.policy import Violation, rule


@rule(id="ACME010", title="health stores name an owner", severity="low",
      description="Every store of health data names the team that answers for it.",
      remediation="add an owner tag")
def owner_label(resource):
    labels = resource["labels"]
    if labels.get("data-classification") == "health" and "owner" not in labels:
        yield f"{resource['address']} has no owner"


@rule(id="ACME011", title="at most one provider", severity="medium", scope="model")
def one_provider(document):
    providers = sorted({r["provider"]["id"] for r in document["resources"]})
    if len(providers) > 1:
        yield Violation(f"resources on {len(providers)} providers: {', '.join(providers)}")
'''


def resource(address: str, provider: str = "aws", **labels: str) -> dict[str, Any]:
    return {"address": address, "source": {"file": "main.tf", "line": 3, "end_line": 9},
            "provider": {"id": provider}, "labels": labels, "flows": []}


def document(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"resources": list(resources), "errors": [], "config": {}}


def write(tmp_path: Path, text: str, name: str = "acme_rules.py") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_rules_of_a_python_file_and_their_metadata(tmp_path: Path) -> None:
    engine = PythonEngine([str(write(tmp_path, MODULE))])

    rules = engine.rules()
    assert sorted(rules) == ["ACME010", "ACME011"]
    owner = rules["ACME010"]
    assert (owner.name, owner.title, owner.severity, owner.remediation, owner.line) == (
        "health-stores-name-an-owner", "health stores name an owner", "low",
        "add an owner tag", 5)
    assert owner.file.endswith("acme_rules.py")


def test_resource_rule_reports_the_resource_it_was_given(tmp_path: Path) -> None:
    engine = PythonEngine([str(write(tmp_path, MODULE))])

    denies = engine.evaluate(document(
        resource("aws_s3_bucket.records", **{"data-classification": "health"}),
        resource("aws_s3_bucket.owned", **{"data-classification": "health", "owner": "dpo"}),
    ))

    assert [(d.rule_id, d.resource, d.file, d.message) for d in denies] == [
        ("ACME010", "aws_s3_bucket.records", "main.tf", "aws_s3_bucket.records has no owner")]


def test_model_rule_sees_the_whole_input(tmp_path: Path) -> None:
    engine = PythonEngine([str(write(tmp_path, MODULE))])

    denies = engine.evaluate(document(resource("a.x"), resource("b.y", provider="ovh")))

    assert [(d.rule_id, d.resource, d.message) for d in denies] == [
        ("ACME011", None, "resources on 2 providers: aws, ovh")]


def test_module_by_dotted_name_next_to_the_configuration(tmp_path: Path) -> None:
    package = tmp_path / "acme_policies_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    write(package, MODULE, "sovereignty.py")
    try:
        engine = PythonEngine(["python:acme_policies_pkg.sovereignty"], base_dir=tmp_path)
    finally:
        for name in [n for n in sys.modules if n.startswith("acme_policies_pkg")]:
            del sys.modules[name]

    assert sorted(engine.rules()) == ["ACME010", "ACME011"]
    assert str(tmp_path) not in sys.path


def test_exception_in_a_rule_names_the_rule_and_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, '''from sovlint.policy import rule


@rule(id="ACME012", title="region is known", severity="low")
def region_known(resource):
    return resource["location"]["region"].startswith("eu-")
''')
    engine = PythonEngine([str(path)])

    with pytest.raises(PolicyError) as error:
        engine.evaluate(document(resource("aws_s3_bucket.records")))

    assert str(error.value) == (
        f"{path.as_posix()}:6: Python rule ACME012 ({path.as_posix()}:4) raised KeyError: "
        "'location' on aws_s3_bucket.records")


def test_rules_cannot_change_the_input(tmp_path: Path) -> None:
    path = write(tmp_path, '''from sovlint.policy import rule


@rule(id="ACME013", title="sneaky", severity="low")
def sneaky(resource):
    resource["labels"]["owner"] = "nobody"
''')

    with pytest.raises(PolicyError, match=r"raised TypeError: 'mappingproxy' object does not "
                                          r"support item assignment"):
        PythonEngine([str(path)]).evaluate(document(resource("a.x")))


def test_import_error_names_the_module_line(tmp_path: Path) -> None:
    path = write(tmp_path, "from sovlint.policy import rule\n\nTHRESHOLD = 1 / 0\n")

    with pytest.raises(PolicyError) as error:
        PythonEngine([str(path)])

    assert str(error.value) == (f"{path.as_posix()}:3: cannot load policy module "
                                f"{path.as_posix()}: ZeroDivisionError: division by zero")


@pytest.mark.parametrize(("arguments", "problem"), [
    ('id="SOV009", title="t", severity="low"', "rule id 'SOV009' is reserved"),
    ('id="acme", title="t", severity="low"', "rule id 'acme' is not valid"),
    ('id="ACME014", title="", severity="low"', "rule ACME014 has no title"),
    ('id="ACME014", title="t", severity="severe"', "severity must be one of low, medium"),
    ('id="ACME014", title="t", severity="low", scope="file"', "scope must be one of"),
])
def test_bad_rule_declarations_name_the_function(tmp_path: Path, arguments: str,
                                                 problem: str) -> None:
    path = write(tmp_path, f"from sovlint.policy import rule\n\n\n@rule({arguments})\n"
                           "def check(resource):\n    return None\n")

    with pytest.raises(PolicyError) as error:
        PythonEngine([str(path)])

    assert str(error.value).startswith(f"{path.as_posix()}:4: ")  # where the rule is declared
    assert problem in str(error.value)


def test_module_without_rules_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "X = 1\n")

    with pytest.raises(PolicyError, match="the module defines no @rule function"):
        PythonEngine([str(path)])


def test_missing_module_and_file_are_errors(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=r"python:acme_nowhere.rules: no module named "
                                          r"'acme_nowhere'"):
        PythonEngine(["python:acme_nowhere.rules"], base_dir=tmp_path)
    with pytest.raises(PolicyError, match=r"nowhere.py: no such Python policy file"):
        PythonEngine([str(tmp_path / "nowhere.py")])


def test_yielding_something_else_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, '''from sovlint.policy import rule


@rule(id="ACME015", title="counts", severity="low")
def counts(resource):
    yield 42
''')

    with pytest.raises(PolicyError, match=r"Python rule ACME015 produced 42; expected a message "
                                          r"string or a sovlint.policy.Violation"):
        PythonEngine([str(path)]).evaluate(document(resource("a.x")))


def test_violation_may_name_another_resource_and_a_target(tmp_path: Path) -> None:
    path = write(tmp_path, '''from sovlint.policy import Violation, rule


@rule(id="ACME016", title="flows", severity="high", scope="model")
def flows(document):
    for resource in document["resources"]:
        yield Violation("copy leaves France", resource=resource["address"],
                        target={"country": "DE", "regions": ("eu-central-1",)})
''')

    [deny] = PythonEngine([str(path)]).evaluate(document(resource("a.x")))

    assert (deny.resource, deny.file, deny.target) == (
        "a.x", None, {"country": "DE", "regions": ["eu-central-1"]})


def test_decorated_function_stays_callable() -> None:
    @rule(id="ACME017", title="callable", severity="low")
    def check(resource: Any) -> Any:
        yield Violation(resource["address"])

    assert list(check({"address": "a.x"})) == [Violation("a.x")]


def test_python_and_rego_rule_with_the_same_id_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, MODULE.replace("ACME010", "SOV001"))

    with pytest.raises(PolicyError, match="rule id 'SOV001' is reserved"):
        PythonEngine([str(path)])
    path = write(tmp_path, MODULE, "again.py")
    first = PythonEngine([str(write(tmp_path, MODULE, "once.py"))])

    with pytest.raises(PolicyError, match=r"again.py:5: rule id ACME010 is already declared "
                                          r"in .*once.py:5"):
        CombinedEngine([first, PythonEngine([str(path)])])


def test_combined_engine_evaluates_rego_and_python_rules(tmp_path: Path) -> None:
    engine = CombinedEngine([RegoEngine([builtin_policies_dir()]),
                             PythonEngine([str(write(tmp_path, MODULE))])])

    assert {"SOV001", "ACME010", "ACME011"} <= set(engine.rules())
    assert engine.evaluate(document(resource("a.x"), resource("b.y", provider="ovh")))[-1] \
        .rule_id == "ACME011"
