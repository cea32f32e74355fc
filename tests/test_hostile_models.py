"""Opening or running a model file never runs code written in it.

Each hostile model carries a payload that would create a marker file in the test's folder. The
model is loaded with `load_model`, run if it loads (through pysd too), and, where relevant, drawn
and searched for loops; the marker must never appear, and a refused model must raise
`ModelFileError` (a ValueError) naming the line to change.
"""

from __future__ import annotations

import ast
import json
import os
import warnings
from hashlib import sha256
from pathlib import Path

import pysd
import pytest

from cyp_dynamics import load_model
from cyp_dynamics.models import pysd_cache

ModelFileError = getattr(pysd_cache, "ModelFileError", ValueError)

CONTROLS = """
INITIAL TIME = 0
	~	Month
	~	The initial time.
	|
FINAL TIME = 6
	~	Month
	~	The final time.
	|
TIME STEP = 1
	~	Month [0,?]
	~	The time step.
	|
SAVEPER = TIME STEP
	~	Month [0,?]
	~	How often results are saved.
	|
"""
SMOOTHED = """
Smoothed = SMOOTH(Input, 3)
	~	{units}
	~	{comment}
	|
Input = 5
	~	people [0,10]
	~	Input.
	|
"""
XMILE = """<?xml version="1.0" encoding="utf-8"?>
<xmile version="1.0" xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0">
  <header><name>hostile</name></header>
  <sim_specs method="Euler" time_units="Minute"><start>0</start><stop>5</stop><dt>1</dt></sim_specs>
  {dimensions}
  <model><variables>
    <stock name="Tea"><eqn>90</eqn><outflow>Loss</outflow></stock>
    {variables}
  </variables></model>
</xmile>"""


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    """Each test translates into its own private cache (and never the user's home)."""
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    monkeypatch.setenv("CYP_DYNAMICS_CACHE", str(cache))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


def payload(marker: Path) -> str:
    return f"__import__('pathlib').Path({str(marker)!r}).touch()"


def write_mdl(folder: Path, body: str, name: str = "hostile.mdl") -> Path:
    path = folder / name
    path.write_text("{UTF-8}\n" + body + CONTROLS, encoding="utf-8")
    return path


def write_xmile(folder: Path, variables: str, dimensions: str = "") -> Path:
    path = folder / "hostile.xmile"
    path.write_text(XMILE.format(variables=variables, dimensions=dimensions), encoding="utf-8")
    return path


def attempt(path: Path) -> Exception | None:
    """Load the model and run it every way there is; the error if it was refused (any error is
    returned, so the test checks the marker first and then that the error is the clear one)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = load_model(path)
            model.run()
            model.run_with_pysd()
    except Exception as error:  # noqa: BLE001 (checked by the caller)
        return error
    return None


def assert_refused(error: Exception | None, *words: str) -> None:
    assert isinstance(error, ModelFileError), f"expected a ModelFileError, got {error!r}"
    for word in words:
        assert word in str(error)


def translation_of(path: Path) -> Path:
    """The translated .py the cache would import for `path` (translating it now if needed)."""
    if hasattr(pysd_cache, "translated_path"):
        return pysd_cache.translated_path(path)
    digest = sha256(path.read_bytes()).hexdigest()[:16]
    return pysd_cache._translated_path(path.resolve(), digest)  # the cache before the fix


# ---- route 1: pysd evals the text of a lookup's range ---------------------------------------
@pytest.mark.parametrize("equation, where", [
    ("Stock = INTEG(Effect(Time), 0)\n\t~\tpeople\n\t~\tA stock.\n\t|\n"
     "Effect([({p},0)-(10,10)],(0,0),(10,10))\n\t~\tDmnl\n\t~\tA table.\n\t|\n",
     "line 6: the lookup 'Effect'"),
    ("Stock = INTEG(WITH LOOKUP(Time, ([({p},0)-(10,10)],(0,0),(10,10))), 0)\n"
     "\t~\tpeople\n\t~\tA stock.\n\t|\n", "line 2: the lookup 'Stock'"),
])
def test_a_lookup_range_is_never_evaluated(tmp_path, equation, where):
    marker = tmp_path / "MARKER"
    error = attempt(write_mdl(tmp_path, equation.format(p=payload(marker))))
    assert not marker.exists()
    assert_refused(error, where, "range that is not a number")


def test_an_encoding_line_cannot_hide_an_equation_from_the_checks(tmp_path):
    """pysd reads '{...}' at the very top as the encoding, even across lines; a '~' inside it
    must not make the checks see the next equation as a comment."""
    marker = tmp_path / "MARKER"
    body = (f"Effect([({payload(marker)},0)-(10,10)],(0,0),(10,10))\n\t~\tDmnl\n\t~\tA table.\n\t|\n"
            "Stock = INTEG(Effect(Time), 0)\n\t~\tpeople\n\t~\tA stock.\n\t|\n")
    path = write_mdl(tmp_path, body)
    path.write_text("{\n~~}" + path.read_text(encoding="utf-8")[len("{UTF-8}"):], encoding="utf-8")
    error = attempt(path)
    assert not marker.exists()
    assert_refused(error, "line 1", "encoding")


def test_a_plain_numeric_lookup_range_still_loads(tmp_path):
    body = ("Stock = INTEG(Effect(Time), 0)\n\t~\tpeople\n\t~\tA stock.\n\t|\n"
            "Effect([(0,0)-(10,10),(5,5)],(0,0),(10,10))\n\t~\tDmnl\n\t~\tA table.\n\t|\n")
    model = load_model(write_mdl(tmp_path, body))
    assert model.run()["stock"].iloc[-1] == pytest.approx(15.0)


# ---- route 2: comments and units pasted into generated Python --------------------------------
@pytest.mark.parametrize("where", ["comment", "units"])
def test_comment_or_units_cannot_break_out_of_generated_code(tmp_path, where):
    marker = tmp_path / "MARKER"
    hostile = f'x\\"""\\{payload(marker)}\\"""'  # Vensim backslashes become line breaks in pysd
    text = {"comment": "A smoothed value.", "units": "people", where: hostile}
    error = attempt(write_mdl(tmp_path, SMOOTHED.format(**text)))
    assert not marker.exists()
    assert error is None  # tidied, not refused: the model opens and runs


def test_xmile_documentation_cannot_break_out_of_generated_code(tmp_path):
    marker = tmp_path / "MARKER"
    doc = f'x\\"""\\{payload(marker)}\\"""'.replace('"', "&quot;")
    path = write_xmile(tmp_path, f"""<flow name="Loss"><eqn>SMTH1(Tea, 3)</eqn><doc>{doc}</doc></flow>
    <aux name="Room"><eqn>20</eqn><units>{doc}</units><doc>{doc}</doc></aux>""")
    assert attempt(path) is None
    assert not marker.exists()


def test_quoted_names_cannot_close_a_string_in_generated_code(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # pysd lower-cases names, so the payload uses a relative path
    marker = tmp_path / "marker"
    # An unknown function's name lands in not_implemented_function('...') in pysd's code.
    body = ("Out = SMOOTH(Input, 3) + \"x',open('marker','w'),'\"(Input)\n"
            "\t~\tpeople\n\t~\tA value.\n\t|\nInput = 5\n\t~\tpeople\n\t~\tInput.\n\t|\n")
    path = write_mdl(tmp_path, body)
    error = attempt(path)
    assert not marker.exists()
    # The name is written without its quotes and apostrophes before pysd sees it, so it stays
    # a name: pysd then reports a function it does not know.
    assert_refused(error, "pysd cannot run")
    tree = ast.parse(translation_of(path).read_text())  # 'open' only inside a string
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == "open"]


def test_strings_cannot_smuggle_a_quote_in_by_escapes(tmp_path):
    marker = tmp_path / "MARKER"
    (tmp_path / "values.csv").write_text("a,b\n1,7\n")
    escaped = f"values.csv\\x27,open(\\x27{marker}\\x27,\\x27w\\x27),\\x27"
    body = (f"Out = SMOOTH(Input, 3) * Factor\n\t~\tpeople\n\t~\tA value.\n\t|\n"
            f"Factor = GET DIRECT CONSTANTS('{escaped}', ',', 'B2')\n\t~\tDmnl\n\t~\tData.\n\t|\n"
            "Input = 5\n\t~\tpeople\n\t~\tInput.\n\t|\n")
    error = attempt(write_mdl(tmp_path, body))
    assert not marker.exists()
    assert_refused(error, "backslash")


def test_xmile_names_cannot_close_a_string(tmp_path, monkeypatch):
    from cyp_dynamics.analysis import model_diagram

    monkeypatch.chdir(tmp_path)  # pysd lower-cases names, so the payload uses a relative path
    marker = tmp_path / "marker"
    name = "tea+len(open('marker','w').name)*0"
    path = write_xmile(tmp_path, f'<flow name="Loss"><eqn>SMTH1(Tea, 3)</eqn></flow>'
                                 f'<aux name="Other"><eqn>Tea * "{name}"</eqn></aux>',
                       f'<dimensions><dim name="D"><elem name="{name}"/><elem name="q"/></dim>'
                       "</dimensions>")
    error = attempt(path)
    if error is None:  # before the fix it loaded, and drawing it ran the name as code
        model_diagram(load_model(path))
    assert not marker.exists()
    assert_refused(error, "apostrophe")


def test_xmile_entities_are_refused(tmp_path):
    xmile = XMILE.format(variables="<flow name='Loss'><eqn>&x;</eqn></flow>", dimensions="")
    xmile = xmile.replace("<xmile ", '<!DOCTYPE xmile [<!ENTITY x "Tea/2">]>\n<xmile ', 1)
    (tmp_path / "entity.xmile").write_text(xmile, encoding="utf-8")
    assert_refused(attempt(tmp_path / "entity.xmile"), "DOCTYPE")


MACRO = (":MACRO: {name}({parameter})\n{name} = 2*{parameter}\n\t~\tDmnl\n\t~\t|\n"
         ":END OF MACRO:\nOut = {name}(Input)\n\t~\tpeople\n\t~\tTwice the input.\n\t|\n"
         "Input = 5\n\t~\tpeople [0,10]\n\t~\tInput.\n\t|\n")


def test_vensim_macros_run_and_cannot_smuggle_code(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "marker"
    plain = write_mdl(tmp_path, MACRO.format(name="twice", parameter="x"), "macro.mdl")
    assert attempt(plain) is None
    assert load_model(plain).run({"input": 4})["out"].iloc[-1] == 8
    for name, parameter in [("twice", "x\"),open('marker','w'),(\""),
                            ("\"tw\",open('marker','w'),\"ice\"", "x"),
                            ("twice", "__import__('os').system('touch marker')")]:
        error = attempt(write_mdl(tmp_path, MACRO.format(name=name, parameter=parameter),
                                  "hostile_macro.mdl"))
        assert not marker.exists()
        assert error is None or isinstance(error, ValueError)


@pytest.mark.parametrize("call", [
    'Macro(_root.joinpath("../elsewhere.py"), {}, "m")',
    'Macro(Path("/tmp/anything.py"), {}, "m")',
    'Macro(_root.joinpath(name), {}, "m")',
    'Macro = print',
])
def test_a_macro_may_only_load_its_own_translation(call):
    source = f"from pysd.py_backend.model import Macro\n_m = {call}\n"
    with pytest.raises(ModelFileError):
        pysd_cache.audit_generated_code(source, "model.py")


# ---- route 3: the translation cache ---------------------------------------------------------
def test_a_poisoned_cache_entry_is_never_imported(tmp_path):
    marker = tmp_path / "MARKER"
    path = write_mdl(tmp_path, SMOOTHED.format(units="people", comment="Smoothed."))
    # Where the cache looked before it checked anything: a .py put there in advance.
    old = Path(os.environ["CYP_DYNAMICS_CACHE"]) / f"pysd-{pysd.__version__}"
    old = old / sha256(path.read_bytes()).hexdigest()[:16]
    old.mkdir(parents=True)
    (old / path.name).write_bytes(path.read_bytes())
    (old / "hostile.py").write_text(payload(marker) + "\n")
    error = attempt(path)
    assert not marker.exists()
    assert error is None
    # Where it looks now, with a manifest forged to match the poisoned file.
    translated = translation_of(path)
    poison = (payload(marker) + "\n" + translated.read_text()).encode()
    translated.write_bytes(poison)
    manifest = translated.parent / "manifest.json"
    if manifest.exists():
        listed = json.loads(manifest.read_text())
        listed["files"][translated.name] = sha256(poison).hexdigest()
        manifest.write_text(json.dumps(listed))
    error = attempt(path)
    assert not marker.exists()
    assert error is None


def test_a_cache_folder_others_can_write_is_not_used(tmp_path, monkeypatch):
    marker = tmp_path / "MARKER"
    path = write_mdl(tmp_path, SMOOTHED.format(units="people", comment="Smoothed."))
    shared = tmp_path / "shared"
    entry = shared / f"pysd-{pysd.__version__}" / sha256(path.read_bytes()).hexdigest()[:16]
    entry.mkdir(parents=True)
    (entry / path.name).write_bytes(path.read_bytes())
    (entry / "hostile.py").write_text(payload(marker) + "\n")
    for folder in (shared, entry.parent, entry):
        folder.chmod(0o777)
    monkeypatch.setenv("CYP_DYNAMICS_CACHE", str(shared))
    error = attempt(path)
    assert not marker.exists()
    assert error is None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert shared not in pysd_cache.cache_folder().parents


def test_a_half_written_translation_is_translated_again(tmp_path):
    marker = tmp_path / "MARKER"
    path = write_mdl(tmp_path, SMOOTHED.format(units="people", comment="Smoothed."))
    assert attempt(path) is None
    expected = load_model(path).run()
    translated = translation_of(path)
    text = translated.read_text()
    cut = text.index("\n@component.add", len(text) // 2)  # cut off at a statement boundary
    translated.write_text(payload(marker) + "\n" + text[:cut] + "\n")
    (translated.parent / "manifest.json").unlink(missing_ok=True)
    error = attempt(path)
    assert not marker.exists()
    assert error is None
    assert load_model(path).run().equals(expected)


def test_translations_are_private_and_follow_the_data_they_read(tmp_path):
    (tmp_path / "values.csv").write_text("a,b\n1,7\n")
    body = ("Out = SMOOTH(Input, 3) * Factor\n\t~\tpeople\n\t~\tA value.\n\t|\n"
            "Factor = GET DIRECT CONSTANTS('values.csv', ',', 'B2')\n\t~\tDmnl\n\t~\tData.\n\t|\n"
            "Input = 5\n\t~\tpeople\n\t~\tInput.\n\t|\n")
    path = write_mdl(tmp_path, body)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert load_model(path).run()["factor"].iloc[-1] == 7
        first = translation_of(path)
        (tmp_path / "values.csv").write_text("a,b\n1,9\n")
        assert load_model(path).run()["factor"].iloc[-1] == 9
    assert translation_of(path) != first
    for folder in (first.parent, first.parent.parent):
        assert folder.stat().st_mode & 0o077 == 0


def test_generated_code_is_audited_before_import():
    audit = pysd_cache.audit_generated_code
    audit('"""Doc."""\nimport numpy as np\nfrom pathlib import Path\n_root = Path(__file__).parent\n'
          "def x():\n    '''A variable.'''\n    return np.maximum(1, 2)\n"
          "_ext_constant_x.add(r'values.csv', ',', 'C2', {'Place': ['south']})\n", "ok.py")
    for bad in ["__import__('os').system('true')", "x = open('f', 'w')", "import os",
                "def f():\n    '''d'''\n    Path('/tmp/x').touch()", "x = np.load('f.npy')",
                "x = ().__class__", "from pysd import load", "_x.add(open('f'))"]:
        with pytest.raises(ModelFileError):
            audit(bad, "bad.py")


def test_the_audit_stops_what_tidying_the_text_would_miss(tmp_path, monkeypatch):
    """Second line of defence: with comments left as written, pysd's docstring break-out is
    caught in the generated code before it is ever imported (translating imports nothing)."""
    from cyp_dynamics.models import sanitise

    monkeypatch.setattr(sanitise, "neutralise", lambda text: text)
    marker = tmp_path / "MARKER"
    hostile = f'x\\"""\\{payload(marker)}\\"""'
    error = attempt(write_mdl(tmp_path, SMOOTHED.format(units="people", comment=hostile)))
    assert not marker.exists()
    assert isinstance(error, ModelFileError) and "The translation of this model" in str(error)


# ---- route 4: diagrams and loops evaluate equations -----------------------------------------
@pytest.mark.parametrize("smooth", [True, False])
def test_diagrams_and_loops_never_run_names_as_code(tmp_path, monkeypatch, smooth):
    from cyp_dynamics.analysis import find_loops, model_diagram

    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "m"  # open(chr(109), chr(119)) creates 'm' in the working folder
    name = "tea+0*len(str(open(chr(109),chr(119))))"
    loss = "SMTH1(Tea, 3)" if smooth else "Tea/3"
    path = write_xmile(tmp_path, f'<flow name="Loss"><eqn>{loss}</eqn></flow>'
                                 f'<aux name="Other"><eqn>Tea * "{name}"</eqn></aux>',
                       f'<dimensions><dim name="D"><elem name="{name}"/><elem name="q"/></dim>'
                       "</dimensions>")
    error = attempt(path)
    if error is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = load_model(path)
            model_diagram(model)
            find_loops(model)
    assert not marker.exists()


def test_xmile_tags_with_an_undeclared_prefix_load_but_hide_nothing(tmp_path):
    marker = tmp_path / "MARKER"
    # Stella and xmutil write <isee:prefs .../> without declaring the prefix: it must load.
    plain = XMILE.replace("<header>", '<isee:prefs show_module_prefix="true"/><header>')
    path = tmp_path / "prefs.xmile"
    path.write_text(plain.format(variables='<flow name="Loss"><eqn>Tea / 10</eqn></flow>',
                                 dimensions=""), encoding="utf-8")
    assert attempt(path) is None
    # ...but a prefixed tag is not taken for one whose contents are not checked (<header>).
    hidden = (f'<isee:header><aux name="x&quot;+{payload(marker)}+&quot;"><eqn>1</eqn></aux>'
              '</isee:header><flow name="Loss"><eqn>Tea / 10</eqn></flow>')
    path.write_text(XMILE.format(variables=hidden, dimensions=""), encoding="utf-8")
    error = attempt(path)
    assert not marker.exists()
    assert_refused(error, "double quote")
