"""Slide decks a trainer can project from a laptop with no internet.

Each deck in course/slides/NN-topic.md (Markdown; slides separated by a line of three dashes)
becomes one self-contained HTML file in course/slides/html/: styles, navigation, diagrams and
charts are all inside the file, so nothing is fetched when it is shown.

Two comment lines in the Markdown put real pictures on a slide (the Markdown preview ignores them
and shows the text picture below them, if any):

    <!--diagram: camhs_waiting_list-->            the model's own stock-and-flow diagram (its sketch)
    <!--diagram: camhs_system view=2-->           one view of a big model's diagram
    <!--chart: camhs_waiting_list waiting_list title="..."-->         the model's default run
    <!--chart: camhs_waiting_list waiting_list clinicians_on_leave=1 title="..."-->  and a changed one
    (`base.NAME=VALUE` sets a value in both runs; `before="..."` and `after="..."` name the lines)

A fenced text picture straight after a directive is replaced by the real one.
Build with `python -m cyp_dynamics.course.slides` (or `make slides`); `--check` fails when a deck
is out of date with its Markdown.
"""

from __future__ import annotations

import html
import re
import shlex
import sys
from pathlib import Path

import mistune

DIRECTIVE = re.compile(r"^<!--\s*(diagram|chart):\s*([^>]*?)\s*-->\s*$")
FENCE = re.compile(r"^(```|~~~)")
SLIDE_BREAK = re.compile(r"^---\s*$")

STYLE = """
html, body { margin: 0; height: 100%; background: #1b1b1b; font-family: 'Segoe UI', Arial, sans-serif; }
.slide { display: none; box-sizing: border-box; width: 100vw; height: 100vh; padding: 4vh 6vw;
  background: #fff; color: #1b1b1b; overflow: auto; font-size: 2.6vh; line-height: 1.45; }
.slide.current { display: block; }
.slide h1 { font-size: 5.2vh; color: #0b4a7a; margin: 0 0 2vh; }
.slide h2 { font-size: 4.2vh; color: #0b4a7a; margin: 0 0 2vh; border-bottom: 0.4vh solid #0b4a7a; }
.slide table { border-collapse: collapse; margin: 1vh 0; }
.slide td, .slide th { border: 1px solid #999; padding: 0.6vh 1vw; text-align: left; }
.slide pre { font-size: 2vh; background: #f4f1e8; padding: 1.5vh; overflow: auto; }
.slide figure { margin: 1vh 0; text-align: center; }
.slide figure svg { max-width: 100%; max-height: 62vh; height: auto; }
.slide figcaption { font-size: 1.8vh; color: #555; }
.counter { position: fixed; right: 2vw; bottom: 1.5vh; font-size: 1.8vh; color: #666; }
.help { position: fixed; left: 2vw; bottom: 1.5vh; font-size: 1.6vh; color: #888; }
@media print { .slide { display: block; page-break-after: always; height: auto; } .counter, .help { display: none; } }
"""

SCRIPT = """
(function () {
  var slides = document.querySelectorAll('.slide'), at = 0;
  var counter = document.querySelector('.counter');
  function show(n) {
    at = Math.max(0, Math.min(slides.length - 1, n));
    slides.forEach(function (s, i) { s.classList.toggle('current', i === at); });
    counter.textContent = (at + 1) + ' / ' + slides.length;
    if (location.hash !== '#' + (at + 1)) history.replaceState(null, '', '#' + (at + 1));
  }
  document.addEventListener('keydown', function (e) {
    if (['ArrowRight', 'PageDown', ' ', 'Enter', 'ArrowDown'].indexOf(e.key) >= 0) { show(at + 1); e.preventDefault(); }
    else if (['ArrowLeft', 'PageUp', 'Backspace', 'ArrowUp'].indexOf(e.key) >= 0) { show(at - 1); e.preventDefault(); }
    else if (e.key === 'Home') show(0);
    else if (e.key === 'End') show(slides.length - 1);
    else if (e.key === 'f' || e.key === 'F') {
      if (!document.fullscreenElement) document.documentElement.requestFullscreen(); else document.exitFullscreen();
    }
  });
  document.addEventListener('click', function (e) { if (!e.target.closest('a')) show(at + 1); });
  show((parseInt(location.hash.slice(1), 10) || 1) - 1);
})();
"""


def _diagram(arguments: str) -> str:
    from ..models import load_model
    from ..models.export import sketch_svg, stock_flow_structure, with_sketch
    from ..models.export.picture import sketch_views, _view_svg
    from ..models.export.vensim_sketch import split_sketch

    name, *options = arguments.split()
    settings = dict(o.split("=", 1) for o in options if "=" in o)
    model = load_model(name)
    text = with_sketch(Path(model.path).read_text(encoding="utf-8"), stock_flow_structure(model))
    if "view" in settings:
        views = sketch_views(split_sketch(text)[1])
        title, records = views[int(settings["view"]) - 1]
        svg = _view_svg(records, "")
        caption = f"The {name.replace('_', ' ')} model's diagram: {title}."
    else:
        svg = sketch_svg(text)
        caption = f"The {name.replace('_', ' ')} model's own stock-and-flow diagram."
    return _figure(svg, caption)


def _chart(arguments: str) -> str:
    import vl_convert

    from ..charts import plot_runs
    from ..models import load_model

    words = shlex.split(arguments)
    settings = dict(w.split("=", 1) for w in words if "=" in w)
    name, *outputs = [w for w in words if "=" not in w]
    model = load_model(name)
    title = settings.pop("title", None)
    before = settings.pop("before", "Without the change")
    after = settings.pop("after", "With the change")
    base = {k[5:]: float(v) for k, v in settings.items() if k.startswith("base.")}
    changed = {k: float(v) for k, v in settings.items() if not k.startswith("base.")}
    runs = {before if changed else "Model defaults": model.run(base)}
    if changed:
        runs[after] = model.run({**base, **changed})
    chart = plot_runs(model, runs, outputs or None, title=title)
    svg = vl_convert.vegalite_to_svg(chart.to_json(), vl_version="5.20")
    return _figure(svg, chart.to_dict().get("description", ""))


def _figure(svg: str, caption: str) -> str:
    svg = re.sub(r"^<\?xml[^>]*>\s*", "", svg)
    return f'<figure>{svg}<figcaption>{html.escape(caption)}</figcaption></figure>'


def _slide_html(markdown_text: str, render) -> str:
    """One slide: Markdown with directives replaced by their pictures."""
    lines, out, pictures = markdown_text.splitlines(), [], []
    i = 0
    while i < len(lines):
        match = DIRECTIVE.match(lines[i].strip())
        if not match:
            out.append(lines[i])
            i += 1
            continue
        kind, arguments = match.groups()
        pictures.append((_diagram if kind == "diagram" else _chart)(arguments))
        out.append(f"\n<div data-picture=\"{len(pictures) - 1}\"></div>\n")
        i += 1
        while i < len(lines) and not lines[i].strip():
            i += 1
        if i < len(lines) and FENCE.match(lines[i]):  # the text picture the real one replaces
            fence = FENCE.match(lines[i]).group(1)
            i += 1
            while i < len(lines) and not lines[i].startswith(fence):
                i += 1
            i += 1
    body = render("\n".join(out))
    for n, picture in enumerate(pictures):
        body = re.sub(rf'(<p>)?<div data-picture="{n}"></div>(</p>)?', lambda _: picture, body)
    return body


def build_deck(markdown_path: Path) -> str:
    """A self-contained HTML deck from a Markdown slide file."""
    render = mistune.create_markdown(escape=False, plugins=["table", "strikethrough"])
    text = markdown_path.read_text(encoding="utf-8")
    slides, current = [], []
    fenced = False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
        if SLIDE_BREAK.match(line) and not fenced:
            slides.append("\n".join(current))
            current = []
        else:
            current.append(line)
    slides.append("\n".join(current))
    sections = [f'<section class="slide" aria-label="slide {n}">{_slide_html(s, render)}</section>'
                for n, s in enumerate((s for s in slides if s.strip()), start=1)]
    title = next((line[2:] for line in text.splitlines() if line.startswith("# ")), markdown_path.stem)
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en-GB"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<style>{STYLE}</style></head><body>", *sections,
        '<div class="counter"></div><div class="help">Arrow keys or click: next / back · F: full screen</div>',
        f"<script>{SCRIPT}</script></body></html>", ""])


def deck_targets(root: Path) -> dict[Path, str]:
    """Each deck file and the HTML it should hold."""
    slides = root / "course" / "slides"
    return {slides / "html" / (md.stem + ".html"): build_deck(md) for md in sorted(slides.glob("*.md"))}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    root = Path(__file__).resolve().parents[3]
    stale = []
    for path, content in deck_targets(root).items():
        if path.exists() and path.read_text(encoding="utf-8") == content:
            continue
        stale.append(path)
        if "--check" not in argv:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
            print(f"wrote {path.relative_to(root)}")
    if "--check" in argv and stale:
        print("Slide decks out of date with their Markdown (run `make slides`): "
              + ", ".join(str(p.relative_to(root)) for p in stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
