"""`bench_optimize`: generate client data at several sizes, run the optimizer, print time, memory, refund.

Each size runs in its own process so that its peak memory is its own. Needs no database.
"""

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

DEFAULT_SIZES = "20000x5000,200000x50000,1000000x200000"
MANAGE = Path(__file__).resolve().parents[3] / "manage.py"


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
            proc = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy())
            if proc.returncode != 0:
                raise CommandError(f"{imports}x{exports} failed:\n{proc.stderr}")
            row = json.loads(proc.stdout.strip().splitlines()[-1])
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
        result = solve_problem(problem, Method.OPTIMAL, workers=options["workers"])
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
        }
