// Romanian texts for bpmn-js, its properties panel and dmn-js, used when the page is in Romanian (<html lang="ro">):
// the modeler speaks the interface language. A text without an entry stays in English.
const RO = {
  "General": "General", "Name": "Nume", "ID": "ID", "Participant ID": "ID participant", "Documentation": "Documentație",
  "Element documentation": "Documentația elementului", "Process documentation": "Documentația procesului",
  "Process ID": "ID proces", "Process name": "Nume proces", "Executable": "Executabil", "Version tag": "Etichetă versiune",
  "Condition": "Condiție", "Condition Expression": "Expresia condiției", "Condition expression": "Expresia condiției",
  "Timer": "Termen", "Type": "Tip", "Value": "Valoare", "Date": "Dată", "Duration": "Durată", "Cycle": "Repetare",
  "Message": "Mesaj", "Signal": "Semnal", "Error": "Eroare", "Escalation": "Escaladare", "Link": "Legătură",
  "Compensation": "Compensare", "Multi-instance": "Instanțe multiple", "Loop cardinality": "Număr de repetări",
  "Completion condition": "Condiție de încheiere", "Extension properties": "Proprietăți de extensie",
  "Global message reference": "Mesaj global", "Global error reference": "Eroare globală",
  "Global escalation reference": "Escaladare globală", "Code": "Cod", "<none>": "<niciunul>", "<empty>": "<gol>",
  "Create new ...": "Creează nou ...", "Learn more.": "Aflați mai multe.", "Script": "Script",
  "Implementation": "Implementare", "Inputs": "Intrări", "Outputs": "Ieșiri", "Data": "Date",
  "Asynchronous continuations": "Continuări asincrone", "Called element": "Element apelat",
  "Activate hand tool": "Instrumentul mână", "Activate lasso tool": "Instrumentul lasou",
  "Activate create/remove space tool": "Instrumentul de adăugat/eliminat spațiu",
  "Activate global connect tool": "Instrumentul de conectare", "Create start event": "Eveniment de început",
  "Create intermediate/boundary event": "Eveniment intermediar/de margine", "Create end event": "Eveniment de sfârșit",
  "Create gateway": "Poartă", "Create task": "Activitate", "Create data object reference": "Obiect de date",
  "Create data store reference": "Depozit de date", "Create expanded sub-process": "Subproces extins",
  "Create pool/participant": "Bazin/participant", "Create group": "Grup", "Append task": "Adaugă activitate",
  "Append end event": "Adaugă eveniment de sfârșit", "Append gateway": "Adaugă poartă",
  "Append intermediate/boundary event": "Adaugă eveniment intermediar", "Append text annotation": "Adaugă notă",
  "Add text annotation": "Adaugă notă", "Append timer intermediate catch event": "Adaugă termen",
  "Append message intermediate catch event": "Adaugă așteptare de mesaj", "Change type": "Schimbă tipul",
  "Change element": "Schimbă elementul", "Delete": "Șterge", "Connect using sequence flow": "Conectează cu flux",
  "Connect to other element": "Conectează cu alt element", "Connect using association": "Conectează cu asociere",
  "Add lane above": "Adaugă culoar deasupra", "Add lane below": "Adaugă culoar dedesubt",
  "Divide into two lanes": "Împarte în două culoare", "Divide into three lanes": "Împarte în trei culoare",
  "Search in diagram": "Caută în diagramă", "Task": "Activitate", "User task": "Activitate umană (user task)",
  "Script task": "Activitate script", "Business rule task": "Tabel de decizie (business rule task)",
  "Service task": "Activitate de serviciu", "Exclusive gateway": "Poartă exclusivă", "Parallel gateway": "Poartă paralelă",
  "Inclusive gateway": "Poartă inclusivă", "Start event": "Eveniment de început", "End event": "Eveniment de sfârșit",
  "Timer intermediate catch event": "Termen (eveniment intermediar)", "Sequence flow": "Flux",
  "Default flow": "Flux implicit", "Conditional flow": "Flux condiționat", "Loop": "Buclă",
  "Parallel multi-instance": "Instanțe multiple în paralel", "Sequential multi-instance": "Instanțe multiple succesive",
  // dmn-js (decision tables)
  "Input": "Intrare", "Output": "Ieșire", "Annotation": "Adnotare", "Hit policy": "Politica de potrivire",
  "Hit Policy:": "Politica de potrivire:", "Add rule": "Adaugă regulă", "Add Rule": "Adaugă regulă",
  "Add input": "Adaugă intrare", "Add output": "Adaugă ieșire", "Remove rule": "Elimină regula",
  "Input label": "Eticheta intrării", "Output label": "Eticheta ieșirii", "Output name": "Numele ieșirii",
  "Input expression": "Expresia intrării", "Expression": "Expresie", "Expression language": "Limbajul expresiei",
  "Rule": "Regulă", "Rules": "Reguli", "Decision table": "Tabel de decizie",
};

export default function translateRo(template, replacements) {
  replacements = replacements || {};
  const text = document.documentElement.lang === "ro" ? RO[template] || template : template;
  return text.replace(/{([^}]+)}/g, (_m, key) => (key in replacements ? replacements[key] : "{" + key + "}"));
}

export const translateModule = { translate: ["value", translateRo] };
