"""The numpy engine: compiles a model parsed by pysd into one fast Python function per model.

A newcomer's map, in the order a model passes through:

* `parsing`     reads a .mdl / .xmile file (through `..sanitise`) into `Element` records.
* `compiler`    turns one equation tree into numpy (or float) code: `ExpressionCompiler`.
* `functions`   Vensim's built-in functions (MIN, ZIDZ, PULSE, lookups, ...), numpy and float forms.
* `stateful`    SMOOTH, DELAY, DELAY FIXED, TREND, FORECAST, SAMPLE IF TRUE, INITIAL as hidden states.
* `subscripts`  Vensim subscripts: `SubscriptCompiler`, arrays of shape (runs, *ranges).
* `unrolled`    subscripts element by element: one run of a subscripted model, and subranges.
* `build`       orders the equations and writes the run function: `compile_model`.
* `integrator`  `CompiledModel.simulate`: Euler steps exactly as pysd takes them.
* `common`      what they share: `UnsupportedModel`, Vensim's small numbers, safe names.

Anything the compiler does not know raises `UnsupportedModel`, and `Model` runs pysd instead.
Imports go one way (common <- functions <- stateful <- compiler <- subscripts <- unrolled <-
build; integrator and parsing stand alone), so the package has no import cycle. Why running the generated code is safe: see `common`.
"""

from .build import compile_model, non_negative
from .common import SMALL_VENSIM, TIME_PRECISION, UnsupportedModel, local, number
from .compiler import ExpressionCompiler
from .functions import FUNCTIONS, HELPERS, OPERATORS
from .integrator import CompiledModel, schedule
from .parsing import Element, read_elements, read_model, snake_case
from .subscripts import (
                         SUBSCRIPT_HELPERS,
                         SubscriptCompiler,
                         assignment,
                         element_names,
                         reference_nodes,
                         variable_ranges,
)

# Names the diagram tools (analysis/graph.py) used from the old single-file engine.
_Compiler = ExpressionCompiler
_local = local
_number = number

__all__ = [
                         "FUNCTIONS",
                         "HELPERS",
                         "OPERATORS",
                         "SMALL_VENSIM",
                         "SUBSCRIPT_HELPERS",
                         "TIME_PRECISION",
                         "CompiledModel",
                         "Element",
                         "ExpressionCompiler",
                         "SubscriptCompiler",
                         "UnsupportedModel",
                         "assignment",
                         "compile_model",
                         "element_names",
                         "local",
                         "non_negative",
                         "number",
                         "read_elements",
                         "read_model",
                         "reference_nodes",
                         "schedule",
                         "snake_case",
                         "variable_ranges",
]
