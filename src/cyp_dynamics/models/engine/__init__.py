"""The numpy engine: compiles a model parsed by pysd into one fast Python function per model.

A newcomer's map, in the order a model passes through:

* `parsing`       reads a .mdl / .xmile file (through `..sanitise`) into `Element` records.
* `ranges`        subscript ranges as pysd reads them: copies, subranges, mappings, EXCEPT.
* `macros`        writes out each call of a Vensim macro as ordinary elements, before compiling.
* `external`      values read from files (GET XLS/DIRECT ..., DATA with data_files=), read once;
  `external_code` puts them in the compiled code as arrays and reads data at each step.
* `names`         internal names for variables pysd names '' or '1995' (symbols only).
* `compiler`      turns one equation tree into numpy (or float) code: `ExpressionCompiler`.
* `functions`     Vensim's built-in functions (MIN, ZIDZ, PULSE, lookups, ...), numpy and float
  forms; `calls` those that need the equation tree (GAME, GET TIME VALUE, RANDOM ...),
  `vectors` those of whole arrays (VECTOR SELECT / SORT ORDER / RANK / REORDER, INVERT
  MATRIX, XMILE's MIN/MAX of one array), `allocation` ALLOCATE BY PRIORITY and AVAILABLE.
* `stateful`      SMOOTH, DELAY, DELAY FIXED, TREND, FORECAST, SAMPLE IF TRUE, INITIAL as
  hidden states.
* `subscripts`    Vensim subscripts: `SubscriptCompiler`, arrays of shape (runs, *ranges).
* `unrolled`      subscripts element by element: one run of a subscripted model, and subranges,
  mappings, EXCEPT and subscripted lookups.
* `controls`      control variables that change during the run (FINAL TIME = IF THEN ELSE(...)).
* `build`         orders the equations and writes the run function: `compile_model`.
* `integrator`    `CompiledModel.simulate`: Euler steps exactly as pysd takes them.
* `common`        what they share: `UnsupportedModel`, Vensim's small numbers, safe names.

Anything the compiler does not know raises `UnsupportedModel`, and `Model` runs pysd instead.
Imports go one way (common and ranges at the bottom; parsing <- macros, names; vectors <-
allocation; calls, vectors, allocation <- functions <- stateful <- compiler <- subscripts <-
unrolled; external_code <- external; all of them <- controls <- build), so the package has no
import cycle (farm-studio checks it). Why running the generated code is safe: see `common`.
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
