"""Manufacturing drawback (19 U.S.C. 1313(a), (b)) and rejected merchandise (1313(c)) from a client's data:
bills of materials, production lots and returns (models, loaders), the rules that read them (rules), and the
choice of drawback type per export (types)."""
