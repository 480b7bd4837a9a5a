"""The checker's messages follow the interface language: Romanian in a Romanian page or locale, English otherwise;
the technical wording stays stable beside them."""

from pathlib import Path

from flask_babel import force_locale

from app.workflow.deploy import Problem
from app.workflow.messages import localize, localized_problem

ROOT = Path(__file__).resolve().parents[2]


def test_a_problem_reads_in_romanian_or_english(app):
    problem = Problem("cerere.bpmn", "calcul", 'no DMN file defines the decision "taxa"')
    with app.test_request_context():
        with force_locale("ro"):
            assert (
                localized_problem(problem)
                == "cerere.bpmn: calcul: niciun fișier DMN nu definește decizia „taxa”"
            )
            assert localize("line 12: the table has no output column") == (
                "rândul 12: tabelul nu are nicio coloană de ieșire"
            )
            assert localize("something no one translated") == "something no one translated"
        with force_locale("en"):
            assert localized_problem(problem) == str(problem)


def test_flask_processes_check_speaks_the_locale(app, tmp_path, monkeypatch):
    broken = (ROOT / "processes" / "certificat-urbanism.bpmn").read_text(encoding="utf-8")
    path = tmp_path / "certificat-urbanism.bpmn"
    path.write_text(broken, encoding="utf-8")  # without its decision table beside it
    runner = app.test_cli_runner()
    monkeypatch.setenv("LANG", "ro_RO.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    result = runner.invoke(args=["processes", "check", str(path)])
    assert result.exit_code == 1
    assert "calcul_taxa: niciun fișier DMN nu definește decizia „taxa_certificat_urbanism”" in result.output
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    result = runner.invoke(args=["processes", "check", str(path)])
    assert 'calcul_taxa: no DMN file defines the decision "taxa_certificat_urbanism"' in result.output


def test_a_failing_scenario_reads_in_the_interface_language(app):
    failure = 'scenario "refuz" fails: step 3: status is "in_lucru", expected "solutionat"'
    problem = Problem("petitie.bpmn", "", failure)
    with app.test_request_context():
        with force_locale("ro"):
            assert localized_problem(problem) == (
                "petitie.bpmn: scenariul „refuz” nu trece: pasul 3: starea este „in_lucru”, se aștepta „solutionat”"
            )
            assert localize(
                'step 2: the route does not wait for task "aprobare"; it waits for: redactare'
            ) == ("pasul 2: traseul nu așteaptă sarcina „aprobare”; așteaptă: redactare")
            assert localize("end: the route has not ended (waits for ['semnare'])") == (
                "la final: traseul nu s-a încheiat (așteaptă ['semnare'])"
            )
        with force_locale("en"):
            assert localized_problem(problem) == f"petitie.bpmn: {failure}"
            assert localize("end: the route has ended") == "end: the route has ended"
