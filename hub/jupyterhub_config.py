# JupyterHub configuration for a one-day cyp-dynamics workshop on one machine (see hub/README.md).
#
# Start with:  hub/start_hub.sh            (reads /etc/cyp-hub.env or hub/workshop.env, then runs
#              .venv/bin/jupyterhub -f hub/jupyterhub_config.py)
# Settings come from environment variables so that no password is ever written in this file:
#   CYP_HUB_WORKSHOP_PASSWORD  required: the password every trainee types (>= 8 characters)
#   CYP_HUB_TRAINER_PASSWORD   required: the trainer's own password (admin; must differ)
#   CYP_HUB_TRAINER            trainer user name(s), comma-separated          (default: trainer)
#   CYP_HUB_STATE_DIR          hub database, cookie secret, trainees' homes   (default: /srv/cyp-hub)
#   CYP_HUB_COURSE_DIR         the cyp-dynamics folder copied to each trainee (default: this repo)
#   CYP_HUB_BIND_URL           where the hub listens      (default: http://127.0.0.1:8000, for a
#                              reverse proxy in front; use https://0.0.0.0:443 with a certificate)
#   CYP_HUB_SSL_CERT, CYP_HUB_SSL_KEY   certificate files, if the hub itself serves HTTPS
#   CYP_HUB_MAX_USERS          most trainees' servers running at once          (default: 35)
#   CYP_HUB_MEM_LIMIT          memory cap per trainee process, e.g. 2G         (default: 2G)
#   CYP_HUB_IDLE_MINUTES       stop a trainee's server after this long idle   (default: 60)
#   CYP_HUB_ALLOWED_USERS_FILE optional: one allowed user name per line (else the naming rule)
#   CYP_HUB_ALLOW_ROOT         set to 1 only in a throwaway container where everything is root
import os
import sys
from pathlib import Path

HUB_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(HUB_DIR))
from cyp_hub import (
    USERNAME_PATTERN,
    WorkshopAuthenticator,
    WorkshopSpawner,
    check_password,
    make_copy_hook,
)

c = get_config()  # noqa: F821 (provided by JupyterHub's config loader)
env = os.environ.get

VENV_BIN = Path(sys.executable).parent  # the course environment: jupyterhub runs from its venv
STATE_DIR = Path(env("CYP_HUB_STATE_DIR", "/srv/cyp-hub"))
COURSE_DIR = Path(env("CYP_HUB_COURSE_DIR", str(HUB_DIR.parent)))
TRAINERS = {name.strip().lower() for name in env("CYP_HUB_TRAINER", "trainer").split(",") if name.strip()}

# Every trainee's server runs as the account that runs the hub: never root on a real machine.
RUNNING_AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
if RUNNING_AS_ROOT and env("CYP_HUB_ALLOW_ROOT") != "1":
    raise SystemExit("cyp-dynamics hub: do not run the hub as root; trainees' notebooks would run as "
                     "root too. Run it as the service account described in hub/README.md.")

# --- Where the hub listens, and what it keeps --------------------------------------------------
c.JupyterHub.bind_url = env("CYP_HUB_BIND_URL", "http://127.0.0.1:8000")
c.JupyterHub.hub_bind_url = "http://127.0.0.1:8081"  # the hub's own API: loopback only
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:8001"  # the proxy's API: loopback only
if env("CYP_HUB_SSL_CERT"):
    c.JupyterHub.ssl_cert = env("CYP_HUB_SSL_CERT")
    c.JupyterHub.ssl_key = env("CYP_HUB_SSL_KEY", "")
c.JupyterHub.db_url = f"sqlite:///{STATE_DIR / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE_DIR / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(STATE_DIR / "jupyterhub-proxy.pid")
# configurable-http-proxy: a local `npm install` under hub/ if there is one, else the one on PATH.
_local_proxy = HUB_DIR / "node_modules" / ".bin" / "configurable-http-proxy"
c.ConfigurableHTTPProxy.command = [str(_local_proxy) if _local_proxy.exists() else "configurable-http-proxy"]
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every trainee's server
c.JupyterHub.active_server_limit = int(env("CYP_HUB_MAX_USERS", "35"))
c.JupyterHub.template_vars = {
    "announcement_login": "Sign in with the name your trainer gave you (lower-case letters, digits "
                          "and hyphens, e.g. <b>sam-k</b>) and the workshop password on the board.",
}

# --- Sign-in: one workshop password, a naming rule, the trainer as admin -------------------------
c.JupyterHub.authenticator_class = WorkshopAuthenticator
_workshop_password = check_password("CYP_HUB_WORKSHOP_PASSWORD", env("CYP_HUB_WORKSHOP_PASSWORD"))
_trainer_password = check_password("CYP_HUB_TRAINER_PASSWORD", env("CYP_HUB_TRAINER_PASSWORD"))
if _trainer_password == _workshop_password:
    raise SystemExit("cyp-dynamics hub: the trainer's password must differ from the workshop password.")
c.WorkshopAuthenticator.workshop_password = _workshop_password
c.WorkshopAuthenticator.trainer_password = _trainer_password
c.Authenticator.admin_users = TRAINERS
c.Authenticator.username_pattern = USERNAME_PATTERN
if env("CYP_HUB_ALLOWED_USERS_FILE"):
    _names = Path(env("CYP_HUB_ALLOWED_USERS_FILE")).read_text(encoding="utf-8").split()
    c.Authenticator.allowed_users = {name.lower() for name in _names} | TRAINERS
else:
    c.Authenticator.allow_all = True  # any name that follows USERNAME_PATTERN, with the password

# --- Trainees' servers: local processes, one home folder each, course copied in -----------------
c.JupyterHub.spawner_class = WorkshopSpawner
c.WorkshopSpawner.home_dir_template = str(STATE_DIR / "homes" / "{username}")
c.Spawner.notebook_dir = "~"
c.Spawner.cmd = [str(VENV_BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab/tree/course/START_HERE.ipynb"
c.Spawner.pre_spawn_hook = make_copy_hook(COURSE_DIR)
c.Spawner.environment = {
    "PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin",
    # one thread each for numpy's maths: thirty kernels share a few cores.
    "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
}
c.Spawner.mem_limit = env("CYP_HUB_MEM_LIMIT", "2G")  # enforced per process by WorkshopSpawner
c.WorkshopSpawner.nice_increment = 5  # trainees' kernels yield to the hub and the proxy
# When the whole room presses "Start" at once a 2-core machine needs more than the default 60 s.
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 120
c.Spawner.args = [
    "--ServerApp.terminals_enabled=False",  # trainees need notebooks only, not a shell
    "--MappingKernelManager.cull_idle_timeout=1800",  # a forgotten kernel frees its memory
    "--MappingKernelManager.cull_interval=300",
    # no news pop-up, update check or PyPI extension listing: nothing leaves the machine
    "--LabApp.news_url=None",
    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    "--LabApp.extension_manager=readonly",
] + (["--allow-root"] if RUNNING_AS_ROOT else [])

# --- Idle culling: stop servers nobody has used for a while ----------------------------------------
IDLE_SECONDS = int(float(env("CYP_HUB_IDLE_MINUTES", "60")) * 60)
c.JupyterHub.load_roles = [{
    "name": "idle-culler",
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    "services": ["idle-culler"],
}]
c.JupyterHub.services = [{
    "name": "idle-culler",
    "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={IDLE_SECONDS}"],
}]
