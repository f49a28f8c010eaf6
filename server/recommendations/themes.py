"""The UPR themes a recommendation is filed under: a fixed list, so that they can be counted.

The ids are the contract (the client's catalogs hold their names, `recommendation.theme.ID`);
the order is the order the speaker's list shows them in.
"""

from __future__ import annotations

THEMES: tuple[str, ...] = (
    "womens_rights",
    "childrens_rights",
    "freedom_of_expression",
    "civic_space",
    "human_rights_defenders",
    "torture",
    "death_penalty",
    "justice_rule_of_law",
    "lgbti",
    "migrants",
    "indigenous_peoples",
    "disability",
    "economic_social_rights",
    "business_human_rights",
    "environment",
    "other",
)
