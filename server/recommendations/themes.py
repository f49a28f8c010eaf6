"""The UPR themes a recommendation is filed under: a fixed list, so that they can be counted.

The ids are the contract; the client's catalogs hold their names in each language
(`recommendation.theme.ID`) and the printable record's texts theirs (`theme_ID` in
`server/records/page_texts.py`); the English names here are the record's `theme_name`. The order
is the order the speaker's list offers them in.
"""

from __future__ import annotations

THEMES: dict[str, str] = {
    "womens_rights": "Women's rights",
    "childrens_rights": "Children's rights",
    "freedom_of_expression": "Freedom of expression",
    "civic_space": "Civic space, assembly and association",
    "human_rights_defenders": "Human rights defenders",
    "torture": "Torture and ill-treatment",
    "death_penalty": "Death penalty",
    "justice_rule_of_law": "Justice and the rule of law",
    "lgbti": "Rights of LGBTI persons",
    "migrants": "Migrants, refugees and asylum seekers",
    "indigenous_peoples": "Indigenous peoples",
    "disability": "Rights of persons with disabilities",
    "economic_social_rights": "Economic, social and cultural rights",
    "business_human_rights": "Business and human rights",
    "environment": "Environment and climate",
    "other": "Other",
}
