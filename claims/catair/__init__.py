"""The ACE drawback claim file (CATAIR "DE"): record layouts, writer, parser and local validator."""

from .data import CatairFile, ClaimFile
from .parser import parse_catair
from .spec import CatairError, CatairSyntaxError
from .validate import Problem, validate_claim_file
from .writer import Sender, build_claim_file, claim_to_catair, claims_to_catair

__all__ = [
    "CatairError",
    "CatairFile",
    "CatairSyntaxError",
    "ClaimFile",
    "Problem",
    "Sender",
    "build_claim_file",
    "claim_to_catair",
    "claims_to_catair",
    "parse_catair",
    "validate_claim_file",
]
