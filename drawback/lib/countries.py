"""ISO 3166-1 two-letter country codes, as ACE and AES report countries of origin, export and destination.

From the `iso3166` package (the standard's list, Kosovo's XK included as US agencies use it). A code outside
it (`ZZ`, `UK`) is a typing error, not a country: accepted, it would decide USMCA and Chile rules wrongly.
"""

from iso3166 import countries_by_alpha2


def is_country(code: str) -> bool:
    return code.upper() in countries_by_alpha2
