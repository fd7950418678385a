"""Use-cases of the enterprise evaluation, one module per stage of the work:

- ``formulas``: the catalogue of indicator formulas over yearly facts;
- ``systems``: the built-in systems, new versions from the row editor, who may manage them;
- ``scoring``: scoring every enterprise for a year (one query, numpy, the scoring engine) with ranks;
- ``portrait``: the portrait on the enterprise profile;
- ``selection``: leading-enterprise and listing-reserve selection rounds.
"""
