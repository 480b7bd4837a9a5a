"""E-ARK SIP export (CSIP 2.x, SIP profile) for transfer to the National Archives: a root METS.xml, PREMIS 3
preservation metadata, one representation per archive record (its content files with their own METS and PREMIS),
the record cards and reports as documentation, and the METS schemas. Every file carries its SHA-256 and size.
Built with lxml; `eark-validator` checks the result in the tests."""

import re
import shutil
import uuid
from pathlib import Path

from flask_babel import lazy_gettext as _l
from lxml import etree

from app.archive.models import ArchiveFile, ArchiveItem, ArchiveRecord, FileStatus, ItemKind
from app.archive.records import ArchiveError, _json_bytes
from app.dates import now_utc
from app.storage import current_store

METS = "http://www.loc.gov/METS/"
XLINK = "http://www.w3.org/1999/xlink"
CSIP = "https://DILCIS.eu/XML/METS/CSIPExtensionMETS"
SIP = "https://DILCIS.eu/XML/METS/SIPExtensionMETS"
PREMIS = "http://www.loc.gov/premis/v3"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
NSMAP = {"mets": METS, "xlink": XLINK, "csip": CSIP, "sip": SIP, "xsi": XSI}
SIP_PROFILE = "https://earksip.dilcis.eu/profile/E-ARK-SIP.xml"
SOFTWARE = ("Registratură electronică · Ghișeul Unic", "1.0")
SCHEMAS_DIR = Path(__file__).resolve().parent / "schemas"
CONTENT_KINDS = (ItemKind.ORIGINAL, ItemKind.LTA, ItemKind.RENEWED)
EXPORTED = "archive_export"  # audit action


def _m(tag: str) -> str:
    return f"{{{METS}}}{tag}"


def _safe(name: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")
    return name or "fisier"


def _iso(moment=None) -> str:
    return (moment or now_utc()).replace(microsecond=0).isoformat()


class _Files:
    """Files written into the package, remembered for the METS entries (path relative to a METS root)."""

    def __init__(self, root: Path):
        self.root = root
        self.entries: list[dict] = []

    def write(self, relative: str, data: bytes, mimetype: str) -> dict:
        import hashlib

        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        entry = {
            "path": relative,
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest().upper(),
            "mimetype": mimetype,
            "id": f"ID-{uuid.uuid4()}",
        }
        self.entries.append(entry)
        return entry


def _file_el(parent, entry: dict, created: str):
    file_el = etree.SubElement(
        parent,
        _m("file"),
        ID=entry["id"],
        MIMETYPE=entry["mimetype"],
        SIZE=str(entry["size"]),
        CREATED=created,
        CHECKSUM=entry["sha256"],
        CHECKSUMTYPE="SHA-256",
    )
    etree.SubElement(
        file_el,
        _m("FLocat"),
        {f"{{{XLINK}}}type": "simple", f"{{{XLINK}}}href": entry["path"], "LOCTYPE": "URL"},
    )
    return file_el


def _md_ref(parent, tag: str, entry: dict, mdtype: str, created: str, other: str | None = None):
    section = etree.SubElement(parent, _m(tag), ID=f"ID-{uuid.uuid4()}", CREATED=created, STATUS="CURRENT")
    attrs = {
        f"{{{XLINK}}}type": "simple",
        f"{{{XLINK}}}href": entry["path"],
        "LOCTYPE": "URL",
        "MDTYPE": mdtype,
        "MIMETYPE": entry["mimetype"],
        "SIZE": str(entry["size"]),
        "CREATED": created,
        "CHECKSUM": entry["sha256"],
        "CHECKSUMTYPE": "SHA-256",
    }
    if other:
        attrs["OTHERMDTYPE"] = other
    etree.SubElement(section, _m("mdRef"), attrs)
    return section


def _mets_root(objid: str, label: str, institution, rep_level: bool):
    root = etree.Element(
        _m("mets"),
        nsmap=NSMAP,
        OBJID=objid,
        LABEL=label,
        TYPE="Mixed",
        PROFILE=SIP_PROFILE,
    )
    root.set(f"{{{CSIP}}}CONTENTINFORMATIONTYPE", "MIXED")
    root.set(
        f"{{{XSI}}}schemaLocation",
        f"{METS} schemas/mets.xsd {XLINK} schemas/xlink.xsd"
        if not rep_level
        else f"{METS} ../../schemas/mets.xsd",
    )
    created = _iso()
    header = etree.SubElement(
        root, _m("metsHdr"), CREATEDATE=created, LASTMODDATE=created, RECORDSTATUS="NEW"
    )
    header.set(f"{{{CSIP}}}OAISPACKAGETYPE", "SIP")
    software = etree.SubElement(header, _m("agent"), ROLE="CREATOR", TYPE="OTHER", OTHERTYPE="SOFTWARE")
    etree.SubElement(software, _m("name")).text = SOFTWARE[0]
    note = etree.SubElement(software, _m("note"))
    note.text = SOFTWARE[1]
    note.set(f"{{{CSIP}}}NOTETYPE", "SOFTWARE VERSION")
    if institution is not None:
        submitter = etree.SubElement(header, _m("agent"), ROLE="ARCHIVIST", TYPE="ORGANIZATION")
        etree.SubElement(submitter, _m("name")).text = institution.name
        code = etree.SubElement(submitter, _m("note"))
        code.text = institution.code
        code.set(f"{{{CSIP}}}NOTETYPE", "IDENTIFICATIONCODE")
    return root, created


def _premis(objects: list[tuple[dict, str]], events: list[dict], agents: list[tuple[str, str, str]]) -> bytes:
    """PREMIS 3: one object per file (fixity, size, format), the events, the agents."""
    p = f"{{{PREMIS}}}"
    root = etree.Element(p + "premis", nsmap={None: PREMIS, "xsi": XSI}, version="3.0")
    for entry, original_name in objects:
        obj = etree.SubElement(root, p + "object")
        obj.set(f"{{{XSI}}}type", "file")
        ident = etree.SubElement(obj, p + "objectIdentifier")
        etree.SubElement(ident, p + "objectIdentifierType").text = "local"
        etree.SubElement(ident, p + "objectIdentifierValue").text = entry["id"]
        chars = etree.SubElement(obj, p + "objectCharacteristics")
        fixity = etree.SubElement(chars, p + "fixity")
        etree.SubElement(fixity, p + "messageDigestAlgorithm").text = "SHA-256"
        etree.SubElement(fixity, p + "messageDigest").text = entry["sha256"].lower()
        etree.SubElement(chars, p + "size").text = str(entry["size"])
        fmt = etree.SubElement(chars, p + "format")
        designation = etree.SubElement(fmt, p + "formatDesignation")
        etree.SubElement(designation, p + "formatName").text = entry["mimetype"]
        etree.SubElement(obj, p + "originalName").text = original_name
    for event in events:
        ev = etree.SubElement(root, p + "event")
        ident = etree.SubElement(ev, p + "eventIdentifier")
        etree.SubElement(ident, p + "eventIdentifierType").text = "local"
        etree.SubElement(ident, p + "eventIdentifierValue").text = event["id"]
        etree.SubElement(ev, p + "eventType").text = event["type"]
        etree.SubElement(ev, p + "eventDateTime").text = event["at"]
        etree.SubElement(ev, p + "eventDetailInformation").append(_text(p + "eventDetail", event["detail"]))
        outcome = etree.SubElement(ev, p + "eventOutcomeInformation")
        etree.SubElement(outcome, p + "eventOutcome").text = event["outcome"]
        agent_link = etree.SubElement(ev, p + "linkingAgentIdentifier")
        etree.SubElement(agent_link, p + "linkingAgentIdentifierType").text = "local"
        etree.SubElement(agent_link, p + "linkingAgentIdentifierValue").text = agents[0][0]
    for agent_id, name, agent_type in agents:
        ag = etree.SubElement(root, p + "agent")
        ident = etree.SubElement(ag, p + "agentIdentifier")
        etree.SubElement(ident, p + "agentIdentifierType").text = "local"
        etree.SubElement(ident, p + "agentIdentifierValue").text = agent_id
        etree.SubElement(ag, p + "agentName").text = name
        etree.SubElement(ag, p + "agentType").text = agent_type
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _text(tag: str, value: str):
    el = etree.Element(tag)
    el.text = value
    return el


def _write_xml(path: Path, root) -> bytes:
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return data


def _read(store, record: ArchiveRecord, item: ArchiveItem) -> bytes:
    """An item's bytes, verified; an altered or missing file stops the export with a clear message."""
    from app.storage import StorageIntegrityError

    try:
        return store.get(item.sha256)
    except (StorageIntegrityError, FileNotFoundError) as exc:
        raise ArchiveError(
            _l(
                "Fișierul „%(name)s” al documentului %(number)s lipsește sau a fost modificat pe disc: exportul s-a "
                "oprit. Rulați verificarea integrității și restaurați fișierul din copia de siguranță.",
                name=item.filename,
                number=record.registration_label,
            )
        ) from exc


def _representation(package: Path, rep_name: str, record: ArchiveRecord, store, institution) -> Path:
    """representations/<rep_name>/: data/ (content files), metadata/preservation/premis.xml, METS.xml."""
    rep_root = package / "representations" / rep_name
    files = _Files(rep_root)
    content = []
    for item in record.items:
        if item.kind in CONTENT_KINDS:
            entry = files.write(
                f"data/{item.id}-{_safe(item.filename)}", _read(store, record, item), item.content_type
            )
            content.append((entry, item))
    agents = [
        ("software", f"{SOFTWARE[0]} {SOFTWARE[1]}", "software"),
        ("institutie", institution.name, "organization"),
    ]
    events = [
        {
            "id": f"arhivare-{record.public_id}",
            "type": "ingestion",
            "at": _iso(record.archived_at),
            "detail": f"Arhivat ca {record.registration_label}",
            "outcome": "success",
        },
        {
            "id": f"fixitate-{record.public_id}",
            "type": "fixity check",
            "at": _iso(),
            "detail": "SHA-256 recalculat la export",
            "outcome": "success",
        },
    ]
    premis = files.write(
        "metadata/preservation/premis.xml",
        _premis([(e, i.filename) for e, i in content], events, agents),
        "text/xml",
    )
    root, created = _mets_root(rep_name, record.title, institution, rep_level=True)
    amd = etree.SubElement(root, _m("amdSec"))
    digiprov = _md_ref(amd, "digiprovMD", premis, "PREMIS", created)
    file_sec = etree.SubElement(root, _m("fileSec"), ID=f"ID-{uuid.uuid4()}")
    grp = etree.SubElement(file_sec, _m("fileGrp"), ID=f"ID-{uuid.uuid4()}", USE="Data")
    for entry, _item in content:
        _file_el(grp, entry, created)
    struct = etree.SubElement(root, _m("structMap"), ID=f"ID-{uuid.uuid4()}", TYPE="PHYSICAL", LABEL="CSIP")
    top = etree.SubElement(struct, _m("div"), ID=f"ID-{uuid.uuid4()}", LABEL=rep_name)
    etree.SubElement(top, _m("div"), ID=f"ID-{uuid.uuid4()}", LABEL="Metadata", ADMID=digiprov.get("ID"))
    data_div = etree.SubElement(top, _m("div"), ID=f"ID-{uuid.uuid4()}", LABEL="Data")
    etree.SubElement(data_div, _m("fptr"), FILEID=grp.get("ID"))
    _write_xml(rep_root / "METS.xml", root)
    return rep_root / "METS.xml"


def build_sip(records: list[ArchiveRecord], objid: str, label: str, out_dir: str | Path) -> Path:
    """Write the package folder `out_dir/<objid>` and return its path. An existing folder is refused (an export
    never overwrites an earlier one)."""
    if not records:
        raise ArchiveError(_l("Nu există documente arhivate de exportat."))
    institution = records[0].archive_file.institution
    store = current_store()
    package = Path(out_dir) / _safe(objid)
    if package.exists():
        raise ArchiveError(
            _l("Dosarul de export %(path)s există deja; alegeți alt director.", path=str(package))
        )
    package.mkdir(parents=True)
    try:
        files = _Files(package)
        reps = []
        docs = []
        for record in records:
            rep_name = _safe(f"rep-{record.registration_label.replace('/', '-')}-{record.public_id[:8]}")
            rep_mets = _representation(package, rep_name, record, store, institution)
            data = rep_mets.read_bytes()
            reps.append(files.write(f"representations/{rep_name}/METS.xml", data, "text/xml"))
            for item in record.items:
                if item.kind not in CONTENT_KINDS:
                    docs.append(
                        files.write(
                            f"documentation/{rep_name}/{_safe(item.filename)}",
                            _read(store, record, item),
                            item.content_type,
                        )
                    )
        descriptive = files.write(
            "metadata/descriptive/fise-arhivare.json",
            _json_bytes(
                [{"reprezentare": r["path"], **rec.card} for r, rec in zip(reps, records, strict=True)]
            ),
            "application/json",
        )
        agents = [
            ("software", f"{SOFTWARE[0]} {SOFTWARE[1]}", "software"),
            ("institutie", institution.name, "organization"),
        ]
        events = [
            {
                "id": f"export-{uuid.uuid4()}",
                "type": "transfer",
                "at": _iso(),
                "detail": f"Pachet SIP pentru Arhivele Naționale: {label}",
                "outcome": "success",
            }
        ]
        premis = files.write("metadata/preservation/premis.xml", _premis([], events, agents), "text/xml")
        schemas = [
            files.write(f"schemas/{p.name}", p.read_bytes(), "text/xml")
            for p in sorted(SCHEMAS_DIR.glob("*.xsd"))
        ]

        root, created = _mets_root(_safe(objid), label, institution, rep_level=False)
        dmd = _md_ref(root, "dmdSec", descriptive, "OTHER", created, other="FISA-ARHIVARE-L135")
        amd = etree.SubElement(root, _m("amdSec"))
        digiprov = _md_ref(amd, "digiprovMD", premis, "PREMIS", created)
        file_sec = etree.SubElement(root, _m("fileSec"), ID=f"ID-{uuid.uuid4()}")
        groups = {}
        for use, entries in (("Documentation", docs), ("Schemas", schemas), ("Representations", reps)):
            grp = etree.SubElement(file_sec, _m("fileGrp"), ID=f"ID-{uuid.uuid4()}", USE=use)
            if use == "Representations":
                grp.set(f"{{{CSIP}}}CONTENTINFORMATIONTYPE", "MIXED")
            for entry in entries:
                _file_el(grp, entry, created)
            groups[use] = grp
        struct = etree.SubElement(
            root, _m("structMap"), ID=f"ID-{uuid.uuid4()}", TYPE="PHYSICAL", LABEL="CSIP"
        )
        top = etree.SubElement(struct, _m("div"), ID=f"ID-{uuid.uuid4()}", LABEL=_safe(objid))
        etree.SubElement(
            top,
            _m("div"),
            ID=f"ID-{uuid.uuid4()}",
            LABEL="Metadata",
            DMDID=dmd.get("ID"),
            ADMID=digiprov.get("ID"),
        )
        for use in ("Documentation", "Schemas"):
            div = etree.SubElement(top, _m("div"), ID=f"ID-{uuid.uuid4()}", LABEL=use)
            etree.SubElement(div, _m("fptr"), FILEID=groups[use].get("ID"))
        for entry in reps:
            rep_name = entry["path"].split("/")[1]
            div = etree.SubElement(
                top, _m("div"), ID=f"ID-{uuid.uuid4()}", LABEL=f"Representations/{rep_name}"
            )
            etree.SubElement(
                div,
                _m("mptr"),
                {
                    f"{{{XLINK}}}type": "simple",
                    f"{{{XLINK}}}href": entry["path"],
                    f"{{{XLINK}}}title": entry["id"],
                    "LOCTYPE": "URL",
                },
            )
        _write_xml(package / "METS.xml", root)
    except BaseException:
        shutil.rmtree(package, ignore_errors=True)  # no half-written package left behind
        raise
    return package


def export_record(record: ArchiveRecord, out_dir) -> Path:
    document = record.document
    if not document.is_closed:
        raise ArchiveError(_l("Documentul nu este închis: numai documentele arhivate se exportă."))
    if record.archive_file.status == FileStatus.DESTROYED:
        raise ArchiveError(_l("Dosarul a fost eliminat: documentul nu mai poate fi exportat."))
    objid = f"{record.archive_file.institution.code}-{record.registration_label.replace('/', '-')}"
    return build_sip([record], objid, f"{record.registration_label} {record.title}", out_dir)


def export_file(archive_file: ArchiveFile, out_dir) -> Path:
    if archive_file.status != FileStatus.CLOSED:
        raise ArchiveError(
            _l("Dosarul %(label)s nu este închis: închideți-l înainte de export.", label=archive_file.label)
        )
    objid = f"{archive_file.institution.code}-{archive_file.file_class.code}-{archive_file.year}"
    return build_sip(
        archive_file.records, objid, f"Dosar {archive_file.label} {archive_file.file_class.name}", out_dir
    )


def export_year(institution_id: int, year: int, out_dir) -> Path:
    from sqlalchemy import select

    from app.extensions import db

    files = db.session.scalars(
        select(ArchiveFile).where(ArchiveFile.institution_id == institution_id, ArchiveFile.year == year)
    ).all()
    open_files = [f.label for f in files if f.status == FileStatus.OPEN]
    if open_files:
        raise ArchiveError(
            _l(
                "Dosare neînchise în %(year)s: %(files)s. Închideți-le înainte de export.",
                year=year,
                files=", ".join(open_files),
            )
        )
    records = [r for f in files if f.status == FileStatus.CLOSED for r in f.records]
    if not records:
        raise ArchiveError(_l("Nu există dosare închise în %(year)s.", year=year))
    return build_sip(records, f"{files[0].institution.code}-{year}", f"Arhiva anului {year}", out_dir)


__all__ = ["ArchiveItem", "build_sip", "export_file", "export_record", "export_year"]
