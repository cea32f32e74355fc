"""Take a model to Vensim and Stella: a diagram in the .mdl sketch, and XMILE export.

    from cyp_dynamics.models import load_model
    from cyp_dynamics.models.export import write_sketch, to_xmile, sketch_svg
    model = load_model("my_model.mdl")
    write_sketch(model)                       # Vensim now opens it with its diagram
    to_xmile(model, "my_model.xmile")         # Stella (and pysd) open this

From a terminal: `python -m cyp_dynamics.models.export sketch my_model.mdl`.
"""

from .picture import sketch_svg
from .structure import StockFlowStructure, stock_flow_structure
from .vensim_sketch import SketchError, with_sketch, write_sketch
from .xmile import XmileExportError, to_xmile, xmile_text

__all__ = ["SketchError", "StockFlowStructure", "XmileExportError", "sketch_svg",
           "stock_flow_structure", "to_xmile", "with_sketch", "write_sketch", "xmile_text"]
