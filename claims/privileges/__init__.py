"""Applications and rulings: a client's drawback privileges (accelerated payment with its bond, waiver of
prior notice, manufacturing rulings, compliance program) from application to expiry, the bond headroom that
accelerated payment uses, and the warnings ahead of an expiry or a bond running short (19 CFR 190.7, 190.8,
190.91, 190.92, 190.191). The model is drawback.accounts.models.Privilege."""
