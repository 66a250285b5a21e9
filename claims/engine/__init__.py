"""The claims engine: drawback rules, amounts and the designation optimizer. Pure Python, no Django.

Plain frozen dataclasses in, results out:
- model        ImportLine, Export, Settings (product decisions that are settings), Designation, Step
- tariff       the HTS rows the "Other" tests and rate structures are read from
- eligibility  time windows, substitution standard, unit of measure, CA/MX/CL, line election, retail returns
- amounts      per-class refunds (lesser-of, specific/ad valorem/compound, Chapter 99, MPF/HMF, 99%/100%,
               recovered materials, USMCA lesser-of), rounding of a claim's classes
- manufacturing 1313(a)/(b) bills of materials (used in, less valuable waste, relative value, appearing in),
               sought chemical elements, 1313(c) rejected merchandise
- problem      direct identification settled, substitution grouped
- optimizer    the exact optimum and FIFO/LIFO/low-to-high (`solve`, `build_groups`, `solve_group`,
               `assemble`); transport holds the per-group solver
- workers      the pool of solver processes, which never outlive the process or task that started them
- explain      the rule steps behind a designation, the reasons for what was left out
- csvio        the canonical files of data-contract.md
- benchdata    generated client data for `bench_optimize`
"""
