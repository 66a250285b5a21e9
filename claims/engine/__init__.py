"""The claims engine: drawback rules, amounts and the designation optimizer. Pure Python, no Django.

Plain frozen dataclasses in (`model`), results out. `optimizer.solve` is the entry point for designation;
`csvio` reads and writes the canonical files of data-contract.md.
"""
