"""The checker's messages in the interface language. Checks and deploy gates describe a problem in one technical
form (the English one, stable for logs, tests and the API's `message`); what a person reads is translated here: in
the modeler the request's language, on the command line the locale (LC_ALL, LC_MESSAGES, LANG: "ro..." gives
Romanian). A message without a translation is shown as it is."""

import os
import re

from flask_babel import force_locale
from flask_babel import gettext as _


def _l(text: str) -> str:
    """Marks a msgid for extraction (babel.cfg's `_l` keyword); translated when a message is shown."""
    return text


# (the technical message, its Romanian wording as a msgid whose English translation is the technical wording)
_PATTERNS: list[tuple[str, str]] = [
    (
        r"no bpmn:process element: not a BPMN 2\.0 process file",
        _l("niciun element bpmn:process: nu este un fișier de proces BPMN 2.0"),
    ),
    (
        r'process is not executable: set isExecutable="true" \(the engine skips it\)',
        _l('procesul nu este executabil: setați isExecutable="true" (motorul îl ignoră)'),
    ),
    (
        r"unreachable: no path from a start event leads here",
        _l("inaccesibil: niciun drum de la un eveniment de început nu ajunge aici"),
    ),
    (
        r"data store without an implementation: the engine cannot load it",
        _l("depozit de date fără implementare: motorul nu îl poate încărca"),
    ),
    (
        r"service tasks are not supported yet: use a script task calling a helper",
        _l(
            "activitățile de serviciu nu sunt încă acceptate: folosiți o activitate script care apelează o funcție ajutătoare"
        ),
    ),
    (r"send tasks are not supported yet", _l("activitățile de trimitere nu sunt încă acceptate")),
    (r"receive tasks are not supported yet", _l("activitățile de primire nu sunt încă acceptate")),
    (r"complex gateways are not supported by the engine", _l("porțile complexe nu sunt acceptate de motor")),
    (r"transaction subprocesses are not supported yet", _l("subprocesele tranzacție nu sunt încă acceptate")),
    (
        r"user task outside any lane: put it in a lane named after a role",
        _l("activitate umană în afara oricărui culoar: puneți-o într-un culoar numit după un rol"),
    ),
    (
        r'lane "(?P<lane>[^"]*)" maps to no role \(known: (?P<known>.*)\)',
        _l("culoarul „%(lane)s” nu corespunde niciunui rol (cunoscute: %(known)s)"),
    ),
    (r"user task in the automatic lane", _l("activitate umană în culoarul automat")),
    (
        r"user task without a form \(spiffworkflow property formJsonSchemaFilename\)",
        _l("activitate umană fără formular (proprietatea spiffworkflow formJsonSchemaFilename)"),
    ),
    (r"form file (?P<name>\S+) not found in forms/", _l("fișierul de formular %(name)s nu există în forms/")),
    (
        r"form file (?P<name>\S+) is not valid JSON \((?P<error>.*)\)",
        _l("fișierul de formular %(name)s nu este JSON valid (%(error)s)"),
    ),
    (r"script: (?P<error>.*)", _l("script: %(error)s")),
    (r"decision table (?P<name>\S+) input", _l("intrarea tabelului de decizie %(name)s")),
    (r"condition towards (?P<target>\S+): (?P<error>.*)", _l("condiția spre %(target)s: %(error)s")),
    (r"condition towards (?P<target>\S+)", _l("condiția spre %(target)s")),
    (
        r'(?P<where>.+) reads "(?P<name>[^"]+)", which no form, script or helper provides',
        _l(
            "%(where)s citește „%(name)s”, pe care niciun formular, script sau funcție ajutătoare nu îl furnizează"
        ),
    ),
    (
        r'(?P<where>.+) reads "(?P<name>[^"]+)", which some path reaches this element without setting',
        _l("%(where)s citește „%(name)s”, pe care un drum până aici nu îl setează"),
    ),
    (
        r'the assignee variable "(?P<name>[^"]+)" may not be set on every path to this task',
        _l("variabila de atribuire „%(name)s” poate lipsi pe unele drumuri până la acest pas"),
    ),
    (r"the file is larger than (?P<n>\d+) MB", _l("fișierul depășește %(n)s MB")),
    (
        r"the file is not well-formed XML \((?P<error>.*)\)",
        _l("fișierul nu este XML bine format (%(error)s)"),
    ),
    (
        r"the file declares a DOCTYPE \(entities are refused: XML entity attacks\)",
        _l("fișierul declară un DOCTYPE (entitățile sunt refuzate: atacuri cu entități XML)"),
    ),
    (
        r'the diagram must keep the process id "(?P<pid>[^"]+)"',
        _l("diagrama trebuie să păstreze id-ul de proces „%(pid)s”"),
    ),
    (
        r"the diagram may hold only the process it edits",
        _l("diagrama poate conține doar procesul pe care îl editează"),
    ),
    (
        r'the diagram must hold exactly one process, "(?P<pid>[^"]+)"',
        _l("diagrama trebuie să conțină exact un proces, „%(pid)s”"),
    ),
    (r"the manifest must be a JSON object", _l("manifestul trebuie să fie un obiect JSON")),
    (r"unknown field\(s\) (?P<fields>.*)", _l("câmp(uri) necunoscut(e): %(fields)s")),
    (r"'(?P<field>[^']+)' is required", _l("„%(field)s” este obligatoriu")),
    (
        r"the code must be lower-case letters, digits and '-' \(it appears in URLs\)",
        _l("codul are doar litere mici, cifre și „-” (apare în adrese)"),
    ),
    (
        r'retention_years must be 1, 3, 5, 10, 30, 50, 100 or "permanent"',
        _l("retention_years trebuie să fie 1, 3, 5, 10, 30, 50, 100 sau „permanent”"),
    ),
    (
        r'the submission form has no field "(?P<name>[^"]+)"',
        _l("formularul de depunere nu are câmpul „%(name)s”"),
    ),
    (
        r'the code "(?P<code>[^"]+)" is already used: choose another',
        _l("codul „%(code)s” este deja folosit: alegeți altul"),
    ),
    (r"the manifest's code must be \"(?P<code>[^\"]+)\"", _l("codul din manifest trebuie să fie „%(code)s”")),
    (
        r"a new type needs at least one scenario test",
        _l("un tip nou are nevoie de cel puțin un test de scenariu"),
    ),
    (r'scenario "(?P<name>.+?)" fails: (?P<failure>.*)', _l("scenariul „%(name)s” nu trece: %(failure)s")),
    (r"scenario tests cannot run: (?P<problem>.*)", _l("testele de scenariu nu pot rula: %(problem)s")),
    (
        r"business-rule task without a decision \(calledDecisionId\)",
        _l("pas cu tabel de decizie fără decizie (calledDecisionId)"),
    ),
    (
        r'no DMN file defines the decision "(?P<ref>[^"]+)"',
        _l("niciun fișier DMN nu definește decizia „%(ref)s”"),
    ),
    (r"decision id also defined in (?P<file>\S+)", _l("id-ul deciziei este definit și în %(file)s")),
    (
        r"not a DMN 1\.2 or 1\.3 file \(root element dmn:definitions\)",
        _l("nu este un fișier DMN 1.2 sau 1.3 (elementul rădăcină dmn:definitions)"),
    ),
    (
        r"a DMN file must hold exactly one decision \(found (?P<n>\d+)\)",
        _l("un fișier DMN trebuie să conțină exact o decizie (găsite: %(n)s)"),
    ),
    (
        r"the decision must be one decision table \(no literal expression, no DRD only\)",
        _l("decizia trebuie să fie un tabel de decizie (nu o expresie literală, nu doar o diagramă DRD)"),
    ),
    (r"the table has no output column", _l("tabelul nu are nicio coloană de ieșire")),
    (
        r"input column without an expression \(e\.g\. a form field name\)",
        _l("coloană de intrare fără expresie (de exemplu numele unui câmp de formular)"),
    ),
    (
        r"output column without a name \(the variable it sets\)",
        _l("coloană de ieșire fără nume (variabila pe care o setează)"),
    ),
    (
        r"rule (?P<n>\d+) does not have one cell per column",
        _l("regula %(n)s nu are câte o celulă pe coloană"),
    ),
    (
        r"rule (?P<n>\d+), condition (?P<text>.+?): (?P<error>.*)",
        _l("regula %(n)s, condiția %(text)s: %(error)s"),
    ),
    (
        r"rule (?P<n>\d+), result (?P<text>.+?): (?P<error>.*)",
        _l("regula %(n)s, rezultatul %(text)s: %(error)s"),
    ),
    (r"input expression: (?P<error>.*)", _l("expresia de intrare: %(error)s")),
    (r"unknown hit policy (?P<policy>.*)", _l("politică de potrivire necunoscută: %(policy)s")),
    # Scenario tests' failures (app/workflow/scenarios.py), most specific first.
    (
        r'step (?P<n>\d+): the route does not wait for task "(?P<task>[^"]+)"; it waits for: (?P<waiting>.*)',
        _l("pasul %(n)s: traseul nu așteaptă sarcina „%(task)s”; așteaptă: %(waiting)s"),
    ),
    (
        r"step (?P<n>\d+) \((?P<element>[^)]*)\): the form refuses the data: (?P<shown>.*)",
        _l("pasul %(n)s (%(element)s): formularul refuză datele: %(shown)s"),
    ),
    (
        r"step (?P<n>\d+) \((?P<element>[^)]*)\): the route failed: (?P<detail>.*)",
        _l("pasul %(n)s (%(element)s): traseul a eșuat: %(detail)s"),
    ),
    (
        r'step (?P<n>\d+): expected the route to fail with "(?P<text>.*)", it did not',
        _l("pasul %(n)s: traseul trebuia să eșueze cu „%(text)s”, dar nu a eșuat"),
    ),
    (
        r'step (?P<n>\d+): "(?P<duration>[^"]*)" is not an ISO 8601 duration such as "P25D"',
        _l("pasul %(n)s: „%(duration)s” nu este o durată ISO 8601, de exemplu „P25D”"),
    ),
    (
        r"step (?P<n>\d+): more than (?P<max>\d+) timers fired: is a timer loop stuck\?",
        _l(
            "pasul %(n)s: s-au declanșat peste %(max)s temporizatoare: un temporizator se repetă la nesfârșit?"
        ),
    ),
    (
        r"path differs:\n +expected (?P<expected>.*)\n +actual +(?P<actual>.*)",
        _l("drumul diferă:\n      așteptat %(expected)s\n      real     %(actual)s"),
    ),
    (
        r"the path does not pass (?P<missing>.*) in this order; actual path (?P<actual>.*)",
        _l("drumul nu trece prin %(missing)s în această ordine; drumul real: %(actual)s"),
    ),
    (
        r'the path passes "(?P<element>[^"]+)", which it should avoid',
        _l("drumul trece prin „%(element)s”, pe care ar trebui să-l ocolească"),
    ),
    (
        r"waits for (?P<actual>.*), expected (?P<expected>.*)",
        _l("așteaptă %(actual)s, se aștepta %(expected)s"),
    ),
    (
        r"the route has ended",
        _l("traseul s-a încheiat"),
    ),
    (
        r"the route has not ended \(waits for (?P<waiting>.*)\)",
        _l("traseul nu s-a încheiat (așteaptă %(waiting)s)"),
    ),
    (
        r'status is "(?P<actual>[^"]*)", expected "(?P<expected>[^"]*)"',
        _l("starea este „%(actual)s”, se aștepta „%(expected)s”"),
    ),
    (
        r'resolution "(?P<actual>.*)" does not contain "(?P<expected>.*)"',
        _l("soluția „%(actual)s” nu conține „%(expected)s”"),
    ),
    (
        r"the document is registered",
        _l("documentul este înregistrat"),
    ),
    (
        r"the document is not registered",
        _l("documentul nu este înregistrat"),
    ),
    (
        r'department is "(?P<actual>[^"]*)", expected "(?P<expected>[^"]*)"',
        _l("compartimentul este „%(actual)s”, se aștepta „%(expected)s”"),
    ),
    (
        r"deadline is (?P<actual>\S+), expected (?P<expected>\S+)",
        _l("termenul este %(actual)s, se aștepta %(expected)s"),
    ),
    (
        r"the document is marked overdue",
        _l("documentul este marcat depășit"),
    ),
    (
        r"the document is not marked overdue",
        _l("documentul nu este marcat depășit"),
    ),
    (
        r"(?P<actual>\d+) reminder\(s\) sent, expected (?P<expected>\d+)",
        _l("%(actual)s reamintiri trimise, se așteptau %(expected)s"),
    ),
    (
        r"(?P<actual>\d+) deadline change\(s\), expected (?P<expected>\d+)",
        _l("%(actual)s schimbări de termen, se așteptau %(expected)s"),
    ),
    (
        r"forwarded to (?P<actual>.*), expected (?P<expected>.*)",
        _l("redirecționat către %(actual)s, se aștepta %(expected)s"),
    ),
    (
        r'no answer contains "(?P<expected>.*)"',
        _l("niciun răspuns nu conține „%(expected)s”"),
    ),
    (
        r'task "(?P<task>[^"]+)" is not waiting, so it has no assignee',
        _l("sarcina „%(task)s” nu așteaptă, deci nu are responsabil"),
    ),
    (
        r'task "(?P<task>[^"]+)" is assigned to (?P<actual>.*), expected (?P<expected>.*)',
        _l("sarcina „%(task)s” este atribuită lui %(actual)s, se aștepta %(expected)s"),
    ),
    (
        r'route data "(?P<name>[^"]+)" is (?P<actual>.*), expected (?P<expected>.*)',
        _l("data traseului „%(name)s” este %(actual)s, se aștepta %(expected)s"),
    ),
    (
        r"step (?P<n>\d+): (?P<rest>.*)",
        _l("pasul %(n)s: %(rest)s"),
    ),
    (
        r"end: (?P<rest>.*)",
        _l("la final: %(rest)s"),
    ),
]
# Parts that are themselves a message (translated in turn).
_NESTED = ("where", "error", "failure", "problem", "rest")
_COMPILED = [(re.compile(f"^{pattern}$", re.S), msgid) for pattern, msgid in _PATTERNS]
_LINE = re.compile(r"^line (?P<line>\d+): (?P<rest>.*)$", re.S)


def localize(message: str) -> str:
    """`message` in the current language (Flask-Babel's locale)."""
    line = _LINE.match(message)
    if line:
        return _("rândul %(line)s: %(rest)s", line=line["line"], rest=localize(line["rest"]))
    for pattern, msgid in _COMPILED:
        found = pattern.match(message)
        if found:
            parts = {
                name: localize(value) if name in _NESTED else value
                for name, value in found.groupdict().items()
            }
            return _(msgid, **parts)
    return message


def localized_problem(problem) -> str:
    where = f"{problem.file}: {problem.element_id}" if problem.element_id else problem.file
    return f"{where}: {localize(problem.message)}"


def cli_locale() -> str:
    """The command line's language: the POSIX locale ("ro_RO.UTF-8" gives Romanian), English otherwise."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            return "ro" if value.lower().startswith("ro") else "en"
    return "en"


def in_cli_locale():
    return force_locale(cli_locale())
