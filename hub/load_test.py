"""Load test of the workshop hub on this machine: N simulated trainees sign in at once and each runs
a module notebook, cell by cell, on their own server. Loopback only; bounded in users and in time.

    .venv/bin/python hub/load_test.py --users 10
    .venv/bin/python hub/load_test.py --users 20 --time-limit 300 --json results.json

What it does: starts hub/jupyterhub_config.py on 127.0.0.1 (free ports picked at random, a temporary
state folder deleted at the end, a throwaway workshop password); every simulated trainee signs in
through the real login form, has their server started through the hub's REST API (with a token of
a temporary "load-test" service), opens the notebook's session on their server and runs each code
cell over the kernel's websocket, timing it. A sampler records the memory (RSS) of each trainee's
server and kernel processes every second. The report says how many trainees the hub "held": signed
in, got a server, and ran every cell without an error, each cell within the bound (default 30 s).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

HUB_DIR = Path(__file__).resolve().parent
REPO = HUB_DIR.parent
DEFAULT_NOTEBOOK = "modules/02-stocks-and-flows/02-stocks-and-flows.ipynb"
MAX_USERS = 40  # a bound, so that nobody starts 500 servers on a shared machine by a typo
MAX_TIME_LIMIT_S = 1800


@dataclass
class UserResult:
    """What happened to one simulated trainee. Times in seconds, memory in MB (10**6 bytes)."""

    name: str
    signed_in: bool = False
    login_s: float | None = None
    server_started: bool = False
    spawn_s: float | None = None
    cell_seconds: list[float] = field(default_factory=list)
    cells_total: int = 0
    errors: list[str] = field(default_factory=list)
    peak_rss_mb: float | None = None
    peak_pss_mb: float | None = None

    def held(self, cell_bound_s: float) -> bool:
        """Signed in, got a server, ran every cell with no error, each within `cell_bound_s`."""
        return (self.signed_in and self.server_started and not self.errors
                and self.cells_total > 0 and len(self.cell_seconds) == self.cells_total
                and max(self.cell_seconds) <= cell_bound_s)


@dataclass
class LoadTestResult:
    users: list[UserResult]
    notebook: str
    cell_bound_s: float
    time_limit_s: float
    wall_s: float
    timed_out: bool
    cpus: int
    ram_gb: float
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    hub_rss_mb: float | None = None
    hub_log: str | None = None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line; refuses more than MAX_USERS users or a time limit over MAX_TIME_LIMIT_S."""
    parser = argparse.ArgumentParser(
        description="Sign in N simulated trainees to the workshop hub at once (loopback only) and "
                    "run a module notebook on each one's server.")
    parser.add_argument("--users", type=int, default=5, help=f"simulated trainees, 1 to {MAX_USERS} (default 5)")
    parser.add_argument("--notebook", default=DEFAULT_NOTEBOOK,
                        help=f"notebook each trainee runs, relative to the repository (default {DEFAULT_NOTEBOOK})")
    parser.add_argument("--cell-bound", type=float, default=30.0,
                        help="a trainee is held only if every cell finishes within this many seconds (default 30)")
    parser.add_argument("--time-limit", type=float, default=300.0,
                        help=f"stop everything after this many seconds, at most {MAX_TIME_LIMIT_S} (default 300)")
    parser.add_argument("--json", type=Path, default=None, help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    if not 1 <= args.users <= MAX_USERS:
        parser.error(f"--users must be between 1 and {MAX_USERS}")
    if not 0 < args.time_limit <= MAX_TIME_LIMIT_S:
        parser.error(f"--time-limit must be between 0 and {MAX_TIME_LIMIT_S} seconds")
    if args.cell_bound <= 0:
        parser.error("--cell-bound must be more than 0 seconds")
    if not (REPO / args.notebook).is_file():
        parser.error(f"no notebook at {args.notebook}")
    return args


def percentile(values: list[float], share: float) -> float | None:
    """The `share` (0-1) percentile of `values` by the nearest-rank method; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-share * len(ordered) // 1))))
    return ordered[rank - 1]


def _seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} s"


def _mb(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f} MB"


def format_report(result: LoadTestResult) -> str:
    """The load test's figures as lines of text for people (and for the closing note)."""
    bound = result.cell_bound_s
    users = result.users
    held = [u for u in users if u.held(bound)]
    cells = [s for u in users for s in u.cell_seconds]
    spawns = [u.spawn_s for u in users if u.spawn_s is not None]
    logins = [u.login_s for u in users if u.login_s is not None]
    memory = [u.peak_rss_mb for u in users if u.peak_rss_mb is not None]
    shared_memory = [u.peak_pss_mb for u in users if u.peak_pss_mb is not None]
    lines = [
        f"Hub load test: {len(users)} simulated trainees at once, each running {result.notebook}.",
        f"Users held: {len(held)} of {len(users)} (signed in, server started, every cell ran without "
        f"an error in under {bound:g} s).",
        f"Cell time: median {_seconds(statistics.median(cells) if cells else None)}, "
        f"p95 {_seconds(percentile(cells, 0.95))}, slowest {_seconds(max(cells) if cells else None)} "
        f"({len(cells):,} cells run).",
        f"Sign-in: p95 {_seconds(percentile(logins, 0.95))}. Server start: median "
        f"{_seconds(statistics.median(spawns) if spawns else None)}, slowest {_seconds(max(spawns) if spawns else None)}.",
        f"Memory per trainee (peak RSS of their server and kernel): median "
        f"{_mb(statistics.median(memory) if memory else None)}, largest {_mb(max(memory) if memory else None)}; "
        f"counting shared libraries once (PSS): median "
        f"{_mb(statistics.median(shared_memory) if shared_memory else None)}; "
        f"the hub and proxy: {_mb(result.hub_rss_mb)}.",
        f"Machine: {result.cpus} CPU cores, {result.ram_gb:.1f} GB RAM; load average (1, 5, 15 min) "
        f"{', '.join(f'{x:.2f}' for x in result.load_before)} before and "
        f"{', '.join(f'{x:.2f}' for x in result.load_after)} after.",
        f"Took {result.wall_s:.0f} s" + (f"; stopped at the time limit of {result.time_limit_s:g} s."
                                          if result.timed_out else "."),
    ]
    for user in users:
        if not user.held(bound):
            why = "; ".join(user.errors[:2]) or (
                f"slowest cell {max(user.cell_seconds):.1f} s" if user.cell_seconds else "no cell ran")
            lines.append(f"  Not held: {user.name}: {why}")
    return "\n".join(lines)


# --- Running the hub ----------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def code_cells(notebook: Path) -> list[str]:
    import nbformat
    return [cell.source for cell in nbformat.read(notebook, as_version=4).cells
            if cell.cell_type == "code" and cell.source.strip()]


class Hub:
    """A throwaway hub on loopback ports, with a temporary state folder and an admin service token."""

    def __init__(self, state: Path, log_path: Path) -> None:
        self.state = state
        self.port, self.hub_port, self.proxy_api_port = free_port(), free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = secrets.token_hex(32)
        self.password = secrets.token_urlsafe(12)
        config = state / "load_test_config.py"
        config.write_text("\n".join([
            "c = get_config()",
            f"load_subconfig({str(HUB_DIR / 'jupyterhub_config.py')!r})",
            f"c.JupyterHub.bind_url = {self.url!r}",
            f"c.JupyterHub.hub_bind_url = 'http://127.0.0.1:{self.hub_port}'",
            f"c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:{self.proxy_api_port}'",
            f"c.JupyterHub.services = list(c.JupyterHub.services) + [{{'name': 'load-test', 'api_token': {self.token!r}}}]",
            "c.JupyterHub.load_roles = list(c.JupyterHub.load_roles) + [{'name': 'load-test', "
            "'scopes': ['admin:users', 'admin:servers', 'access:servers', 'list:users', 'read:users'], "
            "'services': ['load-test']}]",
        ]) + "\n")
        env = dict(os.environ, CYP_HUB_STATE_DIR=str(state), CYP_HUB_WORKSHOP_PASSWORD=self.password,
                   CYP_HUB_TRAINER_PASSWORD=secrets.token_urlsafe(12), CYP_HUB_MAX_USERS=str(MAX_USERS))
        if os.geteuid() == 0:  # a container where everything runs as root (this project's CI machine)
            env["CYP_HUB_ALLOW_ROOT"] = "1"
        env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '')}"
        self.log = open(log_path, "w")
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "jupyterhub"), "-f", str(config)],
            cwd=state, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout_s: float) -> None:
        import requests
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the hub stopped at start-up (exit {self.process.returncode}); see its log")
            try:
                if requests.get(f"{self.url}/hub/health", timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"the hub did not answer within {timeout_s:.0f} s")

    def processes(self):
        import psutil
        try:
            hub = psutil.Process(self.process.pid)
            return [hub] + hub.children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def stop(self) -> None:
        """Stop the hub (it stops trainees' servers and the proxy), then end any process of ours left."""
        import psutil
        ours = self.processes()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
        for proc in ours:
            try:
                proc.kill()
            except psutil.NoSuchProcess:
                pass
        self.log.close()


class MemorySampler(threading.Thread):
    """Every second, the RSS of each trainee's server plus kernels (grouped by JUPYTERHUB_USER)."""

    def __init__(self, hub: Hub) -> None:
        super().__init__(daemon=True)
        self.hub, self.stop_event = hub, threading.Event()
        self.peak_by_user: dict[str, float] = {}
        self.peak_pss_by_user: dict[str, float] = {}
        self.peak_hub_mb = 0.0
        self.ticks = 0
        self._owner: dict[int, str | None] = {}

    def run(self) -> None:
        import psutil
        while not self.stop_event.wait(1.0):
            self.ticks += 1
            with_pss = self.ticks % 5 == 0  # PSS reads /proc/PID/smaps: slower, so every 5 s
            by_user: dict[str, float] = {}
            pss_by_user: dict[str, float] = {}
            hub_mb = 0.0
            for proc in self.hub.processes():
                try:
                    if proc.pid not in self._owner:
                        self._owner[proc.pid] = proc.environ().get("JUPYTERHUB_USER")
                    owner = self._owner[proc.pid]
                    rss_mb = proc.memory_info().rss / 1e6
                    if owner and with_pss:
                        pss_by_user[owner] = pss_by_user.get(owner, 0.0) + proc.memory_full_info().pss / 1e6
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
                if owner:
                    by_user[owner] = by_user.get(owner, 0.0) + rss_mb
                elif "idle_culler" not in " ".join(proc.cmdline()):
                    hub_mb += rss_mb
            for name, mb in by_user.items():
                self.peak_by_user[name] = max(self.peak_by_user.get(name, 0.0), mb)
            for name, mb in pss_by_user.items():
                self.peak_pss_by_user[name] = max(self.peak_pss_by_user.get(name, 0.0), mb)
            self.peak_hub_mb = max(self.peak_hub_mb, hub_mb)


# --- One simulated trainee ----------------------------------------------------------------------

def sign_in(hub: Hub, name: str, password: str):
    """The login form, as a browser submits it; returns the signed-in requests session."""
    import requests
    session = requests.Session()
    page = session.get(f"{hub.url}/hub/login", timeout=60)
    page.raise_for_status()
    xsrf = re.search(r'name="_xsrf"\s+value="([^"]+)"', page.text)
    form = {"username": name, "password": password, "_xsrf": xsrf.group(1) if xsrf else ""}
    reply = session.post(f"{hub.url}/hub/login?next=", data=form, allow_redirects=False, timeout=60)
    if reply.status_code != 302 or "/hub/login" in reply.headers.get("Location", ""):
        raise RuntimeError(f"sign-in refused (HTTP {reply.status_code})")
    return session


def start_server(hub: Hub, name: str, deadline: float) -> None:
    import requests
    api = f"{hub.url}/hub/api/users/{name}"
    headers = {"Authorization": f"token {hub.token}"}
    reply = requests.post(f"{api}/server", headers=headers, timeout=60)
    if reply.status_code not in (201, 202, 400):  # 400: already running
        raise RuntimeError(f"server start refused (HTTP {reply.status_code}: {reply.text[:120]})")
    while time.monotonic() < deadline:
        model = requests.get(api, headers=headers, timeout=60).json()
        server = model.get("servers", {}).get("", {})
        if server.get("ready"):
            return
        if not server.get("pending") and not server.get("ready") and not model.get("pending"):
            raise RuntimeError("the server failed to start")
        time.sleep(1.0)
    raise TimeoutError("server did not start before the time limit")


def run_notebook(hub: Hub, name: str, notebook: str, cells: list[str], result: UserResult,
                 deadline: float) -> None:
    import requests
    import websocket
    base = f"{hub.url}/user/{name}"
    headers = {"Authorization": f"token {hub.token}"}
    body = {"path": notebook, "type": "notebook", "name": Path(notebook).name, "kernel": {"name": "python3"}}
    reply = requests.post(f"{base}/api/sessions", json=body, headers=headers, timeout=120)
    reply.raise_for_status()
    kernel_id = reply.json()["kernel"]["id"]
    session_id = uuid.uuid4().hex
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{hub.port}/user/{name}/api/kernels/{kernel_id}/channels?session_id={session_id}",
        header=[f"Authorization: token {hub.token}"], timeout=max(1.0, deadline - time.monotonic()))
    try:
        for index, code in enumerate(cells, start=1):
            msg_id = uuid.uuid4().hex
            ws.send(json.dumps({
                "header": {"msg_id": msg_id, "username": name, "session": session_id,
                           "msg_type": "execute_request", "version": "5.3"},
                "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
                "content": {"code": code, "silent": False, "store_history": True,
                            "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
            }))
            started = time.monotonic()
            replied = idle = False
            while not (replied and idle):
                ws.settimeout(max(0.5, deadline - time.monotonic()))
                message = json.loads(ws.recv())
                if message.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind = message["header"]["msg_type"]
                if kind == "execute_reply":
                    replied = True
                    if message["content"].get("status") != "ok":
                        result.errors.append(f"cell {index}: {message['content'].get('ename', 'error')}")
                elif kind == "status" and message["content"].get("execution_state") == "idle":
                    idle = True
            result.cell_seconds.append(time.monotonic() - started)
            if result.errors:
                return
    finally:
        ws.close()
        try:
            requests.delete(f"{base}/api/kernels/{kernel_id}", headers=headers, timeout=60)
        except requests.RequestException:
            pass  # the kernel goes with its server when the hub stops


def simulate_trainee(hub: Hub, name: str, notebook: str, cells: list[str], deadline: float,
                     start_together: threading.Barrier) -> UserResult:
    result = UserResult(name=name, cells_total=len(cells))
    start_together.wait()
    try:
        began = time.monotonic()
        sign_in(hub, name, hub.password)
        result.signed_in, result.login_s = True, time.monotonic() - began
        began = time.monotonic()
        start_server(hub, name, deadline)
        result.server_started, result.spawn_s = True, time.monotonic() - began
        run_notebook(hub, name, notebook, cells, result, deadline)
    except Exception as error:  # every failure is a figure in the report, not a crash
        result.errors.append(f"{type(error).__name__}: {str(error)[:160]}")
    return result


def run_load_test(args: argparse.Namespace) -> LoadTestResult:
    import psutil
    cells = code_cells(REPO / args.notebook)
    load_before = os.getloadavg()
    began = time.monotonic()
    deadline = began + args.time_limit
    state = Path(tempfile.mkdtemp(prefix="cyp-hub-load-"))
    log_path = Path(tempfile.gettempdir()) / f"cyp-hub-load-{os.getpid()}.log"
    hub = Hub(state, log_path)
    sampler = MemorySampler(hub)
    names = [f"trainee-{i:02d}" for i in range(1, args.users + 1)]
    results: list[UserResult] = []
    pool = ThreadPoolExecutor(max_workers=len(names))
    users_done = began
    try:
        try:
            hub.wait_ready(min(90.0, args.time_limit))
        except RuntimeError as error:
            results = [UserResult(name=name, cells_total=len(cells), errors=[f"the hub did not start: {error}"])
                       for name in names]
            raise
        sampler.start()
        barrier = threading.Barrier(len(names))
        futures = [pool.submit(simulate_trainee, hub, name, args.notebook, cells, deadline, barrier)
                   for name in names]
        for name, future in zip(names, futures):
            try:
                results.append(future.result(timeout=max(1.0, deadline - time.monotonic()) + 10))
            except Exception as error:
                results.append(UserResult(name=name, cells_total=len(cells),
                                          errors=[f"did not finish: {type(error).__name__}"]))
        users_done = time.monotonic()
    except RuntimeError:
        pass  # the hub did not start: every trainee is reported as not held, with the reason
    finally:
        sampler.stop_event.set()
        # Stopping the hub ends every trainee's server, so a thread still waiting on one fails fast.
        pool.shutdown(wait=False, cancel_futures=True)
        hub.stop()
        shutil.rmtree(state, ignore_errors=True)
    for result in results:
        result.peak_rss_mb = sampler.peak_by_user.get(result.name)
        result.peak_pss_mb = sampler.peak_pss_by_user.get(result.name)
    wall = time.monotonic() - began
    return LoadTestResult(
        users=results, notebook=args.notebook, cell_bound_s=args.cell_bound, time_limit_s=args.time_limit,
        wall_s=wall, timed_out=users_done - began >= args.time_limit, cpus=os.cpu_count() or 1,
        ram_gb=psutil.virtual_memory().total / 1e9, load_before=load_before, load_after=os.getloadavg(),
        hub_rss_mb=sampler.peak_hub_mb or None, hub_log=str(log_path))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(f"Starting a hub on 127.0.0.1 and {args.users} simulated trainees "
          f"(at most {args.time_limit:g} s)...", flush=True)
    result = run_load_test(args)
    print(format_report(result))
    if args.json:
        args.json.write_text(json.dumps(asdict(result), indent=1))
    all_held = all(u.held(args.cell_bound) for u in result.users)
    if all_held and result.hub_log:
        Path(result.hub_log).unlink(missing_ok=True)
    elif result.hub_log:
        print(f"The hub's log is kept at {result.hub_log}.")
    return 0 if all_held else 1


if __name__ == "__main__":
    sys.exit(main())
