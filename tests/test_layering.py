"""The layers of the code, checked from the imports as written (the modules are read, not run).

    foundation  records, settings, IRIs, the data directory, the vocabulary, durations …
    pipeline    graph, publish, store, derived tables, queries, questions, export, check …
    ingest      the stages: seed, entrez, nlp, build, refresh, schedule
    faces       the CLI, ``kb serve``, the explorer's read models, the explorer itself

Each layer imports only the layers before it (ingest sits above the pipeline because a build
publishes), with two more rules: the CLI is the only face that reaches ``ingest``, and only inside
a command's body (so ``kb ask`` never loads the NLP stage); only the explorer imports Streamlit.
No two modules import each other, directly or through others. ``if TYPE_CHECKING:`` imports are
annotations only and are not counted.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("kb", "ingest", "explorer")

FOUNDATION = {
    "kb", "kb.records", "kb.config", "kb.iris", "kb.datadir", "kb.jsonl", "kb.errors", "kb.vocab",
    "kb.durations", "kb.escape", "kb.failpoints", "kb.seal", "kb.lock", "kb.disk", "kb.labels",
    "kb.namespaces", "kb.lines", "kb.kinds",
}  # fmt: skip
FACES = ("kb.cli", "kb.serve", "kb.read", "kb.show", "explorer", "app")
RANK = {"foundation": 0, "pipeline": 1, "ingest": 2, "faces": 3}


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the imported project module (or a third-party top-level name)
    in_body: bool  # inside a function: runs only when the function does
    line: int


def layer(module: str) -> str:
    if module == "kb" or any(
        module == f or module.startswith(f + ".") for f in FOUNDATION - {"kb"}
    ):
        return "foundation"
    if any(module == f or module.startswith(f + ".") for f in FACES):
        return "faces"
    if module.startswith("ingest"):
        return "ingest"
    return "pipeline"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules(root: Path) -> dict[str, Path]:
    modules = {module_name(p, root): p for pkg in PACKAGES for p in (root / pkg).rglob("*.py")}
    if (root / "app.py").exists():
        modules["app"] = root / "app.py"
    return modules


def imports_of(source: str, text: str, modules: set[str]) -> list[Import]:
    """The imports in ``text``: ``from pkg import sub`` names the submodule when there is one."""
    found: list[Import] = []

    def visit(node: ast.AST, in_body: bool) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child, in_body)
            return
        if isinstance(node, ast.Import):
            found.extend(Import(source, a.name, in_body, node.lineno) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            subs = [f"{node.module}.{a.name}" for a in node.names]
            named = [s for s in subs if s in modules]
            targets = named if len(named) == len(subs) else [node.module, *named]
            found.extend(Import(source, t, in_body, node.lineno) for t in targets)
        body = in_body or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        for child in ast.iter_child_nodes(node):
            visit(child, body)

    visit(ast.parse(text), False)
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def problems(imports: list[Import], modules: set[str]) -> list[str]:
    """Every import that breaks a rule, one line each (empty when the layout holds)."""
    out = []
    for imp in imports:
        where = f"{imp.source}:{imp.line} imports {imp.target}"
        top = imp.target.split(".")[0]
        if top == "streamlit" and not (imp.source.startswith("explorer") or imp.source == "app"):
            out.append(f"{where}: only the explorer uses Streamlit")
        if imp.target not in modules:
            continue
        have, want = layer(imp.source), layer(imp.target)
        if have == "faces" and want == "ingest":
            if not imp.source.startswith("kb.cli"):
                out.append(f"{where}: only the CLI reaches the ingest stages")
            elif not imp.in_body:
                out.append(f"{where}: the CLI imports ingest inside a command's body")
        elif RANK[want] > RANK[have]:
            out.append(f"{where}: a {have} module may not import a {want} module")
        if want == "faces" and imp.target.split(".")[0] == "explorer" and have != "faces":
            out.append(f"{where}: nothing below the faces imports the explorer")
    return out + [f"import cycle: {' -> '.join(c)}" for c in cycles(imports, modules)]


def cycles(imports: list[Import], modules: set[str]) -> list[list[str]]:
    """The strongly connected groups of two or more modules (Tarjan), each as a closed path."""
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for imp in imports:
        if imp.target in modules and imp.target != imp.source:
            graph[imp.source].add(imp.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while (w := stack.pop()) != v:
                group.append(w)
            group.append(v)
            if len(group) > 1:
                groups.append([*sorted(group), sorted(group)[0]])

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return groups


def scan(root: Path) -> tuple[list[Import], set[str]]:
    modules = project_modules(root)
    names = set(modules)
    imports = [
        imp
        for name, path in sorted(modules.items())
        for imp in imports_of(name, path.read_text(encoding="utf-8"), names)
    ]
    return imports, names


def test_the_layout_holds():
    imports, modules = scan(ROOT)
    assert len(modules) > 100  # the scan found the code
    assert problems(imports, modules) == []


def test_no_package_module_is_too_long():
    """Issue 17: no module over 450 lines, the median at most 150."""
    lengths = sorted(
        len(path.read_text(encoding="utf-8").splitlines())
        for path in project_modules(ROOT).values()
    )
    too_long = {
        module_name(p, ROOT): n
        for p in project_modules(ROOT).values()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 450
    }
    assert too_long == {}
    assert lengths[len(lengths) // 2] <= 150


# ---- the checker itself, on a made-up tree: each rule must be able to fail


def _tree(tmp_path: Path, files: dict[str, str]) -> tuple[list[Import], set[str]]:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return scan(tmp_path)


@pytest.mark.parametrize(
    "files, expected",
    [
        (
            {"kb/__init__.py": "", "kb/records.py": "import kb.store\n", "kb/store.py": ""},
            "a foundation module may not import a pipeline module",
        ),
        (
            {
                "kb/__init__.py": "",
                "kb/store.py": "from ingest import build\n",
                "ingest/__init__.py": "",
                "ingest/build.py": "",
            },
            "a pipeline module may not import a ingest module",
        ),
        (
            {
                "kb/__init__.py": "",
                "kb/cli/__init__.py": "import ingest.build\n",
                "ingest/__init__.py": "",
                "ingest/build.py": "",
            },
            "the CLI imports ingest inside a command's body",
        ),
        (
            {
                "kb/__init__.py": "",
                "kb/read/__init__.py": "",
                "kb/read/x.py": "import ingest.build\n",
                "ingest/__init__.py": "",
                "ingest/build.py": "",
            },
            "only the CLI reaches the ingest stages",
        ),
        (
            {"kb/__init__.py": "", "kb/read/__init__.py": "", "kb/read/x.py": "import streamlit\n"},
            "only the explorer uses Streamlit",
        ),
        (
            {
                "kb/__init__.py": "",
                "kb/store.py": "def f():\n    import kb.query\n",
                "kb/query.py": "from kb import store\n",
            },
            "import cycle: kb.query -> kb.store -> kb.query",
        ),
    ],
)
def test_each_rule_can_fail(tmp_path, files, expected):
    imports, modules = _tree(tmp_path, files)
    found = problems(imports, modules)
    assert any(expected in line for line in found), found


def test_allowed_imports_pass(tmp_path):
    imports, modules = _tree(
        tmp_path,
        {
            "kb/__init__.py": "",
            "kb/records.py": "",
            "kb/store.py": "from kb import records\n",
            "kb/cli/__init__.py": "def cmd():\n    from ingest import build\n",
            "kb/serve/__init__.py": "",
            "kb/serve/gate.py": "from kb.serve import http\n",
            "kb/serve/http.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from kb.serve.gate import Gate\n",
            "ingest/__init__.py": "",
            "ingest/build.py": "import kb.store\n",
            "explorer/__init__.py": "",
            "explorer/main.py": "import streamlit\nimport kb.store\n",
        },
    )
    assert problems(imports, modules) == []
