"""The packages of app/ depend on each other one way only (docs/architecture.md draws the direction). The graph is
computed from the code with ast, counting imports placed inside functions too."""

import ast
from collections import defaultdict
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"
# What the engine core may import besides itself: identity (who may act), the audit log and the leaves.
ENGINE_MAY_IMPORT = {"identity", "audit", "forms", "storage", "mail", "operations"}


def packages() -> set[str]:
    return {p.name for p in APP.iterdir() if p.is_dir() and (p / "__init__.py").exists()}


def package_graph() -> dict[str, dict[str, list[str]]]:
    """{package: {imported package: ["file:line", ...]}} between packages of app/."""
    known = packages()
    edges: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path in APP.rglob("*.py"):
        relative = path.relative_to(APP.parent).with_suffix("")
        module = ".".join(relative.parts)
        if path.name == "__init__.py":
            module, here = module[: -len(".__init__")], module[: -len(".__init__")]
        else:
            here = module.rsplit(".", 1)[0]
        parts = module.split(".")
        if len(parts) < 2 or parts[1] not in known:
            continue  # app/__init__.py and the top-level modules (app/dates.py, app/jobs.py, ...) are no package
        source = parts[1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = here.split(".")[: len(here.split(".")) - (node.level - 1)]
                    base = ".".join(anchor + ([node.module] if node.module else []))
                targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            for target in targets:
                bits = target.split(".")
                if len(bits) > 1 and bits[0] == "app" and bits[1] in known and bits[1] != source:
                    edges[source][bits[1]].append(f"{path.relative_to(APP.parent)}:{node.lineno}")
    return edges


def cycles(edges) -> list[list[str]]:
    """Strongly connected components with more than one package (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in list(edges):
        if v not in index:
            visit(v)
    return found


def test_no_cycle_between_packages():
    edges = package_graph()
    problems = []
    for component in cycles(edges):
        lines = [
            f"  {a} -> {b}: {edges[a][b][0]}" for a in component for b in component if b in edges.get(a, {})
        ]
        problems.append("cycle: " + " ".join(component) + "\n" + "\n".join(lines))
    assert not problems, "\n".join(problems)


def test_the_engine_imports_no_domain_package():
    edges = package_graph()
    domain = {b: places for b, places in edges.get("workflow", {}).items() if b not in ENGINE_MAY_IMPORT}
    assert not domain, "\n".join(f"workflow -> {b}: {places}" for b, places in sorted(domain.items()))


def test_the_graph_sees_imports_inside_functions():
    # The rule would be empty if the parser missed imports placed inside functions to dodge cycles.
    edges = package_graph()
    assert "workflow" in edges and "registry" in edges.get("correspondence", {})


def test_the_docs_name_every_package():
    root = APP.parent
    architecture = (root / "docs" / "architecture.md").read_text(encoding="utf-8")
    readme = (root / "README.md").read_text(encoding="utf-8")
    layout = readme[readme.index("## Layout") :]
    missing = {p for p in packages() if f"| `{p}` |" not in architecture or p not in layout}
    assert not missing, f"name these packages in docs/architecture.md and README's layout: {sorted(missing)}"
