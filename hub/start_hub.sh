#!/usr/bin/env bash
# Start the cyp-dynamics workshop hub in the foreground (Ctrl-C, or `systemctl stop cyp-hub`, stops
# it and every trainee's server). Settings: $CYP_HUB_ENV_FILE, else /etc/cyp-hub.env, else
# hub/workshop.env (copy hub/workshop.env.example). See hub/README.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
for file in "${CYP_HUB_ENV_FILE:-}" /etc/cyp-hub.env "$here/workshop.env"; do
  if [ -n "$file" ] && [ -r "$file" ]; then
    set -a; . "$file"; set +a
    echo "cyp-hub: settings read from $file"
    break
  fi
done
state=${CYP_HUB_STATE_DIR:-/srv/cyp-hub}
mkdir -p "$state"
chmod 700 "$state"
# the proxy: a local `npm ci` in hub/ if there is one, else configurable-http-proxy on PATH
export PATH="$here/node_modules/.bin:$repo/.venv/bin:$PATH"
cd "$state"
exec "$repo/.venv/bin/jupyterhub" -f "$here/jupyterhub_config.py"
