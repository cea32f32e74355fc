#!/usr/bin/env bash
# After the workshop: delete every trainee's folder (notebooks, notes) and the hub's database of
# names and sessions. Stop the hub first. Asks before deleting anything.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
for file in "${CYP_HUB_ENV_FILE:-}" /etc/cyp-hub.env "$here/workshop.env"; do
  if [ -n "$file" ] && [ -r "$file" ]; then set -a; . "$file"; set +a; break; fi
done
state=${CYP_HUB_STATE_DIR:-/srv/cyp-hub}
if pgrep -f "jupyterhub -f $here/jupyterhub_config.py" >/dev/null 2>&1; then
  echo "The hub is still running: stop it first (systemctl stop cyp-hub, or Ctrl-C)." >&2
  exit 1
fi
echo "This deletes, in $state:"
echo "  homes/ (every trainee's notebooks and notes), jupyterhub.sqlite (names, sessions),"
echo "  jupyterhub_cookie_secret and jupyterhub-proxy.pid."
read -r -p "Type yes to delete them: " answer
if [ "$answer" = yes ]; then
  rm -rf -- "$state/homes" "$state/jupyterhub.sqlite" "$state/jupyterhub_cookie_secret" "$state/jupyterhub-proxy.pid"
  echo "Deleted."
else
  echo "Nothing deleted."
fi
