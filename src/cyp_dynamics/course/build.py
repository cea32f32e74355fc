"""Generate trainee and solution notebooks from one source notebook per lesson.

Sources live in `notebook_sources/NN-topic/*.ipynb`. In a source notebook:

- a code line ending in `# SOLUTION` appears only in the solution (the marker removed);
- a code line ending in `# TRAINEE` appears only in the trainee version (the marker removed);
- lines between `# BEGIN SOLUTION` and `# END SOLUTION` appear only in the solution;
- a cell tagged `solution-only` or `trainee-only` appears only in that version;
- in the trainee version every code cell is collapsed (JupyterLab's `source_hidden`), so a
  trainee sees prose, widgets and charts; a cell tagged `show-code` ("for the curious") stays open;
- a navigation bar (previous, course map, glossary, next) is added at the top and the bottom;
- figure references in markdown (`{{fig:DATASET|MEASURE|PERIOD|GEOGRAPHY}}`, see
  `cyp_dynamics.course.figures`) become the dataset row's value, and the value inside each
  `<!--fig:...-->VALUE<!--/fig-->` of the course's Markdown files (slides, session plans,
  facilitator notes, module READMEs) is refreshed from its row in place.

The trainee version goes to `modules/NN-topic/`, the solution to `solutions/NN-topic/`, both
without outputs. `python -m cyp_dynamics.course.build --check` fails when the committed copies
differ from what the sources give (or a Markdown figure differs from its row), so the two can
never drift apart.
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

import nbformat

from cyp_dynamics.course.figures import refresh_markdown, resolve_notebook_markdown

SOURCES, TRAINEE_DIR, SOLUTION_DIR = "notebook_sources", "modules", "solutions"
COURSE_MAP = "../../course/START_HERE.ipynb#The-course-map"
GLOSSARY = "../../course/glossary.ipynb"
#: Modules promised on the course map but not written yet (shown as "coming" in the navigation).
COMING: dict[str, str] = {}  # modules on the course map not yet written (number: title)
SOLUTION_MARK, TRAINEE_MARK = "# SOLUTION", "# TRAINEE"
BEGIN, END = "# BEGIN SOLUTION", "# END SOLUTION"
MARKERS = (SOLUTION_MARK, TRAINEE_MARK, BEGIN, END)
#: Markdown files whose figure references the builder refreshes in place.
MARKDOWN_WITH_FIGURES = ("course/slides/*.md", "course/session_plans/*.md", "course/*.md",
                         "modules/*/README.md", "README.md")


def _strip_mark(line: str, mark: str) -> str:
    return line[: line.rstrip().rfind(mark)].rstrip()


def transform_code(source: str, solution: bool) -> str:
    """The code of one cell as the trainee (`solution=False`) or the solution version shows it."""
    kept: list[str] = []
    inside = False
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == BEGIN:
            inside = True
            continue
        if stripped == END:
            inside = False
            continue
        if inside:
            if solution:
                kept.append(line)
        elif line.rstrip().endswith(SOLUTION_MARK):
            if solution:
                kept.append(_strip_mark(line, SOLUTION_MARK))
        elif line.rstrip().endswith(TRAINEE_MARK):
            if not solution:
                kept.append(_strip_mark(line, TRAINEE_MARK))
        else:
            kept.append(line)
    if inside:
        raise ValueError("A '# BEGIN SOLUTION' has no matching '# END SOLUTION'.")
    return "\n".join(kept)


def module_title(folder: str) -> str:
    """'02-stocks-and-flows' -> '02 Stocks and flows'."""
    number, _, words = folder.partition("-")
    return f"{number} {words.replace('-', ' ').capitalize()}"


def navigation(path: Path, siblings: list[Path]) -> str:
    """Markdown links: previous module, the course map, the glossary, next module."""
    folders = [p.parent.name for p in siblings]
    here = folders.index(path.parent.name)
    links = []
    if here > 0:
        before = siblings[here - 1]
        links.append(f"[← {module_title(before.parent.name)}](../{before.parent.name}/{before.name})")
    links += [f"[Course map]({COURSE_MAP})", f"[Glossary]({GLOSSARY})"]
    if here + 1 < len(siblings):
        after = siblings[here + 1]
        links.append(f"[{module_title(after.parent.name)} →](../{after.parent.name}/{after.name})")
    else:
        number = f"{int(path.parent.name[:2]) + 1:02d}"
        if number in COMING:
            links.append(f"{number} {COMING[number]} (coming soon)")
    return " · ".join(links)


def render(source: nbformat.NotebookNode, solution: bool, origin: str,
           nav: str = "") -> nbformat.NotebookNode:
    """One version of a source notebook, without outputs."""
    notebook = copy.deepcopy(source)
    skip = "trainee-only" if solution else "solution-only"
    cells = []
    for cell in notebook.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if skip in tags:
            continue
        cell.metadata.pop("execution", None)
        cell.metadata.pop("collapsed", None)
        cell.pop("id", None)
        if cell.cell_type == "markdown":
            cell.source = resolve_notebook_markdown(cell.source)
        if cell.cell_type == "code":
            cell.source = transform_code(cell.source, solution)
            cell.outputs = []
            cell.execution_count = None
            jupyter = cell.metadata.setdefault("jupyter", {})
            if not solution and "show-code" not in tags:
                jupyter["source_hidden"] = True
            else:
                jupyter.pop("source_hidden", None)
            if not jupyter:
                cell.metadata.pop("jupyter")
        cells.append(cell)
    if nav:
        for top in (False, True):  # the bottom bar first, so the top one does not shift it
            bar = nbformat.v4.new_markdown_cell(f"<small>{nav}</small>")
            bar.metadata["tags"] = ["navigation"]
            cells.insert(0 if top else len(cells), bar)
    if solution:
        banner = nbformat.v4.new_markdown_cell(
            "**Solutions.** This copy includes worked answers. It is generated from "
            f"`{origin}`: edit that file and run `make notebooks`, not this one."
        )
        cells.insert(0, banner)
    notebook.cells = cells
    notebook.metadata["cyp_dynamics"] = {"generated_from": origin,
                                         "version": "solution" if solution else "trainee"}
    notebook.nbformat, notebook.nbformat_minor = 4, 5
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{index:02d}"  # stable ids keep generated files byte-identical
    return notebook


def targets(root: Path) -> dict[Path, str]:
    """Every generated file and the text it should hold."""
    out: dict[Path, str] = {}
    sources = sorted((root / SOURCES).glob("*/*.ipynb"))
    for path in sources:
        source = nbformat.read(path, as_version=4)
        origin = path.relative_to(root).as_posix()
        relative = path.relative_to(root / SOURCES)
        nav = navigation(path, sources)
        for folder, solution in ((TRAINEE_DIR, False), (SOLUTION_DIR, True)):
            notebook = render(source, solution, origin, nav)
            nbformat.validate(notebook)
            out[root / folder / relative] = nbformat.writes(notebook) + "\n"
    for pattern in MARKDOWN_WITH_FIGURES:
        for path in sorted(root.glob(pattern)):
            text = path.read_text(encoding="utf-8")
            refreshed = refresh_markdown(text)
            if refreshed != text:
                out[path] = refreshed
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if committed copies differ")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the repository's top folder")
    args = parser.parse_args(argv)
    expected = targets(args.root)
    if not expected:
        print(f"No source notebooks under {args.root / SOURCES}.", file=sys.stderr)
        return 1
    stale = [p for p, text in expected.items()
             if not p.exists() or p.read_text(encoding="utf-8") != text]
    if args.check:
        for path in stale:
            print(f"out of date: {path.relative_to(args.root)} (run 'make notebooks')", file=sys.stderr)
        print(f"{len(expected) - len(stale)} of {len(expected)} generated notebooks and Markdown "
              "figures up to date.")
        return 1 if stale else 0
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(expected[path], encoding="utf-8")
        print(f"wrote {path.relative_to(args.root)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
