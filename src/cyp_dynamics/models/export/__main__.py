"""Command line: draw a model's diagram into its .mdl file, export XMILE, or picture a sketch.

    python -m cyp_dynamics.models.export sketch MODEL.mdl [--out OTHER.mdl]
    python -m cyp_dynamics.models.export sketch --course        # every course model
    python -m cyp_dynamics.models.export xmile MODEL.mdl OUT.xmile
    python -m cyp_dynamics.models.export picture MODEL.mdl OUT.svg
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import list_models, load_model
from . import sketch_svg, to_xmile, write_sketch


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cyp_dynamics.models.export")
    commands = parser.add_subparsers(dest="command", required=True)
    sketch = commands.add_parser("sketch", help="write the stock-and-flow diagram into a .mdl file")
    sketch.add_argument("model", nargs="?")
    sketch.add_argument("--out")
    sketch.add_argument("--course", action="store_true", help="every course model, in place")
    xmile = commands.add_parser("xmile", help="export a model to XMILE (Stella)")
    xmile.add_argument("model")
    xmile.add_argument("out")
    picture = commands.add_parser("picture", help="draw a .mdl file's sketch as SVG")
    picture.add_argument("model")
    picture.add_argument("out")
    args = parser.parse_args(argv)
    if args.command == "sketch":
        names = list(list_models()["name"]) if args.course else [args.model]
        if names == [None]:
            parser.error("give a .mdl file, or --course")
        for name in names:
            print(f"Diagram written into {write_sketch(load_model(name), args.out)}")
    elif args.command == "xmile":
        print(f"XMILE written to {to_xmile(load_model(args.model), args.out)}")
    else:
        Path(args.out).write_text(sketch_svg(Path(args.model).read_text(encoding="utf-8"),
                                             Path(args.model).stem.replace("_", " ")), encoding="utf-8")
        print(f"Picture written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
