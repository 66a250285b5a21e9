"""Claims, designations and risk findings."""
