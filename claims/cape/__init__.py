"""IEEPA duty refunds through CBP's CAPE, beside drawback: each entry's state, which path each dollar takes,
the CAPE declaration files and CBP's results (see README, "IEEPA refunds (CAPE) and drawback")."""
