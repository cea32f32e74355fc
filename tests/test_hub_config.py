"""The workshop hub (hub/): its configuration loads and says what hub/README.md promises, the course
copy never overwrites a trainee's work, sign-in follows the workshop rules, and the load test's
command line and report behave. Fast: no hub is started here (hub/load_test.py does that, by hand)."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

pytest.importorskip("jupyterhub")
from traitlets.config.loader import PyFileConfigLoader

ROOT = Path(__file__).resolve().parents[1]
HUB = ROOT / "hub"
if not HUB.is_dir():  # an sdist carries tests/ but not hub/
    pytest.skip("no hub/ folder here", allow_module_level=True)
sys.path.insert(0, str(HUB))
import cyp_hub


def _load_module(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


load_test = _load_module("cyp_hub_load_test", HUB / "load_test.py")

WORKSHOP, TRAINER = "room-password-1", "trainer-password-2"


@pytest.fixture
def hub_env(monkeypatch, tmp_path):
    monkeypatch.setenv("CYP_HUB_WORKSHOP_PASSWORD", WORKSHOP)
    monkeypatch.setenv("CYP_HUB_TRAINER_PASSWORD", TRAINER)
    monkeypatch.setenv("CYP_HUB_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("CYP_HUB_ALLOWED_USERS_FILE", raising=False)
    monkeypatch.delenv("CYP_HUB_BIND_URL", raising=False)
    monkeypatch.setattr(os, "geteuid", lambda: 1000)  # as the service account, whoever runs the tests
    return tmp_path


def load_config():
    return PyFileConfigLoader("jupyterhub_config.py", path=str(HUB)).load_config()


def test_config_sets_sign_in_spawner_and_loopback_addresses(hub_env):
    c = load_config()
    assert c.JupyterHub.authenticator_class is cyp_hub.WorkshopAuthenticator
    assert c.JupyterHub.spawner_class is cyp_hub.WorkshopSpawner
    assert c.JupyterHub.bind_url == "http://127.0.0.1:8000"  # behind the organisation's proxy
    assert c.JupyterHub.hub_bind_url.startswith("http://127.0.0.1:")
    assert c.ConfigurableHTTPProxy.api_url.startswith("http://127.0.0.1:")
    assert c.WorkshopAuthenticator.workshop_password == WORKSHOP
    assert c.WorkshopAuthenticator.trainer_password == TRAINER
    assert c.Authenticator.admin_users == {"trainer"}
    assert c.Authenticator.allow_all is True
    assert c.Authenticator.username_pattern == cyp_hub.USERNAME_PATTERN
    state = hub_env / "state"
    assert c.JupyterHub.db_url == f"sqlite:///{state / 'jupyterhub.sqlite'}"
    assert c.WorkshopSpawner.home_dir_template == str(state / "homes" / "{username}")
    assert Path(c.Spawner.cmd[0]).name == "jupyterhub-singleuser"
    assert callable(c.Spawner.pre_spawn_hook)
    assert c.Spawner.mem_limit == "2G"
    assert "--ServerApp.terminals_enabled=False" in c.Spawner.args
    assert (ROOT / c.Spawner.default_url.removeprefix("/lab/tree/")).is_file()


def test_config_runs_the_idle_culler_with_only_the_scopes_it_needs(hub_env, monkeypatch):
    monkeypatch.setenv("CYP_HUB_IDLE_MINUTES", "45")
    c = load_config()
    (culler,) = [s for s in c.JupyterHub.services if s["name"] == "idle-culler"]
    assert culler["command"][1:] == ["-m", "jupyterhub_idle_culler", "--timeout=2700"]
    (role,) = [r for r in c.JupyterHub.load_roles if r["name"] == "idle-culler"]
    assert set(role["scopes"]) == {"list:users", "read:users:activity", "read:servers", "delete:servers"}
    assert importlib.util.find_spec("jupyterhub_idle_culler") is not None


def test_config_refuses_to_start_without_good_passwords(hub_env, monkeypatch):
    monkeypatch.delenv("CYP_HUB_WORKSHOP_PASSWORD")
    with pytest.raises(SystemExit, match="CYP_HUB_WORKSHOP_PASSWORD"):
        load_config()
    monkeypatch.setenv("CYP_HUB_WORKSHOP_PASSWORD", "short")
    with pytest.raises(SystemExit, match="at least 8"):
        load_config()
    monkeypatch.setenv("CYP_HUB_WORKSHOP_PASSWORD", TRAINER)
    with pytest.raises(SystemExit, match="must differ"):
        load_config()


def test_config_refuses_root_unless_told_it_is_a_throwaway_container(hub_env, monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.delenv("CYP_HUB_ALLOW_ROOT", raising=False)
    with pytest.raises(SystemExit, match="root"):
        load_config()
    monkeypatch.setenv("CYP_HUB_ALLOW_ROOT", "1")
    assert "--allow-root" in load_config().Spawner.args


def test_config_reads_an_allow_list_and_keeps_the_trainer(hub_env, monkeypatch):
    names = hub_env / "names.txt"
    names.write_text("sam-k\nPriya-S\n", encoding="utf-8")
    monkeypatch.setenv("CYP_HUB_ALLOWED_USERS_FILE", str(names))
    monkeypatch.setenv("CYP_HUB_TRAINER", "lead, helper")
    c = load_config()
    assert c.Authenticator.allowed_users == {"sam-k", "priya-s", "lead", "helper"}
    assert c.Authenticator.admin_users == {"lead", "helper"}
    assert "allow_all" not in c.Authenticator


def _course(tmp_path: Path) -> Path:
    source = tmp_path / "repo"
    for relative, text in {"course/START_HERE.ipynb": "start", "modules/02-x/02-x.ipynb": "original",
                           "datasets/d/data.csv": "a,b\n1,2\n", "src/secret.py": "not course",
                           "modules/02-x/.ipynb_checkpoints/02-x-checkpoint.ipynb": "clutter",
                           "course/team_logs/team1.csv": "another team's log"}.items():
        (source / relative).parent.mkdir(parents=True, exist_ok=True)
        (source / relative).write_text(text, encoding="utf-8")
    return source


def test_copy_course_copies_once_and_never_overwrites_a_trainees_work(tmp_path):
    source, home = _course(tmp_path), tmp_path / "homes" / "sam-k"
    copied = cyp_hub.copy_course(source, home)
    assert sorted(p.relative_to(home).as_posix() for p in copied) == [
        "course/START_HERE.ipynb", "datasets/d/data.csv", "modules/02-x/02-x.ipynb"]
    assert not (home / "src").exists() and not (home / "course" / "team_logs").exists()
    notebook = home / "modules/02-x/02-x.ipynb"
    notebook.write_text("the trainee's answers", encoding="utf-8")
    (source / "modules/02-x/02-x.ipynb").write_text("a newer version", encoding="utf-8")
    assert cyp_hub.copy_course(source, home) == []
    assert notebook.read_text(encoding="utf-8") == "the trainee's answers"
    (home / "course/START_HERE.ipynb").unlink()  # deleting a notebook is how a trainee gets a fresh one
    assert cyp_hub.copy_course(source, home) == [home / "course/START_HERE.ipynb"]


def test_copy_hook_copies_into_the_spawners_home(tmp_path):
    source, home = _course(tmp_path), tmp_path / "homes" / "priya"
    messages = []
    spawner = SimpleNamespace(home_dir=str(home), user=SimpleNamespace(name="priya"),
                              log=SimpleNamespace(info=lambda *args: messages.append(args)))
    cyp_hub.make_copy_hook(source)(spawner)
    assert (home / "modules/02-x/02-x.ipynb").read_text(encoding="utf-8") == "original"
    assert messages and messages[0][1:3] == ("priya", 3)
    (settings,) = cyp_hub.LAB_SETTINGS
    assert json.loads((home / settings).read_text(encoding="utf-8"))["fetchNews"] == "false"


def test_lab_settings_are_seeded_once_and_a_trainees_own_are_kept(tmp_path):
    (relative,) = cyp_hub.LAB_SETTINGS
    assert cyp_hub.seed_lab_settings(tmp_path) == [tmp_path / relative]
    (tmp_path / relative).write_text('{"fetchNews": "true"}', encoding="utf-8")
    assert cyp_hub.seed_lab_settings(tmp_path) == []
    assert json.loads((tmp_path / relative).read_text(encoding="utf-8")) == {"fetchNews": "true"}


def test_every_course_folder_exists_in_the_repository():
    assert all((ROOT / folder).is_dir() for folder in cyp_hub.COURSE_FOLDERS)


def _authenticate(name: str, password: str):
    authenticator = cyp_hub.WorkshopAuthenticator(
        workshop_password=WORKSHOP, trainer_password=TRAINER, admin_users={"trainer"},
        username_pattern=cyp_hub.USERNAME_PATTERN, allow_all=True)
    return asyncio.run(authenticator.authenticate(None, {"username": name, "password": password}))


def test_sign_in_takes_the_workshop_password_and_the_naming_rule():
    assert _authenticate("sam-k", WORKSHOP) == "sam-k"
    assert _authenticate("  Sam-K ", WORKSHOP) == "sam-k"
    assert _authenticate("sam-k", "wrong-password") is None
    assert _authenticate("sam-k", "") is None
    for bad_name in ("s", "sam k", "../etc", "1sam", "sam.k", ""):
        assert _authenticate(bad_name, WORKSHOP) is None, bad_name


def test_the_trainer_signs_in_only_with_the_trainers_password():
    assert _authenticate("trainer", WORKSHOP) is None
    assert _authenticate("trainer", TRAINER) == "trainer"
    assert _authenticate("sam-k", TRAINER) is None


def test_spawner_caps_data_memory_of_the_trainees_process(tmp_path):
    spawner = cyp_hub.WorkshopSpawner(user=SimpleNamespace(name="sam-k"), home_dir=str(tmp_path / "sam-k"),
                                      mem_limit="1G", nice_increment=1)
    probe = "import os, resource; print(resource.getrlimit(resource.RLIMIT_DATA)[0], os.getcwd(), os.nice(0))"
    out = subprocess.run([sys.executable, "-c", probe], preexec_fn=spawner.make_preexec_fn("sam-k"),
                         capture_output=True, text=True, check=True).stdout.split()
    assert int(out[0]) == 1024**3
    assert out[1] == str(tmp_path / "sam-k")
    assert int(out[2]) >= os.nice(0) + 1


def test_load_test_arguments_have_bounds():
    args = load_test.parse_args([])
    assert (args.users, args.cell_bound, args.time_limit) == (5, 30.0, 300.0)
    assert args.notebook == load_test.DEFAULT_NOTEBOOK and (ROOT / args.notebook).is_file()
    args = load_test.parse_args(["--users", "20", "--time-limit", "120", "--cell-bound", "10"])
    assert (args.users, args.time_limit, args.cell_bound) == (20, 120.0, 10.0)
    for bad in (["--users", "0"], ["--users", str(load_test.MAX_USERS + 1)], ["--time-limit", "0"],
                ["--time-limit", "99999"], ["--cell-bound", "-1"], ["--notebook", "nowhere.ipynb"]):
        with pytest.raises(SystemExit):
            load_test.parse_args(bad)


def test_percentile_is_nearest_rank():
    assert load_test.percentile([], 0.95) is None
    assert load_test.percentile([3.0], 0.95) == 3.0
    assert load_test.percentile([float(i) for i in range(1, 101)], 0.95) == 95.0
    assert load_test.percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.0


def test_load_test_report_states_users_held_p95_memory_and_load():
    users = [
        load_test.UserResult("trainee-01", True, 0.2, True, 14.0, [0.1, 0.2, 5.0], 3, [], 390.0, 300.0),
        load_test.UserResult("trainee-02", True, 0.3, True, 20.0, [0.1, 31.0, 0.4], 3, [], 410.0, 320.0),
        load_test.UserResult("trainee-03", True, 0.3, False, None, [], 3, ["TimeoutError: no server"], None),
    ]
    result = load_test.LoadTestResult(
        users=users, notebook="modules/02-x/02-x.ipynb", cell_bound_s=30.0, time_limit_s=300.0,
        wall_s=95.4, timed_out=False, cpus=2, ram_gb=25.3, load_before=(1.5, 1.25, 1.0),
        load_after=(3.0, 2.0, 1.5), hub_rss_mb=199.0)
    report = load_test.format_report(result)
    assert "Users held: 1 of 3" in report
    assert "p95 31.0 s" in report and "slowest 31.0 s (6 cells run)" in report
    assert "median 400 MB, largest 410 MB" in report and "(PSS): median 310 MB" in report and "hub and proxy: 199 MB" in report
    assert "1.50, 1.25, 1.00 before and 3.00, 2.00, 1.50 after" in report
    assert "Not held: trainee-02: slowest cell 31.0 s" in report
    assert "Not held: trainee-03: TimeoutError: no server" in report
    assert "Took 95 s." in report
    assert "1e" not in report and "None" not in report
