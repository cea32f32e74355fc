"""The pieces of the workshop hub that are code: sign-in, the spawner, and the course copy.

Read by hub/jupyterhub_config.py (which adds this folder to sys.path) and by tests/test_hub_config.py.

- `WorkshopAuthenticator`: one shared workshop password for trainees, a separate password for the
  trainer (an admin), and a naming rule for user names. Nothing is stored about a person except
  the name they type.
- `WorkshopSpawner`: JupyterHub's SimpleLocalProcessSpawner (every trainee's server runs as the
  hub's own service account, in its own home folder) plus a per-process memory cap.
- `copy_course(source, home)`: puts course/, modules/ and datasets/ into a trainee's home folder,
  copying only files that are not there yet, so a trainee's edited notebook is never overwritten;
  `seed_lab_settings(home)` turns off JupyterLab's news pop-up the same way.
"""

from __future__ import annotations

import hmac
import json
import os
import resource
import shutil
from pathlib import Path

from jupyterhub.auth import Authenticator
from jupyterhub.spawner import SimpleLocalProcessSpawner
from traitlets import Integer, Unicode

#: The folders of the repository that every trainee gets a copy of.
COURSE_FOLDERS = ("course", "modules", "datasets")
#: Never copied: editor clutter, caches and other teams' simulator logs.
SKIPPED_NAMES = frozenset({".ipynb_checkpoints", "__pycache__", "team_logs", ".DS_Store"})
#: User names: lower-case letters, digits and hyphens, starting with a letter, 2 to 32 characters.
USERNAME_PATTERN = r"^[a-z][a-z0-9-]{1,31}$"
#: JupyterLab settings every trainee starts with: no pop-up asking about Jupyter news, no update
#: check (both would reach the internet, and the question distracts a room of beginners).
LAB_SETTINGS = {
    ".jupyter/lab/user-settings/@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False},
}
#: The shortest workshop or trainer password the hub accepts at start-up.
MIN_PASSWORD_LENGTH = 8


def copy_course(source: Path | str, home: Path | str,
                folders: tuple[str, ...] = COURSE_FOLDERS) -> list[Path]:
    """Copy `folders` of `source` into `home`, file by file, skipping any file already in `home`.

    Returns the files copied (paths inside `home`). A second call copies nothing; a trainee's
    edited notebook is never replaced; a notebook the trainee deleted comes back on their next
    start (the way to get a fresh copy). Missing source folders are skipped.
    """
    source, home = Path(source), Path(home)
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    copied: list[Path] = []
    for folder in folders:
        top = source / folder
        if not top.is_dir():
            continue
        for path in sorted(top.rglob("*")):
            relative = path.relative_to(source)
            if SKIPPED_NAMES.intersection(relative.parts) or not path.is_file():
                continue
            target = home / relative
            if target.exists() or target.is_symlink():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            copied.append(target)
    return copied


def seed_lab_settings(home: Path | str) -> list[Path]:
    """Write LAB_SETTINGS into `home` where the trainee has no such settings file yet."""
    written = []
    for relative, settings in LAB_SETTINGS.items():
        target = Path(home) / relative
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(settings), encoding="utf-8")
            written.append(target)
    return written


def make_copy_hook(source: Path | str):
    """A JupyterHub `pre_spawn_hook` that copies the course from `source` into the trainee's home."""

    def copy_course_hook(spawner) -> None:
        copied = copy_course(source, spawner.home_dir)
        seed_lab_settings(spawner.home_dir)
        spawner.log.info("Course copy for %s: %d new file(s) in %s",
                         spawner.user.name, len(copied), spawner.home_dir)

    return copy_course_hook


class WorkshopAuthenticator(Authenticator):
    """Sign-in for a one-day workshop: any allowed name with the shared password; the trainer's own."""

    workshop_password = Unicode(
        "", config=True, help="The password every trainee types (written on the board on the day).")
    trainer_password = Unicode(
        "", config=True, help="The password of the admin users (the trainer); never the workshop one.")

    async def authenticate(self, handler, data):
        username = self.normalize_username(str(data.get("username", "")).strip())
        password = str(data.get("password", ""))
        if not self.validate_username(username):
            return None
        expected = self.trainer_password if username in self.admin_users else self.workshop_password
        if not expected:
            return None
        # compare_digest takes the same time whatever the typed password, so timing tells nothing.
        if hmac.compare_digest(password.encode("utf-8"), expected.encode("utf-8")):
            return username
        return None


class WorkshopSpawner(SimpleLocalProcessSpawner):
    """SimpleLocalProcessSpawner with a data-memory cap on each process a trainee starts.

    `mem_limit` is not enforced by JupyterHub's local spawners; here it becomes RLIMIT_DATA on the
    trainee's server and (inherited) on each of its kernels, so a runaway calculation fails with a
    MemoryError in that trainee's kernel instead of starving the whole room. The cap is per process,
    not per trainee: a trainee with two kernels can use up to three times it.

    Isolation: every trainee's processes run as the one account that runs the hub (JupyterHub calls
    this spawner "for testing" for that reason), acceptable for a one-day workshop on public data;
    hub/README.md says when to choose one system account per trainee instead.
    """

    nice_increment = Integer(
        0, config=True, help="Added to the niceness of trainees' processes, so the hub stays responsive.")

    def make_preexec_fn(self, name):
        make_home_and_chdir = super().make_preexec_fn(name)
        mem_limit = int(self.mem_limit or 0)
        nice_increment = self.nice_increment

        def preexec() -> None:
            make_home_and_chdir()
            if mem_limit > 0:
                resource.setrlimit(resource.RLIMIT_DATA, (mem_limit, mem_limit))
            if nice_increment:
                os.nice(nice_increment)

        return preexec


def check_password(label: str, value: str | None) -> str:
    """`value` if it is a usable password; otherwise stop the hub with a message saying what to set."""
    if not value or len(value) < MIN_PASSWORD_LENGTH:
        raise SystemExit(
            f"cyp-dynamics hub: set {label} to a password of at least {MIN_PASSWORD_LENGTH} "
            "characters before starting the hub (see hub/README.md).")
    return value
