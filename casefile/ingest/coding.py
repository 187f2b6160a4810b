"""Suggested codes from the vocabularies: reasons for leaving and allegations, each from the words that
suggest it, worded as alleged and never filed without review.

These are suggestions, not findings: a rule names a code when the text uses words a coder would read as
that reason or that allegation. Words inside a quote of someone other than the subject (a spokesman's
denial) do not count. Every suggestion carries its words; the review shows them side by side.
"""

from __future__ import annotations

import re

#: (vocabulary, code, the phrasings that suggest it). Case-insensitive; first and third person alike.
RULES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "exit_reason",
        "no_future",
        (
            r"\bno future\b",
            r"(?:could not|couldn't|can't|cannot) see (?:any|a) future",
            r"\bgrow old there",
            r"waste (?:my|his|her) life",
        ),
    ),
    (
        "exit_reason",
        "isolation_from_family",
        (
            r"(?:no|not allowed to|never allowed to|no possibility to|could not|forbidden to) (?:contact|ca"
            r"ll|see|speak to|visit|write to)[^.]{0,30}(?:famil|mother|father|parents|children|wife|husband)",
            r"did not (?:speak to|see|hear from) (?:his|her|my) (?:mother|father|family|parents)",
            r"did not know (?:his|her|my) (?:father|mother) had died",
            r"cut off from (?:his|her|my|their) famil",
        ),
    ),
    (
        "exit_reason",
        "daily_routine_dissatisfaction",
        (
            r"\b(?:boring|exhausting|monotonous|endless) (?:daily )?(?:routines?|tasks|work|chores)",
            r"routines? (?:was|were) (?:boring|exhausting)",
            r"boring and exhausting",
        ),
    ),
    (
        "exit_reason",
        "disapproval_of_actions",
        (
            r"\bexecutions?\b",
            r"\b(?:killing|killed|bombing) (?:of )?(?:civilians|innocent|my own people)",
            r"\bbombs?\b[^.]{0,40}\bkilled\b",
            r"\batrocit",
            r"\bmassacres?\b",
            r"\bbeheading",
        ),
    ),
    (
        "exit_reason",
        "violence_against_own_side",
        (
            r"(?:killed|executed|tortured|shot|beaten) by (?:his|her|their|our|my) own",
            r"\bexecuted (?:recruits|members|fighters|comrades)",
            r"\bpurges?\b",
        ),
    ),
    (
        "exit_reason",
        "corruption_hypocrisy",
        (
            r"\bhypocri",
            r"\bcorrupt",
            r"took whatever they wanted",
            r"lived in luxury",
        ),
    ),
    (
        "exit_reason",
        "burnout",
        (
            r"\bburn(?:ed|t)? out\b",
            r"\bexhausted\b",
            r"\bworn out\b",
        ),
    ),
    (
        "exit_reason",
        "poor_living_conditions",
        (
            r"\bhunger\b",
            r"\bhungry\b",
            r"\bstarv",
            r"no food",
            r"ate (?:rats|grass)",
            r"no medicine",
            r"no doctor",
            r"not possible to see a doctor",
        ),
    ),
    (
        "exit_reason",
        "fear_for_safety",
        (
            r"\b(?:living|live) (?:with|in) fear",
            r"\bafraid\b",
            r"\bfear(?:ed)? (?:for|of) (?:my|his|her|their) (?:life|lives|safety)",
            r"could happen to me",
            r"\bdie there\b",
            r"leaving meant dying",
        ),
    ),
    (
        "exit_reason",
        "family_reunion",
        (
            r"to (?:see|hold|be with|return to) (?:my|his|her|their) (?:son|da"
            r"ughter|child|children|mother|father|family|parents|wife|husband)",
            r"reunited with",
        ),
    ),
    (
        "exit_reason",
        "partner",
        (r"\b(?:fell in love|girlfriend|boyfriend|fiancée?)\b",),
    ),
    (
        "exit_reason",
        "work_or_education",
        (
            r"\b(?:go back to|return to|continue (?:my|his|her)) (?:school|studies|university)",
            r"\ba job\b",
        ),
    ),
    (
        "exit_reason",
        "amnesty_or_reintegration",
        (
            r"\bamnesty\b",
            r"\breintegration (?:program|programme)",
            r"\brepentance law",
            r"\bpeace (?:and reintegration )?program",
        ),
    ),
    (
        "exit_reason",
        "outside_help",
        (
            r"with the help of (?:a|an|my|his|her|their) ",
            r"\bpaid by (?:his|her|my) (?:sister|brother|family|father|mother)",
            r"\bpersuaded by (?:his|her) family",
        ),
    ),
    (
        "exit_reason",
        "exit_denied_or_delayed",
        (
            r"(?:did not|would not|refused to) let (?:him|her|me|them) (?:go|leave)",
            r"forced (?:him|her|me|them) to stay",
            r"(?:told|asked) (?:me|him|her|us|them) to wait",
            r"(?:request|requests|asked) to leave[^.]{0,60}(?:wait|later|refused|denied|postponed|every time)",
            r"\bmonths of waiting\b",
            r"not (?:allowed|permitted) to leave",
        ),
    ),
    (
        "exit_reason",
        "ideological_disillusionment",
        (
            r"\bstopped believing",
            r"\blost (?:my|his|her) faith",
            r"\bwas deceived",
            r"\bI was deceived",
            r"\bdisillusion",
            r"\bbetrayed (?:our|the) (?:ideals|cause)",
        ),
    ),
    (
        "allegation",
        "psychological_abuse",
        (
            r"\bmind control",
            r"\bbrainwash",
            r"\bmental torture",
            r"\bpsychological (?:pressure|abuse|torture)",
            r"\bhumiliat",
        ),
    ),
    (
        "allegation",
        "coercive_group_sessions",
        (
            r"\b(?:brainwashing|self-criticism|mind control|confession) (?:sessions|meetings)",
            r"\bconfess(?:ed)? [^.]{0,30}in front of",
            r"read them out loud",
        ),
    ),
    (
        "allegation",
        "exit_denied_or_delayed",
        (
            r"(?:did not|would not|refused to) let (?:him|her|me|them) (?:go|leave)",
            r"forced (?:him|her|me|them) to stay",
            r"(?:told|asked) (?:me|him|her|us|them) to wait",
            r"(?:request|requests|asked) to leave[^.]{0,60}(?:wait|later|refused|denied|postponed)",
            r"not (?:allowed|permitted) to leave",
        ),
    ),
    (
        "allegation",
        "family_contact_restricted",
        (
            r"(?:not allowed to|never allowed to|no possibility to|forbidden to) (?:con"
            r"tact|call|visit|write to)[^.]{0,30}(?:famil|him|her|mother|father|parents)",
            r"mother's love was a chain",
        ),
    ),
    (
        "allegation",
        "forced_labour",
        (
            r"\bforced labou?r\b",
            r"\bmade to (?:cook|work|carry|dig)",
            r"\bwork quotas?\b",
            r"\bas a porter\b",
            r"\bunpaid (?:work|labou?r)",
        ),
    ),
    (
        "allegation",
        "physical_abuse",
        (
            r"\bbeat(?:en|ing)?\b(?! (?:the|a) (?:deadline|odds))",
            r"\btortured\b",
            r"\bwhipped\b",
            r"\bflogged\b",
        ),
    ),
    (
        "allegation",
        "sexual_abuse",
        (
            r"\bagainst (?:her|his) will\b[^.]{0,20}",
            r"\bforced (?:marriage|to marry)",
            r"\braped\b",
            r"\bsexual(?:ly)? (?:abuse|assault)",
        ),
    ),
    (
        "allegation",
        "detention",
        (
            r"\bprison camp\b",
            r"\blocked (?:in|up)\b",
            r"\bdetained\b",
            r"\btaken away by the (?:security|secret) police",
            r"\bin correction\b",
            r"\bheld (?:in|at) (?:a|the) (?:camp|prison|basement)",
        ),
    ),
    (
        "allegation",
        "surveillance",
        (
            r"\bsurveillance\b",
            r"\bspied on\b",
            r"\bsuspected of spying",
            r"\bwatched (?:us|them|every)",
            r"\bif they thought you had a phone",
        ),
    ),
    (
        "allegation",
        "threats",
        (
            r"\b(?:would|will) (?:find|kill|hurt) (?:us|you|your|our)",
            r"\bthreats?\b",
            r"\bthreatened\b",
        ),
    ),
)
_COMPILED = tuple((v, c, re.compile("|".join(alts), re.I)) for v, c, alts in RULES)


def suggest(text: str, masked: str) -> list[tuple[str, str, int, int]]:
    """(vocabulary, code, start, end) for each code suggested, at its first supporting words.
    ``masked`` is the text with other people's quotes blanked out (same length)."""
    out = []
    seen = set()
    for vocabulary, code, pattern in _COMPILED:
        m = pattern.search(masked)
        if m and (vocabulary, code) not in seen:
            seen.add((vocabulary, code))
            out.append((vocabulary, code, m.start(), m.end()))
    return out
