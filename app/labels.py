"""The names pages show for stored codes: document statuses, history events, audit actions. One leaf table for every
package: a package that records a new event or action adds its label here, never by mutating a table at import.
The codes are stored values; keep them stable."""

from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    "depus": _l("Depus, în așteptarea înregistrării"),
    "inregistrat": _l("Înregistrat"),
    "in_lucru": _l("În lucru"),
    "solutionat": _l("Soluționat"),
    "clasat": _l("Clasat"),
    "eroare": _l("Eroare în traseu"),
    "anulat": _l("Anulat"),
}

# History events (history_entries.event), shown on staff pages and, for some, in the citizen's tracking.
EVENT_LABELS = {
    "task_completed": _l("Pas finalizat"),
    "automatic": _l("Pas automat"),
    "task_claimed": _l("Sarcină preluată"),
    "task_released": _l("Sarcină eliberată"),
    "submitted": _l("Depus"),
    "reminder": _l("Reamintire termen"),
    "overdue": _l("Termen depășit"),
    "deadline_changed": _l("Termen modificat"),
    "route_migrated": _l("Traseu actualizat la o versiune nouă"),
    "signed": _l("Semnat electronic"),
    "sealed": _l("Sigilat electronic"),
    "confirmed": _l("Depunere confirmată"),
    "registered": _l("Înregistrat automat"),
    "anulare": _l("Înregistrare anulată"),
    "forwarded": _l("Redirecționat către instituția competentă"),
    "letter_sent": _l("Adresă expediată"),
    "letter_drafted": _l("Scrisoare trimisă spre aprobare"),
    "letter_approved": _l("Scrisoare aprobată"),
    "letter_returned": _l("Scrisoare returnată pentru modificări"),
    "attached_to_account": _l("Atașat la contul solicitantului"),
    "completion_requested": _l("Completare cerută solicitantului"),
    "completion_answered": _l("Completare depusă de solicitant"),
    "completion_cancelled": _l("Cerere de completare închisă"),
    "message_to_citizen": _l("Mesaj oficial către solicitant"),
    "answer_posted": _l("Răspuns expediat prin poștă"),
    "task_reassigned": _l("Sarcină reasignată"),
    "signature_checked": _l("Semnături verificate la primire"),
    "route_cancelled": _l("Traseu oprit de un operator"),
    "operation": _l("Acțiune a operatorului pe traseu"),
    "incident": _l("Incident pe traseu"),
}

# Messages the application stores in the history in the source language (Romanian); pages show them in the
# reader's language by matching them against these templates (app/workflow/texts.py: history_message).
HISTORY_MESSAGES = (
    _l("Înregistrat automat la depunerea online cu nr. %(label)s."),
    _l("Răspuns semnat electronic de %(signers)s; semnături verificate."),
    _l("Înregistrare anulată: %(reason)s"),
    _l("Completare depusă: %(names)s."),
)


# Steps the engine passes that the analyst left without a name (a parallel split, an unnamed start or end): the
# history names them by what they do, never by their BPMN id (SpiffWorkflow's spec class names).
ELEMENT_TYPE_LABELS = {
    "StartEvent": _l("Traseul a pornit"),
    "EndEvent": _l("Traseul s-a încheiat"),
    "ParallelGateway": _l("Ramificare: pașii următori merg în paralel"),
    "ExclusiveGateway": _l("Decizie automată a traseului"),
    "InclusiveGateway": _l("Decizie automată a traseului"),
    "EventBasedGateway": _l("Așteptare: primul eveniment decide"),
    "ScriptTask": _l("Pas automat"),
    "ServiceTask": _l("Pas automat"),
    "IntermediateCatchEvent": _l("Așteptare a unui termen sau semnal"),
    "IntermediateThrowEvent": _l("Semnal transmis în traseu"),
    "BoundaryEvent": _l("Termen sau semnal pe pasul curent"),
    "SubWorkflowTask": _l("Etapă a traseului"),
    "CallActivity": _l("Etapă a traseului"),
    "UserTask": _l("Pas al unei persoane"),
    "ManualTask": _l("Pas manual"),
    "NoneTask": _l("Pas"),
}


def event_label(code: str | None):
    """A history event in people's words; an event without a label reads as a step of the route, not as its code."""
    return EVENT_LABELS.get(code or "", _l("Pas în traseu"))


def unnamed_step_label(entry):
    """What a history entry the analyst left without a name is called (app/workflow/texts.py: step_name): what the
    element does, else the event. Never a BPMN id or an event code."""
    if getattr(entry, "element_type", None) in ELEMENT_TYPE_LABELS:
        return ELEMENT_TYPE_LABELS[entry.element_type]
    return event_label(entry.event)


# Audit log actions (audit_entries.action), shown on the auditor pages and in archive record cards.
ACTION_LABELS = {
    "login": _l("Autentificare"),
    "login_failed": _l("Autentificare eșuată"),
    "logout": _l("Ieșire din cont"),
    "account_created": _l("Cont creat"),
    "api_token_issued": _l("Token API emis"),
    "route_started": _l("Traseu pornit"),
    "task_completed": _l("Pas finalizat"),
    "route_advanced": _l("Pași automați"),
    "assignment": _l("Repartizare sarcină"),
    "task_claimed": _l("Sarcină preluată"),
    "task_released": _l("Sarcină eliberată"),
    "registration": _l("Înregistrare"),
    "document_changed": _l("Date modificate"),
    "file_added": _l("Fișier adăugat"),
    "document_viewed": _l("Document vizualizat"),
    "file_downloaded": _l("Fișier descărcat"),
    "signature": _l("Semnătură"),
    "signature_validated": _l("Validare semnătură"),
    "seal": _l("Sigiliu electronic"),
    "process_deployed": _l("Versiune de traseu publicată"),
    "audit_export": _l("Export pachet de audit"),
    "audit_replay": _l("Reluare traseu"),
    "audit_checkpoint": _l("Punct de control al lanțului"),
    "audit_legacy_sealed": _l("Intrări vechi ale jurnalului sigilate"),
    "registry_annulment": _l("Înregistrare anulată"),
    "registry_link": _l("Documente conexate"),
    "registry_dispatch": _l("Răspuns expediat (consemnat în registru)"),
    "registry_entry_completed": _l("Date de registru completate"),
    "registry_day_frozen": _l("Registrul zilei închis (PDF)"),
    "registry_export": _l("Export registru (CSV)"),
    "delegation_set": _l("Delegare stabilită"),
    "delegation_cancelled": _l("Delegare anulată"),
    "personal_data_viewed": _l("Date personale (CNP) afișate"),
    "company_enrolled": _l("Persoană juridică înrolată"),
    "email_verified": _l("Adresă de e-mail verificată"),
    "totp_enabled": _l("Autentificare în doi pași activată"),
    "totp_disabled": _l("Autentificare în doi pași dezactivată"),
    "institution_created": _l("Instituție creată"),
    "department_created": _l("Compartiment creat"),
    "staff_created": _l("Cont de personal creat"),
    "membership_added": _l("Rol atribuit"),
    "membership_removed": _l("Rol retras"),
    "institution_settings": _l("Setările instituției modificate"),
    "platform_admin_set": _l("Administrator de platformă stabilit"),
    "archive_record": _l("Document arhivat"),
    "archive_record_viewed": _l("Fișă de arhivă vizualizată"),
    "archive_fixity": _l("Verificare de integritate a arhivei"),
    "archive_export": _l("Export pachet E-ARK"),
    "archive_file_closed": _l("Dosar închis"),
    "archive_legal_hold": _l("Blocare legală a eliminării"),
    "archive_legal_hold_lifted": _l("Blocare legală ridicată"),
    "archive_disposal_proposed": _l("Eliminare propusă"),
    "archive_destroyed": _l("Documente eliminate (proces-verbal)"),
    "archive_timestamp_renewed": _l("Marcă temporală reînnoită"),
    "completion_requested": _l("Completare cerută solicitantului"),
    "completion_answered": _l("Completare depusă de solicitant"),
    "completion_cancelled": _l("Cerere de completare închisă"),
    "message_to_citizen": _l("Mesaj oficial către solicitant"),
    "staff_comment": _l("Comentariu intern"),
    "answer_posted": _l("Răspuns expediat prin poștă"),
    "registered": _l("Înregistrat automat"),
    "paper_intake": _l("Înregistrare document pe hârtie"),
    "internal_document_started": _l("Document intern pornit"),
    "receipt_printed": _l("Recipisă descărcată (PDF)"),
    "receipt_reissued": _l("Recipisă reeditată (cod de acces nou)"),
    "document_attached_to_account": _l("Document atașat la contul solicitantului"),
    "document_types_changed": _l("Tipuri de documente primite modificate"),
    "letter_sent": _l("Adresă expediată"),
    "letter_received": _l("Adresă primită de la altă instituție"),
    "statutory_report": _l("Raport legal generat (OG 27/2002, Legea 544/2001)"),
    "letter_drafted": _l("Scrisoare trimisă spre aprobare"),
    "letter_approved": _l("Scrisoare aprobată"),
    "letter_returned": _l("Scrisoare returnată pentru modificări"),
    # citizens' accounts: ROeID, self-service, company mandates
    "roeid_login": _l("Autentificare ROeID"),
    "roeid_refused": _l("Autentificare ROeID refuzată"),
    "roeid_account_created": _l("Cont creat din ROeID"),
    "roeid_linked": _l("Cont legat de ROeID"),
    "password_reset_requested": _l("Resetare parolă cerută"),
    "password_reset": _l("Parolă resetată"),
    "password_reset_refused": _l("Resetare parolă refuzată"),
    "contact_changed": _l("Date de contact modificate"),
    "email_change_requested": _l("Schimbare e-mail cerută"),
    "email_changed": _l("Adresă de e-mail schimbată"),
    "personal_data_exported": _l("Date personale descărcate"),
    "account_closed": _l("Cont închis"),
    "mandate_requested": _l("Împuternicire depusă"),
    "mandate_approved": _l("Împuternicire aprobată"),
    "mandate_refused": _l("Împuternicire refuzată"),
    "mandate_revoked": _l("Împuternicire retrasă"),
    "mandate_file_refused": _l("Fișier de împuternicire refuzat"),
    "submission_refused_not_representative": _l("Depunere refuzată: nu mai este reprezentant"),
    # hardening: API tokens, sign-up that does not reveal existing accounts
    "api_token_revoked": _l("Token API revocat"),
    "signup_existing_account": _l("Cont nou cu datele unui cont existent"),
    # process operations: migrations, operators' actions on a route, incidents
    "route_migrated": _l("Traseu mutat pe altă versiune"),
    "route_operation": _l("Acțiune de operare pe traseu"),
    "incident_opened": _l("Incident pe traseu"),
    "incident_resolved": _l("Incident rezolvat"),
}
