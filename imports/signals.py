"""Signals of the imports app: apps to its right (claims) react to them without imports knowing them."""

from django.dispatch import Signal

# Sent after an upload's rows are stored (fully or with rejects kept). Arguments: upload, client_id
# (None for the HTS tariff, which every client shares).
data_loaded = Signal()
