#!/usr/bin/env bash
# Dependency drift: install the NEWEST release of every top-level package in a scratch
# environment and run the whole suite, so maintainers hear of breakage before trainees do.
# Prints each top-level package's pin beside the newest release. Not part of CI: a failure
# here is news to act on (update a pin, or fix the code), not a broken build.
set -uo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
top_level="pysd pandas numpy altair ipywidgets jupyterlab ipykernel chardet pytest nbval hypothesis selenium"

"$python" -m venv "$work/env"
"$work/env/bin/python" -m pip install --quiet --upgrade pip
"$work/env/bin/python" -m pip install --quiet --upgrade $top_level
"$work/env/bin/python" -m pip install --quiet --no-deps -e .

printf '\n%-14s%-14s%-14s\n' package pinned newest
for name in $top_level; do
  pinned=$(grep -ih "^${name}==" binder/requirements.txt tests/requirements.txt | head -1 | cut -d= -f3)
  newest=$("$work/env/bin/python" -c "import importlib.metadata as m; print(m.version('$name'))")
  flag=""; [ "$pinned" != "$newest" ] && flag="  <- newer"
  printf '%-14s%-14s%-14s%s\n' "$name" "${pinned:-?}" "$newest" "$flag"
done
echo
"$work/env/bin/python" -m pytest
status=$?
[ $status -eq 0 ] && echo "Drift check: the suite passes with the newest releases." \
  || echo "Drift check: the suite FAILS with the newest releases (exit $status); see above."
exit $status
