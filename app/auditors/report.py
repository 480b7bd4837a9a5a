"""The audit report PDF of one document (reportlab, DejaVu fonts for ș ț ă î â)."""

import io

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.pdf import markup, register_fonts


def _text(value, limit: int = 600) -> str:
    text = "" if value is None else str(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return markup(text)


def render_report(bundle: dict, font_dir: str) -> bytes:
    regular, bold = register_fonts(font_dir)
    base = ParagraphStyle("base", fontName=regular, fontSize=8.5, leading=11)
    small = ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5)
    h1 = ParagraphStyle("h1", parent=base, fontName=bold, fontSize=15, leading=19, spaceAfter=4)
    h2 = ParagraphStyle(
        "h2", parent=base, fontName=bold, fontSize=11, leading=14, spaceBefore=8, spaceAfter=4
    )
    verdict_ok = ParagraphStyle("ok", parent=base, fontName=bold, textColor=colors.HexColor("#146c43"))
    verdict_bad = ParagraphStyle("bad", parent=base, fontName=bold, textColor=colors.HexColor("#b02a37"))

    def table(rows, widths, header=True):
        data = [
            [Paragraph(_text(c) if not isinstance(c, Paragraph) else c.text, small) for c in r] for r in rows
        ]
        t = Table(data, colWidths=widths, repeatRows=1 if header else 0)
        style = [
            ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#999999")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ]
        if header:
            style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")))
        t.setStyle(TableStyle(style))
        return t

    doc_info = bundle["document"]
    version = bundle["process_version"] or {}
    replay = bundle["replay"]
    chain = bundle["chain"]
    story = [
        Paragraph("Raport de audit", h1),
        Paragraph(
            _text(f"{doc_info['registration_label'] or 'neînregistrat'} · {doc_info['subject']}"), base
        ),
        Paragraph(
            _text(f"Generat la {bundle['generated_at']} de {bundle['generated_by'] or 'linia de comandă'}"),
            small,
        ),
        Spacer(1, 4 * mm),
        table(
            [
                ["Instituția", doc_info["institution"]],
                ["Compartiment", doc_info["department"] or "—"],
                ["Tip document", doc_info["document_type"]],
                ["Petent", doc_info["sender_name"]],
                ["Stare", doc_info["status"]],
                ["Înregistrat", doc_info["registered_at"] or "—"],
                ["Termen", doc_info["deadline_at"] or "—"],
                ["Închis", doc_info["closed_at"] or "—"],
                [
                    "Versiunea traseului",
                    f"{version.get('name', '')} (v{version.get('version', '')}), "
                    f"sha256 {version.get('content_hash', '')}",
                ],
            ],
            [40 * mm, 130 * mm],
            header=False,
        ),
        Paragraph("Verificări", h2),
        Paragraph(
            _text(
                "Reluare: traseul și datele finale sunt identice (replay verified)."
                if replay["verified"]
                else f"Reluare: diferență — {replay['divergence']}"
            ),
            verdict_ok if replay["verified"] else verdict_bad,
        ),
        Paragraph(
            _text(
                f"Lanțul de audit: intact ({chain['summary']})"
                if chain["ok"]
                else f"Lanțul de audit: RUPT — {chain['summary']}"
            ),
            verdict_ok if chain["ok"] else verdict_bad,
        ),
        Paragraph(_text(f"Sigiliu: {bundle['seal']['description']}"), base),
        Paragraph("Pașii traseului", h2),
    ]
    step_rows = [["#", "Moment", "Pas", "Cine (pentru cine)", "Date trimise / modificări", "Durată"]]
    for step in bundle["steps"]:
        who = step["actor"] or "automat"
        if step["actor_function"]:
            who += f", {step['actor_function']}"
        if step["on_behalf_of"]:
            who += f" (pentru {step['on_behalf_of']})"
        changes = "\n".join(f"{label}: {before} → {after}" for label, before, after in step["changes"])
        for sig in step["signatures"]:
            changes += f"\n{sig['action']}: {sig['by']} ({sig['at']})"
        flow = f" [{step['flow_id']}]" if step["flow_id"] else ""
        step_rows.append(
            [
                str(step["index"] + 1),
                step["at"],
                f"{step['name']} ({step['event_label']}){flow}",
                who,
                changes.strip(),
                step["task_duration"] or step["waited"],
            ]
        )
    story.append(table(step_rows, [8 * mm, 24 * mm, 38 * mm, 35 * mm, 50 * mm, 15 * mm]))
    story.append(Paragraph("Înregistrări în jurnalul de audit (lanț de hash-uri)", h2))
    entry_rows = [["Nr.", "Moment", "Acțiune", "Cine", "Hash (sha256)", "OK"]]
    for entry in bundle["audit_entries"]:
        entry_rows.append(
            [
                str(entry["seq"]),
                entry["at"],
                f"{entry['action']}{' · ' + entry['bpmn_id'] if entry['bpmn_id'] else ''}",
                entry["actor_name"] or "sistem",
                entry["hash"],
                "da" if entry["hash_ok"] else "NU",
            ]
        )
    story.append(table(entry_rows, [10 * mm, 24 * mm, 36 * mm, 32 * mm, 58 * mm, 10 * mm]))
    story.append(Paragraph("Fișiere", h2))
    file_rows = [["Fișier", "Tip", "Octeți", "sha256"]]
    for f in bundle["files"]:
        file_rows.append([f["path"], f["kind"], str(f["size"]), f["sha256"]])
    if len(file_rows) == 1:
        file_rows.append(["—", "", "", ""])
    story.append(table(file_rows, [55 * mm, 18 * mm, 15 * mm, 82 * mm]))
    story.append(Spacer(1, 3 * mm))
    story.append(
        Paragraph(
            _text(
                "Integritatea pachetului: manifest.sha256 conține sha256 pentru fiecare fișier "
                "(verificare: sha256sum -c manifest.sha256)."
            ),
            small,
        )
    )

    def footer(canvas, document):
        canvas.saveState()
        canvas.setFont(regular, 7)
        canvas.drawRightString(
            A4[0] - 15 * mm,
            10 * mm,
            f"Raport de audit · {doc_info['registration_label'] or ''} · pagina {document.page}",
        )
        canvas.restoreState()

    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=18 * mm,
        title="Raport de audit",
        author="Registratură electronică",
    )
    pdf.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
