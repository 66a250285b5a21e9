"""The ACE drawback claim file (CATAIR "DE"): record layouts, writer, parser and local validator."""

from .data import CatairFile, ClaimFile
from .parser import parse_catair
from .render import render_file
from .spec import CatairError, CatairSyntaxError
from .validate import Problem, validate_claim_file
from .writer import (
    FilingPlan,
    Sender,
    assemble_transmission,
    build_claim_file,
    build_filing_plan,
    claim_to_catair,
    claims_to_catair,
)

__all__ = [
    "CatairError",
    "CatairFile",
    "CatairSyntaxError",
    "ClaimFile",
    "FilingPlan",
    "Problem",
    "Sender",
    "assemble_transmission",
    "build_claim_file",
    "build_filing_plan",
    "claim_to_catair",
    "claims_to_catair",
    "parse_catair",
    "render_file",
    "validate_claim_file",
]
