"""Make a model file safe to hand to pysd: nothing written in the file may ever run as code.

pysd was written for trusted files. Three things in it turn model text into Python:

* its Vensim parser `eval`s the text of a lookup's range (`[(0,0)-(10,10)]`), whatever it holds;
* its code generator pastes comments into docstrings, and some names and quoted strings into
  Python string literals, without escaping them;
* the generated module is then imported.

So every file is checked and tidied here before any pysd parser sees it. A lookup range must be
plain numbers; names and equations may not contain backslashes (other than Vensim's line
continuations), control characters or names whose quotes could close a string; comments and
units have backslashes and runs of double quotes neutralised. A file that cannot be made safe
raises `ModelFileError` with the line and what to change. `pysd_cache` also checks the code pysd
generates before importing it, as a second line of defence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree
from pysd.translators.vensim.vensim_file import VensimFile
from pysd.translators.xmile.xmile_file import XmileFile

SKETCH_MARKER = "\\\\\\---///"  # pysd splits a .mdl file's equations from its sketch here
_NUMBER = r"[+-]?\s*(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)"
_PAIR = rf"\(\s*{_NUMBER}\s*,\s*{_NUMBER}\s*\)"
NUMERIC_RANGE = re.compile(rf"\s*{_PAIR}(?:\s*[-,]\s*{_PAIR})*\s*")
SKETCH_START = re.compile(r"\\{3}---///|^[ \t]*\\{2}---///", re.MULTILINE)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTINUATION = re.compile(r"\\[ \t]*(?:\r?\n|\r|$)")  # a backslash that only wraps a line
APOSTROPHE_NAME = re.compile(r"[\w\s'$&-]*")
ENCODING = re.compile(r"\{[^}]*\}")  # pysd's grammar for a .mdl file's encoding line
SKIPPED_XMILE = {"header", "views", "view", "style"}  # pysd reads no code from these
QUOTED = re.compile(r'"([^"]*)"')
DATA_STRING = re.compile(r"'([^'\r\n]{1,255})'")


class ModelFileError(ValueError):
    """A model file that cannot be opened safely; the message says what to change."""


@dataclass
class SafeText:
    """A model file's text after checking: what pysd may parse, and the data files it names."""

    text: str
    data_files: list[str] = field(default_factory=list)


def name_problem(name: str) -> str | None:
    """Why `name` could break out of the code pysd generates, or None when it is safe."""
    if "\\" in name:
        return "contains a backslash"
    if '"' in name:
        return "contains a double quote"
    if CONTROL.search(name) or "\n" in name or "\r" in name:
        return "contains a control character or a line break"
    if "'" in name and not APOSTROPHE_NAME.fullmatch(name):
        return "mixes an apostrophe with other punctuation"
    return None


def neutralise(text: str) -> str:
    """Comment or units text that cannot close a string: stray backslashes become '/', runs of
    double quotes become one, control characters become spaces and brackets holding anything
    but a numeric range become parentheses. Line continuations are kept."""
    kept = []
    position = 0
    for match in re.finditer(r"\\", text):
        if not CONTINUATION.match(text, match.start()):
            kept.append(text[position:match.start()] + "/")
            position = match.end()
    text = "".join(kept) + text[position:]
    # '[...(...)...]' that is not a numeric range: parentheses instead, so that no comment could
    # ever be read as a lookup range even if pysd split the file differently from `_entries`.
    text = re.sub(r"\[([^\]]*)\]", lambda m: m.group(0) if "(" not in m.group(1)
                  or NUMERIC_RANGE.fullmatch(m.group(1)) else f"({m.group(1)})", text)
    return CONTROL.sub(" ", re.sub(r'"{2,}', '"', text))


def check_model_file(path: Path) -> None:
    """ModelFileError when `path` is empty, or a .mdl file with no equation in it."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ModelFileError(f"The model file '{path.name}' cannot be read "
                             f"({error.strerror}).") from None
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
    if not text.strip():
        raise ModelFileError(f"The model file '{path.name}' is empty. Save the model again from "
                             "Vensim or Stella (or check that you picked the right file).")
    if path.suffix.lower() == ".mdl":
        model = SKETCH_START.split(text, 1)[0]
        if not re.search(r"=[^|]*~", model):
            raise ModelFileError(
                f"'{path.name}' holds no model equations (a Vensim .mdl has lines such as "
                "'Waiting list = INTEG(referrals - treatment starts, 100)' followed by ~ units ~ "
                "comment |). Check that it is a Vensim model saved as text.")


# ---- Vensim ---------------------------------------------------------------------------------
@dataclass
class _Field:
    start: int
    end: int
    index: int  # 0 equation, 1 units (or a group's comment), 2 comment, 3 supplementary
    groups: list[tuple[int, int]]  # quoted names "..." inside it, as (start, end) spans


def _group_end(text: str, start: int) -> int | None:
    """End of the quoted name opening at `start`, read as pysd's grammar reads it."""
    position = start + 1
    while position < len(text):
        if text.startswith('\\"', position):
            position += 2
        elif text[position] == '"':
            return position + 1
        else:
            position += 1
    return None


def _header_end(text: str) -> int:
    """Where entries start: after an encoding line such as {UTF-8}, which pysd reads only at the
    very start of the file (and which must then hold nothing that could shift an entry)."""
    match = ENCODING.match(text)
    if not match:
        return 0
    if not re.fullmatch(r"\{[\w .:-]*\}", match.group()):
        raise ModelFileError("line 1: the encoding line at the top of the file should look like "
                             "{UTF-8}; it holds other characters.")
    return match.end()


def _entries(text: str) -> list[list[_Field]]:
    """The file's entries ('equation ~ units ~ comment |'), split exactly as pysd splits them."""
    entries: list[list[_Field]] = []
    fields: list[_Field] = []
    groups: list[tuple[int, int]] = []
    start = position = _header_end(text)
    while position < len(text):
        char = text[position]
        if char == '"' and len(fields) != 2:  # pysd reads quoted names except in comments
            end = _group_end(text, position)
            if end is not None:
                groups.append((position, end))
                position = end
                continue
        if char in "~|":
            fields.append(_Field(start, position, len(fields), groups))
            groups = []
            if char == "|":
                entries.append(fields)
                fields = []
            start = position + 1
        position += 1
    if start < len(text):
        fields.append(_Field(start, len(text), len(fields), groups))
    if fields:
        entries.append(fields)
    return entries


def _line(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _entry_name(text: str, fields: list[_Field]) -> str:
    equation = re.sub(r"^\ufeff?\s*\{[^}\n]*\}", "", text[fields[0].start:fields[0].end])
    match = re.match(r'\s*("(?:\\"|[^"])*"|[^=(\[:~|]*)', equation)
    name = " ".join((match.group(1) if match else "").split())
    return name[:60] or "an unnamed equation"


def _check_equation(text: str, item: _Field, name: str) -> None:
    """Refuse anything in an equation that pysd would turn into code: see the module's notes."""
    body = text[item.start:item.end]

    def where(offset: int) -> str:
        return f"line {_line(text, item.start + offset)}: '{name}'"

    control = CONTROL.search(body)
    if control:
        raise ModelFileError(f"{where(control.start())} contains a control character; delete it "
                             "(retype the line).")
    for match in re.finditer(r"\\", body):
        if not CONTINUATION.match(body, match.start()):
            raise ModelFileError(
                f"{where(match.start())} has a backslash (\\) inside its equation. A backslash "
                "is only allowed at the end of a line; use forward slashes in file names.")
    for match in re.finditer(r"\[([^\]]*)\]", body):
        content = match.group(1)
        if "(" in content and not NUMERIC_RANGE.fullmatch(CONTINUATION.sub(" ", content)):
            line = _line(text, item.start + match.start())
            shown = " ".join(content.split())[:80]
            raise ModelFileError(
                f"line {line}: the lookup '{name}' has a range that is not a number: [{shown}]. "
                "Write its range as plain numbers, e.g. [(0,0)-(10,10)].")
    for start, end in item.groups:
        problem = name_problem(text[start + 1:end - 1])
        if problem:
            raise ModelFileError(
                f"line {_line(text, start)}: the name {text[start:end][:80]} {problem}. Rename it "
                "using letters, digits, spaces, hyphens and underscores.")


def _equations(text: str) -> list[list[str]]:
    """Every entry's equation-like fields (all but units and comment), as text."""
    return [[text[f.start:f.end] for f in fields if f.index not in (1, 2)]
            for fields in _entries(text)]


def safe_name(name: str) -> str:
    """A quoted name with the characters that could close a string in generated code removed:
    backslashes, double quotes, and apostrophes mixed with other punctuation. pysd's python name
    is unchanged, since pysd drops these characters from python names too."""
    name = name.replace('\\"', "").replace("\\", "").replace('"', "")
    return name if name_problem(name) is None else name.replace("'", "")


def _renamed(model: str) -> str:
    """`model` with every quoted name in an equation that `name_problem` refuses written as
    `safe_name` (a name with a line break or control character is left, to be refused)."""
    pieces, position = [], 0
    for fields in _entries(model):
        for item in fields:
            if item.index in (1, 2):
                continue
            for start, end in item.groups:
                name = model[start + 1:end - 1]
                if name_problem(name) and not (CONTROL.search(name) or "\n" in name
                                              or "\r" in name):
                    pieces.append(model[position:start] + '"' + safe_name(name) + '"')
                    position = end
    return "".join(pieces) + model[position:]


def safe_vensim_text(text: str) -> SafeText:
    """The model part of a .mdl file's text, checked and tidied for pysd (sketch dropped)."""
    # The sketch starts at '\\\---///'; some files (written by hand or by old tools) have
    # '\\---///', which pysd does not recognise: both end the model here.
    model = SKETCH_START.split(text, 1)[0]
    model = _renamed(model)
    entries = _entries(model)
    pieces, position = [], 0
    data_files: list[str] = []
    for fields in entries:
        name = _entry_name(model, fields)
        for item in fields:
            if item.index in (1, 2):  # units (or a group's comment) and the comment
                groups = [model[s:e] for s, e in item.groups]
                if any("~" in g or "|" in g for g in groups):
                    raise ModelFileError(f"line {_line(model, item.start)}: the units of '{name}' "
                                         "contain a quoted '~' or '|'; remove the quotes.")
                new = neutralise(model[item.start:item.end])
                if item.index == 1:
                    new = new.replace('"', "")
                pieces.append(model[position:item.start] + new)
                position = item.end
            else:
                _check_equation(model, item, name)
                data_files += DATA_STRING.findall(model[item.start:item.end])
    safe = "".join(pieces) + model[position:]
    if _equations(safe) != _equations(model):  # tidying comments must not move any boundary
        raise ModelFileError("The model file's layout could not be checked safely; open it in "
                             "Vensim and save it again.")
    return SafeText(safe + SKETCH_MARKER + "\n", sorted(set(data_files)))


class SafeVensimFile(VensimFile):
    """pysd's VensimFile, reading the checked text (`self.safe`) instead of the raw file."""

    def _read(self, encoding: str | None) -> str:
        self.safe = safe_vensim_text(super()._read(encoding))
        return self.safe.text


# ---- XMILE ----------------------------------------------------------------------------------
def _local_name(node: etree._Element) -> str:
    """A tag's name without its namespace: '{...}aux' gives 'aux'. A tag with an undeclared
    prefix, as Stella and xmutil write ('isee:prefs'), keeps it: pysd reads no such tag, and it
    must never pass for one this module skips (such as 'header')."""
    if not isinstance(node.tag, str):
        return ""
    return node.tag.rpartition("}")[2]


def _check_xmile_text(text: str | None, line: int | None, owner: str) -> None:
    if not text:
        return
    text = text.replace("\\n", " ")  # Stella writes a line break in a name as \n: harmless
    where = f"line {line}: '{owner}'"
    if CONTROL.search(text):
        raise ModelFileError(f"{where} contains a control character; delete it.")
    if "\\" in text:
        raise ModelFileError(f"{where} has a backslash (\\) in its equation; remove it.")
    for quoted in QUOTED.findall(text):
        problem = name_problem(quoted)
        if problem:
            raise ModelFileError(f'{where} refers to "{quoted[:60]}", a name that {problem}. '
                                 "Rename it using letters, digits, spaces, hyphens and "
                                 "underscores.")


def safe_xmile_root(path: Path) -> etree._Element:
    """An XMILE file's tree, checked and tidied for pysd (entities and DTDs refused)."""
    parser = etree.XMLParser(encoding="utf-8", recover=True, resolve_entities=False,
                             no_network=True, load_dtd=False, huge_tree=False)
    try:
        tree = etree.parse(str(path), parser=parser)
    except (etree.XMLSyntaxError, OSError) as error:
        raise ModelFileError(f"'{path.name}' is not a readable XMILE file ({error}).") from None
    root = tree.getroot()
    if root is None:
        raise ModelFileError(f"'{path.name}' is not a readable XMILE file (no model found).")
    if _local_name(root) != "xmile":
        raise ModelFileError(f"'{path.name}' is not an XMILE model: its outer element is "
                             f"<{_local_name(root) or '?'}>, where a model has <xmile>. Export the "
                             "model again from Stella, Vensim or another modelling tool.")
    if tree.docinfo.internalDTD is not None or any(
            isinstance(node, etree._Entity) for node in root.iter()):
        raise ModelFileError(f"'{path.name}' declares XML entities (<!DOCTYPE ...>); remove the "
                             "DOCTYPE: XMILE models do not need one.")
    for node in root.iter():
        local = _local_name(node)
        context = {_local_name(a) for a in node.iterancestors()} | {local}
        if not local or context & SKIPPED_XMILE:
            continue
        for attribute in ("name", "subscript"):
            value = node.get(attribute)
            problem = name_problem(value.replace("\\n", " ")) if value is not None else None
            if problem:
                raise ModelFileError(f'line {node.sourceline}: the name "{value[:60]}" {problem}. '
                                     "Rename it using letters, digits, spaces, hyphens and "
                                     "underscores.")
        if local in ("doc", "units"):
            for part in node.iter():
                part.text = neutralise(part.text) if part.text else part.text
                if part is not node and part.tail:
                    part.tail = neutralise(part.tail)
        elif not context & {"doc", "units"}:
            parent = node.getparent()
            owner = node.get("name") or (parent.get("name") if parent is not None else None)
            _check_xmile_text(node.text, node.sourceline, owner or local)
    return root


class SafeXmileFile(XmileFile):
    """pysd's XmileFile, reading the checked tree instead of the raw file."""

    def _get_root(self) -> etree._Element:
        return safe_xmile_root(self.xmile_path)


def safe_xmile_bytes(path: Path) -> bytes:
    """The checked XMILE file as bytes, for pysd to translate (declaration, no DOCTYPE)."""
    return etree.tostring(safe_xmile_root(path), xml_declaration=True, encoding="utf-8")
