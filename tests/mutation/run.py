"""Mutation testing of one module with the tests that cover it (issue 16): `make mutation MODULE=…`.

mutmut (3.x) is the tool: it mutates functions through trampolines and forks one pytest per
mutant, running only the tests that reached the mutated function, so a module of 300 lines takes
minutes on 2 cores where re-importing Django per mutant (cosmic-ray's model) would take hours.

mutmut reads its settings from ./pyproject.toml only. To run it on one module at a time without
editing the project's file, this script builds a work folder `.mutation/<module>/` holding
symbolic links to the project's folders and a pyproject.toml that is the project's own plus a
`[tool.mutmut]` table for that module (its tests come from `tests/mutation/targets/`). mutmut
copies the sources into `.mutation/<module>/mutants/` and works there; the project is never touched.

The score is (killed + timed out) / (mutants − equivalent mutants). Equivalent mutants — changes
nothing can observe — are listed with their reason in tests/mutation/targets/; a survivor that is not listed
is printed with its diff, and the command fails when the score is under the threshold (90 %).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from datetime import date
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
TARGETS = Path(__file__).with_name("targets")  # one file per group of modules, merged
WORK_ROOT = PROJECT / ".mutation"
KILLED = {1, 3, 36, 24, -24, 152, 255, 37}  # failed test, pytest internal error, timeouts, type check
NOT_LINKED = {".git", ".venv", ".mutation", "pyproject.toml", "mutants", "media", "staticfiles", "var", "db.sqlite3"}
SOURCE_PATHS = ["alternance", "companies", "contracts", "alerts"]


def load_targets() -> dict[str, dict]:
    targets: dict[str, dict] = {}
    for path in sorted(TARGETS.glob("*.toml")):
        targets.update(tomllib.loads(path.read_text("utf-8")))
    return targets


def work_folder(module: str) -> Path:
    return WORK_ROOT / module.removesuffix(".py").replace("/", ".")


def toml_list(values: list[str]) -> str:
    return "[" + ", ".join(json.dumps(value) for value in values) + "]"


def prepare(module: str, target: dict, *, fresh: bool) -> Path:
    folder = work_folder(module)
    if fresh and folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for entry in PROJECT.iterdir():
        link = folder / entry.name
        if entry.name in NOT_LINKED or link.exists() or link.is_symlink():
            continue
        link.symlink_to(entry)
    config = (PROJECT / "pyproject.toml").read_text("utf-8")
    config += (
        "\n\n# Written by tests/mutation/run.py for this module only.\n[tool.mutmut]\n"
        f"source_paths = {toml_list(SOURCE_PATHS)}\n"
        f"only_mutate = {toml_list([module])}\n"
        f"also_copy = {toml_list(['templates', 'static', 'manage.py'])}\n"
        f"pytest_add_cli_args_test_selection = {toml_list(target['tests'])}\n"
        # Each mutant runs in a fresh pytest session: building the test database from the models
        # takes 0.5 s where replaying the migrations takes 8 s. A module whose tests need the data
        # that migrations insert sets `migrations = true` in its target.
        f"pytest_add_cli_args = {toml_list([] if target.get('migrations') else ['--nomigrations'])}\n"
        # A mutant that makes a test loop is a kill, after 10× the test's normal time.
        "timeout_multiplier = 10.0\n"
    )
    (folder / "pyproject.toml").write_text(config, "utf-8")
    return folder


def results(folder: Path, module: str) -> dict[str, int | None]:
    meta = folder / "mutants" / f"{module}.meta"
    return json.loads(meta.read_text("utf-8"))["exit_code_by_key"]


def mutmut(folder: Path, *args: str, capture: bool = False) -> subprocess.CompletedProcess:
    # Always the in-memory SQLite test database: each forked pytest builds its own, where two
    # mutants on one PostgreSQL server would fight over the same test database name.
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env["DJANGO_SETTINGS_MODULE"] = "alternance.settings.test"
    return subprocess.run(
        [sys.executable, "-m", "tests.mutation.mutmut_cli", *args], cwd=folder, env=env, text=True,
        capture_output=capture, check=False,
    )


def report(module: str, target: dict, folder: Path, *, seconds: float, min_score: float, show: bool) -> bool:
    codes = results(folder, module)
    equivalent = target.get("equivalent", {})
    killed = [name for name, code in codes.items() if code in KILLED]
    unknown_equivalent = sorted(set(equivalent) - set(codes))
    counted = [name for name in codes if name not in equivalent]
    survivors = sorted(name for name in counted if codes[name] not in KILLED)
    score = 100.0 * len([n for n in killed if n not in equivalent]) / len(counted) if counted else 100.0
    print(f"\n{module}: {len(codes)} mutants, {len(killed)} killed, {len(equivalent)} equivalent "
          f"(listed), {len(survivors)} surviving — score {score:.1f} % in {seconds / 60:.1f} min")
    if unknown_equivalent:
        print("Listed as equivalent but no longer generated (remove them from tests/mutation/targets/):")
        for name in unknown_equivalent:
            print(f"  {name}")
    for name in survivors:
        status = {0: "survived", None: "not checked", 33: "no test reaches it", 5: "no test reaches it"}.get(codes[name], f"exit {codes[name]}")
        print(f"- {name} ({status})")
        if show:
            diff = mutmut(folder, "show", name, capture=True).stdout
            print("  " + "\n  ".join(diff.strip().splitlines()[1:]))
    summary = {"module": module, "mutants": len(codes), "killed": len(killed), "equivalent": len(equivalent),
               "surviving": survivors, "score": round(score, 1), "minutes": round(seconds / 60, 1)}
    (folder / "score.json").write_text(json.dumps(summary, indent=2), "utf-8")
    return score >= min_score and not unknown_equivalent


def rotation_module(targets: dict[str, dict], today: date) -> str:
    """CI checks one module a day, in turn (the whole list takes longer than CI's budget): the
    modules whose target says ``ci = true``, set once a fresh full run reached the threshold."""
    modules = sorted(name for name, target in targets.items() if target.get("ci", False))
    return modules[today.toordinal() % len(modules)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Mutation testing of one module (mutmut).")
    parser.add_argument("module", help="a module listed in tests/mutation/targets/, or 'rotation' or 'list'")
    parser.add_argument("--keep", action="store_true", help=(
        "reuse the previous results: re-runs only the functions whose code changed. Tests are copied when a run "
        "starts and mutmut forgets every result when the module's tests list changes: to check new tests, run afresh"))
    parser.add_argument("--min-score", type=float, default=90.0)
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--no-diff", action="store_true", help="do not print the diff of each survivor")
    args = parser.parse_args(argv)
    targets = load_targets()
    if args.module == "list":
        for name in sorted(targets):
            print(name)
        return 0
    module = rotation_module(targets, date.today()) if args.module == "rotation" else args.module.removeprefix("./")
    if module not in targets:
        print(f"{module} n'est pas dans tests/mutation/targets/ (modules : {', '.join(sorted(targets))}).")
        return 2
    folder = prepare(module, targets[module], fresh=not args.keep)
    print(f"Mutation de {module} avec {len(targets[module]['tests'])} fichier(s) de tests, dossier {folder.relative_to(PROJECT)}")
    started = time.monotonic()
    # mutmut redraws a progress line many times a second: its output goes to a log file, and only
    # the lines it finishes (steps, errors) are shown.
    run = mutmut(folder, "run", "--max-children", str(args.max_children), capture=True)
    log = folder / "mutmut.log"
    log.write_text(run.stdout + run.stderr, "utf-8")
    for line in (run.stdout + run.stderr).splitlines():
        shown = line.rsplit("\r", 1)[-1].strip()
        if shown and not shown.startswith(("⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏")):
            print(shown)
    if run.returncode != 0:
        print(f"mutmut s'est arrêté avec le code {run.returncode} (journal : {log.relative_to(PROJECT)}).")
        return run.returncode
    ok = report(module, targets[module], folder, seconds=time.monotonic() - started, min_score=args.min_score, show=not args.no_diff)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
