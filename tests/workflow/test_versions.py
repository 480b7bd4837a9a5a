"""Which version is current after a deployment: new content from a file or the modeler becomes current; the deploy
that runs at every start changes nothing when the files did not change, so a modeler version stays current; a
file changed back to an earlier content makes that version current again."""

import shutil
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.workflow.deploy import MODELER_SOURCE, check_bpmn, deploy_all, store_version
from app.workflow.models import ProcessVersion

ROOT = Path(__file__).resolve().parents[2]


def current(process_id: str) -> ProcessVersion:
    return db.session.scalar(
        select(ProcessVersion).where(
            ProcessVersion.process_id == process_id, ProcessVersion.is_current.is_(True)
        )
    )


def test_restart_keeps_modeler_version_and_file_revert_reactivates(ctx, tmp_path):
    processes = tmp_path / "processes"
    shutil.copytree(ROOT / "processes", processes)
    original = (processes / "adresa.bpmn").read_text(encoding="utf-8")
    assert current("adresa").version == 1

    # The modeler deploys version 2.
    edited = original.replace('name="Repartizare"', 'name="Repartizare (modelator)"')
    _, [checked] = check_bpmn(
        "adresa.bpmn", edited.encode(), ROOT / "forms", {"registrator", "referent", "sef_serviciu"}
    )
    checked.source_file = MODELER_SOURCE + "adresa.bpmn"
    assert store_version(checked).version == 2
    db.session.commit()

    # A restart deploys the unchanged files: version 2 stays current, twice.
    for _ in range(2):
        deploy_all(processes, ROOT / "forms")
        db.session.commit()
        assert current("adresa").version == 2

    # Someone edits the file: a new version 3 from the file wins.
    (processes / "adresa.bpmn").write_text(
        original.replace('name="Repartizare"', 'name="Repartizare nouă"'), "utf-8"
    )
    deploy_all(processes, ROOT / "forms")
    db.session.commit()
    assert current("adresa").version == 3 and current("adresa").source_file == "adresa.bpmn"

    # The file goes back to its first content: version 1 is current again (no new version).
    (processes / "adresa.bpmn").write_text(original, "utf-8")
    deploy_all(processes, ROOT / "forms")
    db.session.commit()
    assert current("adresa").version == 1
    assert db.session.scalar(select(db.func.count()).where(ProcessVersion.process_id == "adresa")) == 3

    # The modeler deploying known content (version 2's) makes it current: the analyst means it.
    assert store_version(checked).version == 2 and current("adresa").version == 2
