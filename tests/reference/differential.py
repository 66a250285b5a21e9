"""Compare one run of the product's `designate` command with the reference.

Used by test_differential.py and by `python -m tests.reference.differential` (a survey over many seeds that
prints every disagreement it finds, grouped by kind).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from tests.reference import checker
from tests.reference.contract import (
    InputError,
    Instance,
    cents_text,
    claim_total_cents,
    class_ranges_on_optimal_face,
    max_rounded_total,
    round_half_up_cents,
)
from tests.reference.run_designate import Run, run_in_process

EXACT = Fraction(1, 10**6)


@dataclass
class Comparison:
    method: str
    run: Run
    problems: list[str] = field(default_factory=list)
    check: checker.CheckResult | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def reported_cents_range(instance: Instance) -> tuple[int, int]:
    """Claim totals a designation reaching the exact optimum can show (one value unless classes can trade)."""
    ranges = class_ranges_on_optimal_face(instance)
    lo = sum(round_half_up_cents(r[0]) for r in ranges.values())
    hi = sum(round_half_up_cents(r[1]) for r in ranges.values())
    return min(lo, instance.optimum.total_cents), max(hi, instance.optimum.total_cents)


def compare(
    instance: Instance,
    paths: dict[str, Path],
    filing: dt.date,
    method: str = "optimal",
    runner=run_in_process,
    *,
    entry_order: str = "normalized",
) -> Comparison:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "designations.csv"
        run = runner(paths, filing, None if method == "optimal" else method, out)
    result = Comparison(method, run)
    if run.exit_code != 0 or run.designations is None:
        result.problems.append(
            f"exit code {run.exit_code}, designations {'written' if run.designations else 'not written'}: "
            f"{(run.stderr or run.stdout).strip()[-800:]}"
        )
        return result
    check = checker.check(instance, run.designations, run.stdout, entry_order=entry_order)
    result.check = check
    result.problems += [f"checker: {v}" for v in check.violations]
    optimum = instance.optimum
    engine_total = check.exact_total
    if method == "optimal":
        if abs(engine_total - optimum.value) > EXACT:
            result.problems.append(
                f"optimum: exact refund {float(engine_total):.6f}, reference {float(optimum.value):.6f} "
                f"(claim total {cents_text(claim_total_cents(check.class_sums))} vs {optimum.total_text})"
            )
        elif check.reported_cents is not None:
            lo, hi = reported_cents_range(instance)
            if not lo <= check.reported_cents <= hi:
                result.problems.append(
                    f"claim total {cents_text(check.reported_cents)} outside the reference's "
                    f"{cents_text(lo)}..{cents_text(hi)}"
                )
    else:
        if engine_total > optimum.value + EXACT:
            result.problems.append(
                f"{method}: exact refund {float(engine_total):.6f} "
                f"above the optimum {float(optimum.value):.6f}"
            )
        if check.reported_cents is not None and check.reported_cents > max_rounded_total(instance).cents:
            result.problems.append(
                f"{method}: claim total {cents_text(check.reported_cents)} above the maximum"
            )
    return result


def survey(seeds, profile, methods=("optimal",)) -> dict[str, list[tuple[int, str]]]:
    """Run the command on generated instances; disagreements grouped by their first words."""
    from tests.reference.generate import generate

    groups: dict[str, list[tuple[int, str]]] = {}
    for seed in seeds:
        generated = generate(seed, profile)
        with tempfile.TemporaryDirectory() as tmp:
            paths = generated.write(Path(tmp))
            try:
                instance = Instance(
                    paths["imports"], paths["exports"], paths["tariff"], generated.filing_date
                )
            except InputError as exc:
                groups.setdefault("reference rejected input", []).append((seed, str(exc)))
                continue
            for method in methods:
                comparison = compare(instance, paths, generated.filing_date, method)
                for problem in comparison.problems:
                    kind = f"{method}: " + " ".join(problem.split()[:2])
                    groups.setdefault(kind, []).append((seed, problem))
    return groups


if __name__ == "__main__":  # pragma: no cover - manual survey
    import os
    import sys

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "drawback.settings")
    django.setup()
    from tests.reference import generate as gen

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    profile = getattr(gen, sys.argv[2]) if len(sys.argv) > 2 else gen.FULL
    methods = tuple(sys.argv[3].split(",")) if len(sys.argv) > 3 else ("optimal",)
    found = survey(range(count), profile, methods)
    for kind, items in sorted(found.items(), key=lambda kv: -len(kv[1])):
        print(f"{len(items):5d}  {kind}")
        for seed, problem in items[:3]:
            print(f"         seed {seed}: {problem[:300]}")
