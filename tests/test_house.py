"""The shape of the package: imports that go one way, small functions, small modules.

Package-level import graph of igdtf/, read with ast from every module (absolute and relative
imports, those inside functions included): a node is a first-level subpackage of igdtf
(igdtf.training), a root module (igdtf.errors) or a `__main__` module (igdtf.export.__main__,
an entry point nothing imports). Any cycle fails the test, named. The same check runs inside
every package, one level down (nodes: its subpackages and modules, and its __init__ for the
names it re-exports), so modules of one package or subpackages of one package never import
each other in a cycle either.
"""

import ast
import os

import pytest

import igdtf

ROOT = os.path.dirname(igdtf.__file__)
MAX_FUNCTION_LINES = 60
MAX_MODULE_LINES = 300


def _modules(root: str = ROOT, package: str = "igdtf") -> dict[str, str]:
    """{dotted module name: file path} of every module below `root` (packages as NAME.__init__)."""
    modules = {}
    for folder, _, names in os.walk(root):
        parts = os.path.relpath(folder, root).split(os.sep)
        prefix = ".".join([package] + [p for p in parts if p != "."])
        for name in names:
            if name.endswith(".py"):
                modules[f"{prefix}.{name[:-3]}"] = os.path.join(folder, name)
    return modules


def imported_modules(module: str, source: str) -> set[str]:
    """The dotted names `source` (the code of `module`, a package given as NAME.__init__) imports,
    anywhere in it; `from P import a` yields P.a (a may be a module) and P."""
    package = module.rsplit(".", 1)[0]
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def node_of(name: str, package: str, known: set[str]) -> str | None:
    """The graph node of dotted `name` inside `package`: its child (a subpackage or a module), a
    __main__ module, or PACKAGE.__init__ for a name `package`'s __init__ defines or re-exports;
    None if `name` is outside `package` or is `package` itself."""
    if not name.startswith(package + "."):
        return None
    parts = name[len(package) + 1:].split(".")
    child = f"{package}.{parts[0]}"
    if parts[-1] in ("__main__", "__init__"):
        return name
    if child not in known:
        return f"{package}.__init__" if len(parts) == 1 else None  # `from PACKAGE import name`
    return child


def import_graph(package: str, modules: dict[str, str]) -> dict[str, set[str]]:
    """{node: nodes it imports} among the children of `package` (see node_of)."""
    known = {m[:-len(".__init__")] if m.endswith(".__init__") else m for m in modules}
    known |= {m.rsplit(".", 1)[0] for m in known}
    graph = {}
    for module, path in modules.items():
        source_node = node_of(module if module == f"{package}.__init__" else module.removesuffix(".__init__"),
                              package, known)
        if source_node is None:
            continue
        with open(path, encoding="utf-8") as file:
            imported = imported_modules(module, file.read())
        targets = {node_of(name, package, known) for name in imported}
        graph.setdefault(source_node, set()).update(t for t in targets if t not in (None, source_node))
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan), each sorted, as cycles."""
    index, low, stack, on_stack, components = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(components)


def _describe(cycle: list[str], graph: dict[str, set[str]]) -> str:
    edges = [f"{a} -> {b}" for a in cycle for b in sorted(graph[a]) if b in cycle]
    return f"{' <-> '.join(cycle)} ({'; '.join(edges)})"


def test_the_cycle_finder_finds_cycles_and_only_cycles():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"f"}, "f": {"e"}, "g": set()}
    assert find_cycles(graph) == [["a", "b", "c"], ["e", "f"]]
    assert find_cycles({"a": {"b"}, "b": {"c"}, "d": {"a", "c"}}) == []


def test_imports_are_read_wherever_they_are():
    source = ("import igdtf.errors\nfrom igdtf.training import run\nfrom . import sibling\n"
              "from ..runs.files import MODEL_FILE\ndef f():\n    from igdtf import validation\n")
    names = imported_modules("igdtf.data.sources.folder", source)
    assert {"igdtf.errors", "igdtf.training.run", "igdtf.data.sources.sibling", "igdtf.data.runs.files",
            "igdtf.validation"} <= names
    known = {"igdtf.errors", "igdtf.training", "igdtf.training.run", "igdtf.validation", "igdtf.data"}
    assert node_of("igdtf.training.run.train_model", "igdtf", known) == "igdtf.training"
    assert node_of("igdtf.export.__main__", "igdtf", known) == "igdtf.export.__main__"
    assert node_of("igdtf.training.run.train_model", "igdtf.training", known) == "igdtf.training.run"
    assert node_of("igdtf.training.train_model", "igdtf.training", known) == "igdtf.training.__init__"
    assert node_of("igdtf.training.run.nothing.deeper", "igdtf", known) == "igdtf.training"


def test_a_cycle_in_a_fake_package_is_found(tmp_path):
    for path, code in {"fake/__init__.py": "", "fake/a/__init__.py": "from fake.b import x\n",
                       "fake/b/__init__.py": "", "fake/b/x.py": "def f():\n    from ..a import y\n",
                       "fake/a/y.py": "", "fake/c.py": "import fake.a\n"}.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(code)
    graph = import_graph("fake", _modules(str(tmp_path / "fake"), "fake"))
    assert find_cycles(graph) == [["fake.a", "fake.b"]]
    assert _describe(["fake.a", "fake.b"], graph) == "fake.a <-> fake.b (fake.a -> fake.b; fake.b -> fake.a)"


@pytest.mark.parametrize("package", sorted(m.removesuffix(".__init__") for m in _modules() if m.endswith(".__init__")))
def test_no_import_cycle(package):
    graph = import_graph(package, _modules())
    cycles = find_cycles(graph)
    assert not cycles, "import cycles: " + " | ".join(_describe(c, graph) for c in cycles)


def long_functions(path: str, limit: int = MAX_FUNCTION_LINES) -> list[str]:
    """"NAME (N lines)" for every def in the file longer than `limit` lines (decorators excluded)."""
    with open(path, encoding="utf-8") as file:
        tree = ast.parse(file.read())
    return [f"{node.name} ({node.end_lineno - node.lineno + 1} lines)" for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.end_lineno - node.lineno + 1 > limit]


def test_the_size_checks_can_fail(tmp_path):
    path = tmp_path / "long.py"
    path.write_text("def f():\n" + "    x = 1\n" * 60 + "\nclass C:\n    def g(self):\n        pass\n")
    assert long_functions(str(path)) == ["f (61 lines)"]


def test_no_long_function_or_module():
    offenders = []
    for module, path in sorted(_modules().items()):
        with open(path, encoding="utf-8") as file:
            lines = sum(1 for _ in file)
        if lines > MAX_MODULE_LINES:
            offenders.append(f"{module}: {lines} lines")
        offenders += [f"{module}.{name}" for name in long_functions(path)]
    assert not offenders, (f"over {MAX_MODULE_LINES} lines per module or {MAX_FUNCTION_LINES} per function: "
                           + "; ".join(offenders))
