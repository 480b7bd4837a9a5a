"""The checks the parser does not make: each broken diagram gets one clear message naming file and element."""

from pathlib import Path

from app.workflow.deploy import check_bpmn

ROOT = Path(__file__).resolve().parents[2]
PETITION = (ROOT / "processes" / "petitie.bpmn").read_bytes()
ROLES = {"registrator", "referent", "sef_serviciu", "secretar_general"}
PROCESS_END = b"</bpmn:process>"


def messages(xml: bytes) -> list[str]:
    problems, _ = check_bpmn("broken.bpmn", xml, ROOT / "forms", ROLES)
    return [str(p) for p in problems]


def add_to_process(fragment: bytes) -> bytes:
    return PETITION.replace(PROCESS_END, fragment + PROCESS_END)


def with_duration(timer_date_expression: bytes, duration: bytes) -> bytes:
    """The petition with one of its deadline timers turned into a duration timer."""
    time_date = (
        b'<bpmn:timeDate xsi:type="bpmn:tFormalExpression">' + timer_date_expression + b"</bpmn:timeDate>"
    )
    assert time_date in PETITION
    return PETITION.replace(
        time_date,
        b'<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">' + duration + b"</bpmn:timeDuration>",
    )


def test_unquoted_timer_is_explained():
    assert messages(with_duration(b"deadline_timer(5)", b"P25D")) == [
        "broken.bpmn: termen_25: timer 'P25D' must be quoted: \"P25D\""
    ]


def test_timer_that_is_not_iso_8601():
    assert messages(with_duration(b"deadline_timer()", b'"cinci zile"')) == [
        "broken.bpmn: termen_30: timer 'cinci zile' is not an ISO 8601 duration"
    ]


def test_unreachable_element():
    orphan = b'<bpmn:userTask id="uitat" name="Uitat" />'
    assert "broken.bpmn: uitat: unreachable: no path from a start event leads here" in messages(
        add_to_process(orphan)
    )


def test_data_store_reference_is_reported_instead_of_crashing_the_parser():
    store = b'<bpmn:dataStoreReference id="arhiva_veche" />'
    assert messages(add_to_process(store)) == [
        "broken.bpmn: arhiva_veche: data store without an implementation: the engine cannot load it"
    ]


def test_service_task_is_unsupported():
    task = b'<bpmn:serviceTask id="apel_extern" name="Apel" />'
    result = messages(add_to_process(task))
    assert any(m.startswith("broken.bpmn: apel_extern: service tasks are not supported yet") for m in result)


def test_condition_reading_a_field_no_form_provides():
    result = messages(PETITION.replace(b"anonima == True", b"anonim == True"))
    assert result == [
        'broken.bpmn: gw_anonima: condition towards clasare reads "anonim", which no form, script or helper provides'
    ]


def test_script_reading_an_unknown_name():
    result = messages(PETITION.replace(b"register_document(departament)", b"register_document(compartiment)"))
    assert any('atribuire_numar: script reads "compartiment"' in m for m in result)


def test_script_outputs_count_as_provided():
    # `numar` is assigned by the registration script; a later condition may read it.
    assert messages(PETITION.replace(b"anonima == True", b"anonima == True and numar != ''")) == []


def test_dunder_import_in_a_script_task_is_refused_with_its_line():
    result = messages(
        PETITION.replace(b"numar = register_document(departament)", b"__import__('os').system('id')")
    )
    assert any(
        m.startswith("broken.bpmn: atribuire_numar: script: Line 1:") and "__import__" in m for m in result
    ), result


def test_every_shipped_process_passes_every_check():
    from app.identity.roles import STANDARD_ROLES
    from app.workflow.decisions import dmn_files

    decisions = dmn_files(ROOT / "processes")
    for path in sorted((ROOT / "processes").glob("*.bpmn")):
        problems, checked = check_bpmn(
            path.name, path.read_bytes(), ROOT / "forms", set(STANDARD_ROLES), decisions
        )
        assert [str(p) for p in problems] == [] and checked, path.name
