"""From a proposal's designations to the claims they are saved as.

One claim per provision (58 = 1313(j)(1), 59 = 1313(j)(2), 77 = 1313(j)(2) USMCA exceptions: a drawback
entry has one provision, catair.md 1.3), and for retail returns (56, 70) one per method (10-record pos 77).
A claim that would exceed the ACE record limits is split into several (catair.md 4.1: at most 10,000 import
groupings, 10,000 export groupings, ITINs up to 99,999); an export always stays in one claim with all its
designations, since its 70-record lists the ITINs of its import groupings.

Import groupings are counted the way the claim file groups them (claims.catair.writer): one per import line,
export-or-destroy action and substituted value per unit. Distinct SVUs are counted unrounded, so the count is
never below the file's.
"""

from claims.preflight import MAX_EXPORTS, MAX_IMPORTS, MAX_TRACKING_NUMBER, RETAIL_RETURN


class SplitError(ValueError):
    """The designations cannot be put into claims within the limits."""


def grouping_key(row: dict) -> tuple:
    action = "D" if row["disposition"] == "destroy" else "E"
    substitution = row["method"] == "substitution"
    return (row["line_id"], action, row["substituted_value_per_unit"] if substitution else None)


def _claim_of(row: dict) -> tuple[str, str]:
    """A retail-return claim is direct identification or substitution as a whole (10-record pos 77), so
    its two methods go on separate claims; other provisions have one method."""
    return (row["provision"], row["method"] if row["provision"] in RETAIL_RETURN else "")


def _order(row: dict) -> tuple:
    return (row["export_date"], row["export_ref"], row["entry_number"], row["line_number"])


def split_into_claims(
    rows: list[dict],
    *,
    max_imports: int | None = None,
    max_exports: int | None = None,
    max_itins: int | None = None,
) -> list[tuple[str, list[dict]]]:
    """[(provision, rows of one claim)], provisions in order, exports in date order within each."""
    import_limit = min(max_imports or MAX_IMPORTS, max_itins or MAX_TRACKING_NUMBER)
    export_limit = max_exports or MAX_EXPORTS
    by_provision: dict[tuple[str, str], dict[int, list[dict]]] = {}
    for row in sorted(rows, key=_order):
        by_provision.setdefault(_claim_of(row), {}).setdefault(row["export_id"], []).append(row)
    claims: list[tuple[str, list[dict]]] = []
    for key in sorted(by_provision):
        provision = key[0]
        current: list[dict] = []
        exports = 0
        groupings: set[tuple] = set()
        for export_rows in by_provision[key].values():
            keys = {grouping_key(r) for r in export_rows}
            if len(keys) > import_limit:
                raise SplitError(
                    f"export {export_rows[0]['export_ref']} alone needs {len(keys):,} import groupings; a "
                    f"claim holds at most {import_limit:,} (catair.md 4.1). Narrow the build or leave some "
                    "lines out."
                )
            new = keys - groupings
            if current and (exports + 1 > export_limit or len(groupings) + len(new) > import_limit):
                claims.append((provision, current))
                current, exports, groupings, new = [], 0, set(), keys
            current.extend(export_rows)
            exports += 1
            groupings |= new
        if current:
            claims.append((provision, current))
    return claims
