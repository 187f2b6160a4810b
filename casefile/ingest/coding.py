"""Suggested codes from the vocabularies: reasons for leaving and allegations, each from the words that
suggest it, worded as alleged and never filed without review.

These are suggestions, not findings: a rule names a code when the text uses words a coder would read as
that reason or that allegation. Words inside a quote of someone other than the subject (a spokesman's
denial) do not count. Every suggestion carries its words; the review shows them side by side.
"""

from __future__ import annotations

import re

#: (vocabulary, code, pattern). Patterns are case-insensitive; first person and third person alike.
RULES: tuple[tuple[str, str, str], ...] = (
    ("exit_reason", "no_future", r"\bno future\b|(?:could not|couldn't|can't|cannot) see (?:any|a) future|\bgrow old there|waste (?:my|his|her) life"),
    ("exit_reason", "isolation_from_family", r"(?:no|not allowed to|never allowed to|no possibility to|could not|forbidden to) (?:contact|call|see|speak to|visit|write to)[^.]{0,30}(?:famil|mother|father|parents|children|wife|husband)|did not (?:speak to|see|hear from) (?:his|her|my) (?:mother|father|family|parents)|did not know (?:his|her|my) (?:father|mother) had died|cut off from (?:his|her|my|their) famil"),
    ("exit_reason", "daily_routine_dissatisfaction", r"\b(?:boring|exhausting|monotonous|endless) (?:daily )?(?:routines?|tasks|work|chores)|routines? (?:was|were) (?:boring|exhausting)|boring and exhausting"),
    ("exit_reason", "disapproval_of_actions", r"\bexecutions?\b|\b(?:killing|killed|bombing) (?:of )?(?:civilians|innocent|my own people)|\bbombs?\b[^.]{0,40}\bkilled\b|\batrocit|\bmassacres?\b|\bbeheading"),
    ("exit_reason", "violence_against_own_side", r"(?:killed|executed|tortured|shot|beaten) by (?:his|her|their|our|my) own|\bexecuted (?:recruits|members|fighters|comrades)|\bpurges?\b"),
    ("exit_reason", "corruption_hypocrisy", r"\bhypocri|\bcorrupt|took whatever they wanted|lived in luxury"),
    ("exit_reason", "burnout", r"\bburn(?:ed|t)? out\b|\bexhausted\b|\bworn out\b"),
    ("exit_reason", "poor_living_conditions", r"\bhunger\b|\bhungry\b|\bstarv|no food|ate (?:rats|grass)|no medicine|no doctor|not possible to see a doctor"),
    ("exit_reason", "fear_for_safety", r"\b(?:living|live) (?:with|in) fear|\bafraid\b|\bfear(?:ed)? (?:for|of) (?:my|his|her|their) (?:life|lives|safety)|could happen to me|\bdie there\b|leaving meant dying"),
    ("exit_reason", "family_reunion", r"to (?:see|hold|be with|return to) (?:my|his|her|their) (?:son|daughter|child|children|mother|father|family|parents|wife|husband)|reunited with"),
    ("exit_reason", "partner", r"\b(?:fell in love|girlfriend|boyfriend|fiancée?)\b"),
    ("exit_reason", "work_or_education", r"\b(?:go back to|return to|continue (?:my|his|her)) (?:school|studies|university)|\ba job\b"),
    ("exit_reason", "amnesty_or_reintegration", r"\bamnesty\b|\breintegration (?:program|programme)|\brepentance law|\bpeace (?:and reintegration )?program"),
    ("exit_reason", "outside_help", r"with the help of (?:a|an|my|his|her|their) |\bpaid by (?:his|her|my) (?:sister|brother|family|father|mother)|\bpersuaded by (?:his|her) family"),
    ("exit_reason", "exit_denied_or_delayed", r"(?:did not|would not|refused to) let (?:him|her|me|them) (?:go|leave)|forced (?:him|her|me|them) to stay|(?:told|asked) (?:me|him|her|us|them) to wait|(?:request|requests|asked) to leave[^.]{0,60}(?:wait|later|refused|denied|postponed|every time)|\bmonths of waiting\b|not (?:allowed|permitted) to leave"),
    ("exit_reason", "ideological_disillusionment", r"\bstopped believing|\blost (?:my|his|her) faith|\bwas deceived|\bI was deceived|\bdisillusion|\bbetrayed (?:our|the) (?:ideals|cause)"),
    ("allegation", "psychological_abuse", r"\bmind control|\bbrainwash|\bmental torture|\bpsychological (?:pressure|abuse|torture)|\bhumiliat"),
    ("allegation", "coercive_group_sessions", r"\b(?:brainwashing|self-criticism|mind control|confession) (?:sessions|meetings)|\bconfess(?:ed)? [^.]{0,30}in front of|read them out loud"),
    ("allegation", "exit_denied_or_delayed", r"(?:did not|would not|refused to) let (?:him|her|me|them) (?:go|leave)|forced (?:him|her|me|them) to stay|(?:told|asked) (?:me|him|her|us|them) to wait|(?:request|requests|asked) to leave[^.]{0,60}(?:wait|later|refused|denied|postponed)|not (?:allowed|permitted) to leave"),
    ("allegation", "family_contact_restricted", r"(?:not allowed to|never allowed to|no possibility to|forbidden to) (?:contact|call|visit|write to)[^.]{0,30}(?:famil|him|her|mother|father|parents)|mother's love was a chain"),
    ("allegation", "forced_labour", r"\bforced labou?r\b|\bmade to (?:cook|work|carry|dig)|\bwork quotas?\b|\bas a porter\b|\bunpaid (?:work|labou?r)"),
    ("allegation", "physical_abuse", r"\bbeat(?:en|ing)?\b(?! (?:the|a) (?:deadline|odds))|\btortured\b|\bwhipped\b|\bflogged\b"),
    ("allegation", "sexual_abuse", r"\bagainst (?:her|his) will\b[^.]{0,20}|\bforced (?:marriage|to marry)|\braped\b|\bsexual(?:ly)? (?:abuse|assault)"),
    ("allegation", "detention", r"\bprison camp\b|\blocked (?:in|up)\b|\bdetained\b|\btaken away by the (?:security|secret) police|\bin correction\b|\bheld (?:in|at) (?:a|the) (?:camp|prison|basement)"),
    ("allegation", "surveillance", r"\bsurveillance\b|\bspied on\b|\bsuspected of spying|\bwatched (?:us|them|every)|\bif they thought you had a phone"),
    ("allegation", "threats", r"\b(?:would|will) (?:find|kill|hurt) (?:us|you|your|our)|\bthreats?\b|\bthreatened\b"),
)
_COMPILED = tuple((v, c, re.compile(p, re.I)) for v, c, p in RULES)


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
