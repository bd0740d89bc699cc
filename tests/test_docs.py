"""The docs name only things that exist: every module, file path and markdown link in README.md,
CONTRIBUTING.md, export/README.md and docs/**.md resolves in this checkout (moves keep them true)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Files the docs name that live in other projects or on the user's machine.
EXTERNAL_FILES = {"my_models.py", "train_trades_cifar10.py", "fast_kdiga.py", "make_cifar_c.py",
                  "make_imagenet_c.py", "models/wideresnet.py", "ard_IGDM_cifar100.py"}
PLACEHOLDERS = ("OUTPUT_DIR", "DIR/", "QS/", "TORCH_VENV", "~", "PATH", "ROOT", "<", "*")
MODULE = re.compile(r"(?<![.\w])igdtf(?:\.[A-Za-z_]\w*)+")
REPO_PATH = re.compile(r"(?<![\w./-])((?:igdtf|tests|scripts|recipes|export|docs|\.ci)/[\w./<>*-]*)")
LINK = re.compile(r"\]\(([^)\s]+)\)")


def doc_files(root: Path) -> list[Path]:
    """The user and contributor docs under root."""
    named = [root / "README.md", root / "CONTRIBUTING.md", root / "export" / "README.md"]
    return [p for p in named if p.exists()] + sorted((root / "docs").rglob("*.md"))


def heading_anchors(path: Path) -> set[str]:
    """GitHub-style anchors of a markdown file's headings."""
    slugs = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            text = re.sub(r"[^\w\- ]", "", line.lstrip("#").strip().lower())
            slugs.add(text.replace(" ", "-"))
    return slugs


def module_exists(root: Path, dotted: str) -> bool:
    """igdtf.a.b is a module or package, or a name defined in the longest module prefix."""
    parts = dotted.split(".")
    for n in range(len(parts), 0, -1):
        base = root.joinpath(*parts[:n])
        source = base.with_suffix(".py") if base.with_suffix(".py").is_file() else base / "__init__.py"
        if source.is_file():
            rest = parts[n:]
            return not rest or (len(rest) == 1 and re.search(rf"\b{re.escape(rest[0])}\b",
                                                             source.read_text(encoding="utf-8")) is not None)
    return False


def link_problems(root: Path, doc: Path, text: str) -> list[str]:
    """Relative markdown links whose file or heading anchor is missing."""
    problems = []
    for match in LINK.finditer(text):
        target = match.group(1)
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        path, _, anchor = target.partition("#")
        full = (doc.parent / path).resolve() if path else doc
        if not full.exists():
            problems.append(f"{doc.relative_to(root)}: link {target}")
        elif anchor and full.suffix == ".md" and anchor not in heading_anchors(full):
            problems.append(f"{doc.relative_to(root)}: anchor {target}")
    return problems


def doc_problems(root: Path) -> list[str]:
    """Every module, repository path and link named in the docs that does not exist under root."""
    problems = []
    for doc in doc_files(root):
        text = doc.read_text(encoding="utf-8")
        problems += link_problems(root, doc, text)
        problems += [f"{doc.relative_to(root)}: module {m.group(0)}" for m in MODULE.finditer(text)
                     if not module_exists(root, m.group(0))]
        for match in REPO_PATH.finditer(text):
            path = match.group(1).rstrip(".,)")
            if any(p in path for p in PLACEHOLDERS) or path in EXTERNAL_FILES:
                continue
            if not ((root / path).exists() or (root / "igdtf" / path).exists()):
                problems.append(f"{doc.relative_to(root)}: path {path}")
    return sorted(set(problems))


def test_the_docs_name_only_modules_paths_and_anchors_that_exist():
    assert doc_problems(ROOT) == []


def test_a_moved_module_a_missing_file_and_a_dead_anchor_are_reported(tmp_path):
    (tmp_path / "igdtf" / "data").mkdir(parents=True)
    (tmp_path / "igdtf" / "__init__.py").write_text("")
    (tmp_path / "igdtf" / "data" / "__init__.py").write_text("")
    (tmp_path / "igdtf" / "data" / "registry.py").write_text("DATASETS = {}\n")
    (tmp_path / "CONTRIBUTING.md").write_text("# Layout\n")
    (tmp_path / "README.md").write_text(
        "igdtf.data.registry.DATASETS is fine; igdtf.data.specs is gone.\n"
        "See igdtf/data/registry.py and igdtf/data/folder.py, [layout](CONTRIBUTING.md#layout), "
        "[tests](CONTRIBUTING.md#tests), [cluster](docs/cluster.md).\n")
    assert doc_problems(tmp_path) == ["README.md: anchor CONTRIBUTING.md#tests",
                                      "README.md: link docs/cluster.md",
                                      "README.md: module igdtf.data.specs",
                                      "README.md: path docs/cluster.md",
                                      "README.md: path igdtf/data/folder.py"]
