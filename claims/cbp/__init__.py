"""The claim's life with CBP after it is built: filing through a gateway, CBP's responses and requests,
accelerated payment, liquidation, reconciliation and notifications (19 CFR 190.81-190.92)."""
