"""`bench_optimize`: generate client data at several sizes, run the optimizer, print time, memory, refund.

Each size runs in its own process so that its peak memory is its own. Needs no database.

Besides the generated sizes it runs the shared client data of `../shared/bench/large-4711/` (relative to the
repository root; canonical imports.csv, exports.csv, hts.csv) when that folder exists, and checks the refund
against the certified optimum stated in the README.md beside it.
"""

import argparse
import datetime as dt
import json
import os
import re
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

DEFAULT_SIZES = "20000x5000,200000x50000,1000000x200000"
MANAGE = Path(__file__).resolve().parents[3] / "manage.py"
DEFAULT_SHARED = MANAGE.parent.parent / "shared" / "bench" / "large-4711"


def _cpu_s() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _peak_mb() -> float:
    # ru_maxrss is in kilobytes on Linux; worker processes count through RUSAGE_CHILDREN.
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


class Command(BaseCommand):
    help = (
        "Benchmark the designation optimizer on generated data (sizes as IMPORTSxEXPORTS, comma separated)."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--sizes", default=DEFAULT_SIZES, help=f"default {DEFAULT_SIZES}")
        parser.add_argument(
            "--products", type=int, default=None, help="product groups (default imports/5000)"
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--workers", type=int, default=None, help="processes for the groups (default: CPUs)"
        )
        parser.add_argument("--compare", default="fifo", help="other methods to run, e.g. fifo,lifo,lohi")
        parser.add_argument("--one", action="store_true", help="run a single size in this process")
        parser.add_argument(
            "--shared-data",
            default=str(DEFAULT_SHARED),
            help="folder of canonical imports.csv, exports.csv, hts.csv with a certified optimum in the "
            f"README.md of its parent folder (default {DEFAULT_SHARED})",
        )
        shared = parser.add_mutually_exclusive_group()
        shared.add_argument("--only-shared", action="store_true", help="run the shared data only")
        shared.add_argument("--no-shared", action="store_true", help="run the generated sizes only")
        parser.add_argument("--one-shared", action="store_true", help=argparse.SUPPRESS)

    def handle(self, *args, **options):
        sizes = []
        for part in options["sizes"].split(","):
            try:
                imports, exports = (int(x) for x in part.lower().split("x"))
            except ValueError as exc:
                raise CommandError(f"size {part!r} is not IMPORTSxEXPORTS") from exc
            sizes.append((imports, exports))
        if options["one"]:
            (imports, exports) = sizes[0]
            self.stdout.write(json.dumps(self.run_one(imports, exports, options)))
            return
        if options["one_shared"]:
            self.stdout.write(json.dumps(run_shared(Path(options["shared_data"]), options["workers"])))
            return
        if not options["only_shared"]:
            self.run_sizes(sizes, options)
        if not options["no_shared"]:
            self.run_shared_data(Path(options["shared_data"]), options)

    def run_sizes(self, sizes, options) -> None:
        self.stdout.write(
            f"{'imports':>9} {'exports':>8} {'groups':>6} {'pairs':>13} {'prepare s':>9} "
            f"{'optimal s':>9} {'total s':>8} {'cpu s':>7} {'peak MB':>8} {'refund':>17} {'FIFO':>17} "
            f"{'uplift':>16} {'gap $':>9}"
        )
        for imports, exports in sizes:
            cmd = [sys.executable, str(MANAGE), "bench_optimize", "--one", "--sizes", f"{imports}x{exports}"]
            cmd += ["--seed", str(options["seed"]), "--compare", options["compare"]]
            if options["products"]:
                cmd += ["--products", str(options["products"])]
            if options["workers"] is not None:
                cmd += ["--workers", str(options["workers"])]
            row = _run_child(cmd, f"{imports}x{exports}")
            fifo = row["comparison"].get("fifo")
            uplift = f"{float(row['refund']) - float(fifo):,.2f}" if fifo else "-"
            self.stdout.write(
                f"{imports:>9} {exports:>8} {row['groups']:>6} {row['pairs']:>13,} "
                f"{row['prepare_s']:>9.1f} {row['optimal_s']:>9.1f} {row['total_s']:>8.1f} "
                f"{row['cpu_s']:>7.1f} {row['peak_mb']:>8.0f} "
                f"{float(row['refund']):>17,.2f} {float(fifo or 0):>17,.2f} {uplift:>16} {row['gap']:>9.2g}"
            )
            for method, value in row["comparison"].items():
                if method != "fifo":
                    self.stdout.write(f"{'':>9} {method}: {float(value):,.2f}")
            self.stdout.write(_spread_line(row))

    def run_shared_data(self, folder: Path, options) -> None:
        missing = [name for name in SHARED_FILES if not (folder / name).is_file()]
        if missing:
            self.stdout.write(
                f"shared data skipped: {folder} has no {', '.join(missing)} "
                "(give its folder with --shared-data, or --no-shared)"
            )
            return
        reference = shared_reference(folder)
        cmd = [sys.executable, str(MANAGE), "bench_optimize", "--one-shared", "--shared-data", str(folder)]
        if options["workers"] is not None:
            cmd += ["--workers", str(options["workers"])]
        row = _run_child(cmd, str(folder))
        refund = Decimal(row["refund"])
        self.stdout.write(
            f"{'data':<12} {'imports':>8} {'exports':>7} {'groups':>6} {'largest group':>22} {'pairs':>12} "
            f"{'read s':>6} {'prepare s':>9} {'optimal s':>9} {'wall s':>7} {'cpu s':>7} {'peak MB':>7} "
            f"{'refund':>16} {'gap $':>8}"
        )
        largest = f"{row['largest_lines']:,} x {row['largest_exports']:,}"
        self.stdout.write(
            f"{folder.name:<12} {row['imports']:>8,} {row['exports']:>7,} {row['groups']:>6} {largest:>22} "
            f"{row['pairs']:>12,} {row['read_s']:>6.1f} {row['prepare_s']:>9.1f} {row['optimal_s']:>9.1f} "
            f"{row['total_s']:>7.1f} {row['cpu_s']:>7.1f} {row['peak_mb']:>7.0f} {refund:>16,.2f} "
            f"{row['gap']:>8.2g}"
        )
        self.stdout.write(_spread_line(row))
        if reference.optimum is None:
            self.stdout.write(
                "no certified optimum found in the README.md beside the data: refund not checked"
            )
            return
        difference = refund - reference.optimum
        verdict = "equal" if difference == 0 else ("BELOW" if difference < 0 else "ABOVE")
        self.stdout.write(
            f"certified optimum {reference.optimum:,.2f}: refund {verdict} (difference {difference:,.2f})"
        )
        if difference != 0:
            raise CommandError(f"the refund on {folder.name} is not the certified optimum")

    def run_one(self, imports: int, exports: int, options) -> dict:
        from claims.engine import benchdata, csvio
        from claims.engine.model import Method
        from claims.engine.optimizer import solve_problem
        from claims.engine.problem import prepare

        started = time.perf_counter()
        data = benchdata.generate(imports, exports, products=options["products"], seed=options["seed"])
        generated = time.perf_counter()
        cpu_generated = _cpu_s()
        problem = prepare(
            lines=data.lines,
            exports=data.exports,
            tariff=data.tariff,
            chapter99=csvio.load_chapter99(),
            settings=data.settings,
        )
        prepared = time.perf_counter()
        result, spread = solve_spread(problem, options["workers"])
        solved = time.perf_counter()
        cpu_solved = _cpu_s()
        comparison = {}
        for method in filter(None, options["compare"].split(",")):
            comparison[method] = str(solve_problem(problem, Method(method), workers=1).refund)
        return {
            "imports": imports,
            "exports": exports,
            "products": data.products,
            "groups": result.groups,
            "pairs": result.pairs,
            "rows": len(result.designations),
            "generate_s": round(generated - started, 2),
            "prepare_s": round(prepared - generated, 2),
            "optimal_s": round(solved - prepared, 2),
            "total_s": round(solved - generated, 2),
            "cpu_s": round(cpu_solved - cpu_generated, 2),
            "compare_s": round(time.perf_counter() - solved, 2),
            "peak_mb": round(_peak_mb()),
            "refund": str(result.refund),
            "gap": result.bound_gap,
            "comparison": comparison,
            **spread,
        }


SHARED_FILES = ("imports.csv", "exports.csv", "hts.csv")


@dataclass
class SharedReference:
    filing_date: dt.date | None
    optimum: Decimal | None


def shared_reference(folder: Path) -> SharedReference:
    """The filing date and certified optimum stated in the README.md of the data's parent folder, e.g.
    "claim filed on **2026-11-20**" and "| optimum (...) | **$241,563,504.56** |"."""
    readme = folder.parent / "README.md"
    text = readme.read_text(encoding="utf-8") if readme.is_file() else ""
    filed = re.search(r"filed on \*{0,2}(\d{4}-\d{2}-\d{2})", text)
    optimum = re.search(r"^\|\s*optimum\b[^|]*\|\s*\*{0,2}\$?([\d,]+\.\d{2})", text, re.MULTILINE)
    return SharedReference(
        filing_date=dt.date.fromisoformat(filed.group(1)) if filed else None,
        optimum=Decimal(optimum.group(1).replace(",", "")) if optimum else None,
    )


def run_shared(folder: Path, workers: int | None) -> dict:
    """Read the canonical files as `designate` does, then prepare and solve exactly (timed apart)."""
    from claims.engine import csvio
    from claims.engine.model import Settings
    from claims.engine.problem import prepare

    reference = shared_reference(folder)
    if reference.filing_date is None:
        raise CommandError(f"no filing date ('filed on YYYY-MM-DD') in {folder.parent / 'README.md'}")
    started = time.perf_counter()
    imports = csvio.read_imports(folder / "imports.csv", name="imports.csv")
    tariff = csvio.read_tariff(folder / "hts.csv", name="hts.csv")
    exports = csvio.read_exports(folder / "exports.csv", lines=imports.rows, name="exports.csv")
    errors = imports.errors + exports.errors + tariff.errors
    if errors:
        raise CommandError(f"{folder}: {len(errors)} problem(s) in the input, first: {errors[0]}")
    read = time.perf_counter()
    cpu_read = _cpu_s()
    problem = prepare(
        lines=imports.lines,
        exports=exports.exports,
        tariff=tariff.tariff,
        chapter99=csvio.load_chapter99(),
        settings=Settings(filing_date=reference.filing_date),
    )
    prepared = time.perf_counter()
    result, spread = solve_spread(problem, workers)
    solved = time.perf_counter()
    return {
        "imports": len(imports.lines),
        "exports": len(exports.exports),
        "groups": result.groups,
        "pairs": result.pairs,
        **spread,
        "read_s": round(read - started, 2),
        "prepare_s": round(prepared - read, 2),
        "optimal_s": round(solved - prepared, 2),
        "total_s": round(solved - read, 2),
        "cpu_s": round(_cpu_s() - cpu_read, 2),
        "peak_mb": round(_peak_mb()),
        "refund": str(result.refund),
        "gap": result.bound_gap,
    }


def solve_spread(problem, workers: int | None):
    """The exact optimum as solve_problem finds it, and how its work spreads over the product groups: each
    group's solve time, the largest group, and the solve's wall time projected for 1, 2, 4 and 8 worker
    processes (largest group first to the first free worker, as the pool and the chord hand them out)."""
    from claims.engine.model import Method
    from claims.engine.optimizer import solve_problem

    result = solve_problem(problem, Method.OPTIMAL, workers=workers)
    runs = result.group_runs
    seconds = [run.seconds for run in runs]
    biggest = max(runs, key=lambda run: run.pairs) if runs else None
    return result, {
        "largest_lines": biggest.lines if biggest else 0,
        "largest_exports": biggest.exports if biggest else 0,
        "largest_pairs": biggest.pairs if biggest else 0,
        "largest_s": round(biggest.seconds, 2) if biggest else 0.0,
        "groups_s": round(sum(seconds), 2),
        "projected_s": {n: round(projected_wall(seconds, n), 1) for n in (1, 2, 4, 8)},
    }


def projected_wall(seconds: list[float], workers: int) -> float:
    """Wall time of these group solves on `workers` processes, largest first to the first free one: never
    below the largest group, which one process solves alone while the others take the rest."""
    free = [0.0] * max(1, workers)
    for s in sorted(seconds, reverse=True):
        k = free.index(min(free))
        free[k] += s
    return max(free)


def _spread_line(row: dict) -> str:
    projected = " / ".join(f"{row['projected_s'][str(n)]:.1f}" for n in (1, 2, 4, 8))
    return (
        f"{'':>9} the groups' solves took {row['groups_s']:.1f} s in all (each timed in its process); "
        f"the largest "
        f"({row['largest_lines']:,} lines x {row['largest_exports']:,} exports, "
        f"{row['largest_pairs']:,} pairs)"
        f" in {row['largest_s']:.1f} s; projected solve wall with 1 / 2 / 4 / 8 workers: {projected} s"
    )


def _run_child(cmd: list[str], label: str) -> dict:
    proc = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy())
    if proc.returncode != 0:
        raise CommandError(f"{label} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])
