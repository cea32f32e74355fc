#!/usr/bin/env bash
# Simulate a Binder (repo2docker) build from binder/ alone, then run every notebook in it.
#
# A fresh virtual environment gets only binder/requirements.txt and binder/postBuild, exactly
# as Binder would, plus the two test runners (pytest, nbval) that execute the notebooks. If a
# notebook needs anything binder/ does not install, this fails.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
python=${PYTHON:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# runtime.txt must name a Python that the pins support: the one building here.
want=$(sed -n 's/^python-\([0-9.]*\)$/\1/p' binder/runtime.txt)
have=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
[ -n "$want" ] || { echo "binder/runtime.txt must read python-X.Y" >&2; exit 1; }
[ "$want" = "$have" ] || echo "note: runtime.txt asks for Python $want; simulating with $have"

# Every line of requirements.txt that names a package pins it with ==.
unpinned=$(grep -vE '^\s*(#|$)' binder/requirements.txt | grep -v '==' || true)
[ -z "$unpinned" ] || { echo "Unpinned in binder/requirements.txt: $unpinned" >&2; exit 1; }

# The README's Binder badge opens the start page.
grep -q 'urlpath=lab/tree/course/START_HERE.ipynb' README.md \
  || { echo "README's Binder badge must open course/START_HERE.ipynb" >&2; exit 1; }

start=$(date +%s)
"$python" -m venv "$work/env"
export PATH="$work/env/bin:$PATH"
python -m pip install --quiet --upgrade pip
python -m pip install --quiet -r binder/requirements.txt
# repo2docker copies the repository to the home folder and runs postBuild there.
cp -r "$root" "$work/repo"
rm -rf "$work/repo/.venv" "$work/repo/.git"
(cd "$work/repo" && bash binder/postBuild)
python -m pip install --quiet "$(grep -i '^pytest==' tests/requirements.txt)" \
  "$(grep -i '^nbval==' tests/requirements.txt)"
echo "Binder environment built in $(( $(date +%s) - start )) s"

cd "$work/repo"
python -m pytest --nbval-lax --nbval-current-env -p no:cacheprovider -o addopts="" \
  -o testpaths="" course modules solutions
