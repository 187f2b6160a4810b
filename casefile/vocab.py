"""Controlled vocabularies, as data.

Exit reasons follow Bjørgo's push / pull / barrier model with codes drawn from Altier et al. (2017) and
ICSR (2015). Allegations are always recorded as *alleged*, never as fact; a source's own loaded words
("brainwashing") belong in quotes, not in codes. Users can add codes of their own (stored in the
database); these shipped ones cannot be removed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    label: str
    description: str = ""
    group: str = ""  # e.g. push / pull / barrier for exit reasons


def _codes(group: str, *items: tuple[str, str, str]) -> tuple[Code, ...]:
    return tuple(Code(code, label, description, group) for code, label, description in items)


EXIT_REASONS: tuple[Code, ...] = (
    _codes(
        "push",
        ("ideological_disillusionment", "Ideological disillusionment", "Lost faith in the group's ideas or strategy."),
        ("leadership_disagreement", "Disagreement with leaders", "Conflict with, or distrust of, the leadership."),
        ("disapproval_of_actions", "Disapproval of actions", "Objected to what the group did (e.g. violence)."),
        ("violence_against_own_side", "Violence against own side", "Infighting, purges, brutality towards members."),
        ("corruption_hypocrisy", "Corruption or hypocrisy", "Leaders not living by the group's own rules."),
        ("daily_routine_dissatisfaction", "Dissatisfaction with daily routine", "Boring, exhausting daily tasks."),
        ("burnout", "Burnout", "Physical or mental exhaustion."),
        ("no_future", "No future", "Could see no future for their life inside the group."),
        ("isolation_from_family", "Isolation from family", "Cut off from family and relatives."),
        ("psychological_abuse", "Psychological abuse", "Experienced psychological pressure or abuse."),
        ("physical_abuse", "Physical abuse", "Experienced physical abuse."),
        ("poor_living_conditions", "Poor living conditions", "Harsh material conditions."),
        ("fear_for_safety", "Fear for safety", "Feared for their own safety inside the group."),
    )
    + _codes(
        "pull",
        ("family_reunion", "Family reunion", "Wish to be with family again."),
        ("partner", "Partner", "A relationship outside the group."),
        ("work_or_education", "Work or education", "Prospects of a job or study outside."),
        ("amnesty_or_reintegration", "Amnesty or reintegration", "An amnesty or reintegration programme."),
        ("outside_help", "Outside help", "Help from an outside organisation or person."),
        ("normal_life", "Normal life", "Longing for an ordinary life."),
    )
    + _codes(
        "barrier",
        ("exit_denied_or_delayed", "Exit denied or delayed", "The group refused or postponed the exit."),
        ("fear_of_reprisal", "Fear of reprisal", "Fear of what the group would do to them or their family."),
        ("no_papers", "No papers", "No identity or travel documents."),
        ("geographic_isolation", "Geographic isolation", "A remote camp or a foreign country with no way out."),
        ("dependence_on_group", "Dependence on the group", "Material or emotional dependence on the group."),
    )
)

ALLEGATIONS: tuple[Code, ...] = _codes(
    "alleged",
    ("psychological_abuse", "Psychological abuse", "Alleged psychological abuse or pressure."),
    ("coercive_group_sessions", "Coercive group sessions", "Alleged coercive meetings or self-criticism sessions."),
    ("exit_denied_or_delayed", "Exit denied or delayed", "Alleged refusal or postponement of an exit."),
    ("family_contact_restricted", "Family contact restricted", "Alleged restriction of contact with family."),
    ("forced_labour", "Forced labour", "Alleged forced or unpaid labour."),
    ("physical_abuse", "Physical abuse", "Alleged physical abuse."),
    ("sexual_abuse", "Sexual abuse", "Alleged sexual abuse."),
    ("detention", "Detention", "Alleged detention or confinement."),
    ("surveillance", "Surveillance", "Alleged surveillance of members."),
    ("threats", "Threats", "Alleged threats against the person or their family."),
)

EXIT_TYPES: tuple[Code, ...] = _codes(
    "",
    ("escaped", "Escaped", "Left without the group's consent."),
    ("permitted", "Permitted", "Left with the group's consent."),
    ("expelled", "Expelled", "Was thrown out."),
    ("released", "Released", "Released from detention or captivity."),
    ("repatriated", "Repatriated", "Returned to their country of origin."),
    ("captured", "Captured", "Captured by another party."),
    ("unknown", "Unknown", "Not stated in the source."),
)

CONFIDENTIALITY: tuple[Code, ...] = _codes(
    "",
    ("public", "Public", "May be shared with anyone."),
    ("internal", "Internal", "For the research team (default)."),
    ("restricted", "Restricted", "Left out of exports unless explicitly included."),
)

REVIEW: tuple[Code, ...] = _codes(
    "",
    ("unreviewed", "Unreviewed", "Drafted by `casefile ingest` and filed without a person's review."),
    ("reviewed", "Reviewed", "A person checked every drafted value against the source."),
)

RELIABILITY: tuple[Code, ...] = _codes(
    "admiralty",
    ("A", "Completely reliable", "No doubt of authenticity, trustworthiness or competency."),
    ("B", "Usually reliable", "Minor doubt; a history of mostly valid information."),
    ("C", "Fairly reliable", "Doubt; has provided valid information in the past."),
    ("D", "Not usually reliable", "Significant doubt; has provided valid information in the past."),
    ("E", "Unreliable", "Lacking in authenticity, trustworthiness and competency."),
    ("F", "Reliability cannot be judged", "No basis exists for evaluating the source."),
)

CREDIBILITY: tuple[Code, ...] = _codes(
    "admiralty",
    ("1", "Confirmed by other sources", "Confirmed by independent sources; logical; consistent."),
    ("2", "Probably true", "Not confirmed; logical; consistent with other information."),
    ("3", "Possibly true", "Not confirmed; reasonably logical; agrees with some other information."),
    ("4", "Doubtful", "Not confirmed; possible but not logical; no other information."),
    ("5", "Improbable", "Not confirmed; not logical; contradicted by other information."),
    ("6", "Truth cannot be judged", "No basis exists for evaluating the information."),
)

EVENT_TYPES: tuple[Code, ...] = _codes(
    "",
    ("captured", "Captured", "Taken prisoner (e.g. as a soldier)."),
    ("detained", "Detained", "Held in a camp, prison or other confinement."),
    ("released", "Released", "Released from detention or captivity."),
    ("recruited", "Recruited", "Approached or enlisted by the organisation."),
    ("joined", "Joined", "Became a member."),
    ("role_change", "Role change", "Promoted, demoted or moved to another task."),
    ("relocated", "Relocated", "Moved with the group to another place."),
    ("requested_exit", "Requested exit", "Asked to leave."),
    ("exit_blocked", "Exit blocked", "The exit was refused or delayed."),
    ("left", "Left", "Left the organisation."),
    ("arrived", "Arrived", "Reached a place or organisation after leaving."),
    ("announced", "Announced", "Made the defection public."),
    ("joined_other_org", "Joined another organisation", "Joined another group after leaving."),
    ("testified", "Testified", "Gave testimony (interview, letter, court)."),
)

ORG_TYPES: tuple[Code, ...] = _codes(
    "",
    ("armed_group", "Armed group", ""),
    ("cultic_movement", "Cultic movement", ""),
    ("political_movement", "Political movement", ""),
    ("state_regime", "State regime", ""),
    ("security_service", "Security service", ""),
    ("criminal_org", "Criminal organisation", ""),
    ("ngo", "Non-governmental organisation", "E.g. an association of former members or families."),
    ("other", "Other", ""),
)

PUBLISHER_TYPES: tuple[Code, ...] = _codes(
    "",
    ("news_media", "News media", ""),
    ("advocacy_ngo", "Advocacy NGO", ""),
    ("human_rights_ngo", "Human-rights NGO", ""),
    ("government", "Government", ""),
    ("the_organisation_itself", "The organisation itself", ""),
    ("academic", "Academic", ""),
    ("court", "Court", ""),
    ("social_media", "Social media", ""),
)

STANCES: tuple[Code, ...] = _codes(
    "",
    ("adversarial", "Adversarial", "The publisher opposes the organisation."),
    ("aligned", "Aligned", "The publisher supports or belongs to the organisation."),
    ("independent", "Independent", "No known stake."),
    ("unknown", "Unknown", ""),
)

SOURCE_ROLES: tuple[Code, ...] = _codes(
    "",
    ("primary", "Primary", "The source the account is taken from."),
    ("corroborating", "Corroborating", "Supports the account."),
    ("contradicting", "Contradicting", "Contradicts the account."),
)

PLACE_ROLES: tuple[Code, ...] = _codes(
    "",
    ("origin", "Origin", "Where the person comes from."),
    ("served", "Served", "Where the person served or was stationed in the organisation."),
    ("held", "Held", "Where the person was held: a camp, a prison, a base (with dates)."),
    ("left_from", "Left from", "Where the person left the organisation from."),
    ("went_to", "Went to", "Where or to whom the person went after leaving."),
    ("lives_now", "Lives now", "Where the person lives now."),
    ("other", "Other", "Any other place the account names; say which in the note."),
)

#: Relations of a person mentioned to the subject. The ``family`` group is exported to FtM as Family, the
#: others as Associate.
RELATIONS: tuple[Code, ...] = _codes(
    "family",
    ("mother", "Mother", ""),
    ("father", "Father", ""),
    ("brother", "Brother", ""),
    ("sister", "Sister", ""),
    ("spouse", "Spouse", "Husband, wife or partner."),
    ("child", "Child", "Son or daughter."),
    ("relative", "Relative", "Any other relative; say which in the note."),
) + _codes(
    "associate",
    ("recruiter", "Recruiter", "Who recruited the person."),
    ("commander", "Commander", "A commander or superior in the organisation."),
    ("fellow_member", "Fellow member", "Someone the person served with."),
    ("fellow_defector", "Fellow defector", "Someone who left with or like the person."),
    ("helper", "Helper", "Someone who helped the person leave or settle."),
    ("reporter", "Reporter", "The journalist or interviewer who reported the account."),
    ("other", "Other", "Anyone else; say who in the note."),
)

#: Why a person joined, kept apart from why they left (issue 19, item 6); grouped as the recruitment literature
#: does: what drew them (pull), what pushed them in, and what was done to them.
JOIN_REASONS: tuple[Code, ...] = (
    _codes(
        "pull",
        ("ideology", "Ideology", "Believed in the group's ideas or cause."),
        ("belonging", "Belonging", "Wanted a community, friendship, a place to belong."),
        ("religious_duty", "Religious duty", "Saw joining as a religious obligation."),
        ("material_incentive", "Material incentive", "Pay, food, housing or other material gain."),
        ("adventure_or_status", "Adventure or status", "Excitement, respect, a weapon, a uniform."),
    )
    + _codes(
        "push",
        ("grievance_or_revenge", "Grievance or revenge", "A wrong done to them, their family or community."),
        ("protection", "Protection", "Joined to be safe from someone else."),
        ("no_alternative", "No alternative", "Poverty, unemployment, statelessness: nowhere else to go."),
    )
    + _codes(
        "recruitment",
        ("family_or_friend", "Family or friend", "Brought in by a relative or friend already inside."),
        ("deceived_by_offer", "Deceived by an offer", "A promised job, study or passage abroad that was not real."),
        ("recruited_in_captivity", "Recruited in captivity", "Recruited while a prisoner of war or detainee."),
        ("coerced", "Coerced", "Forced or threatened into joining."),
        ("born_or_raised_inside", "Born or raised inside", "Grew up in the group."),
    )
)

#: What kept a person from leaving, kept apart from their reasons for leaving (issue 19, item 6).
BARRIERS: tuple[Code, ...] = _codes(
    "barrier",
    ("fear_of_reprisal", "Fear of reprisal", "Fear of what the group would do to them or their family."),
    ("family_inside", "Family inside", "A spouse, parent or child still in the group."),
    ("debt", "Debt", "Money owed to the group or its members."),
    ("confiscated_documents", "Confiscated documents", "The group held their passport or identity papers."),
    ("no_papers", "No papers", "No identity or travel documents."),
    ("exit_denied_or_delayed", "Exit denied or delayed", "The group refused or postponed the exit."),
    ("geographic_isolation", "Geographic isolation", "A remote camp or a foreign country with no way out."),
    ("dependence_on_group", "Dependence on the group", "Material or emotional dependence on the group."),
    ("no_contact_outside", "No contact outside", "Cut off from anyone outside who could help."),
    ("fear_of_home_state", "Fear of the home state", "Fear of arrest or punishment on return home."),
)

YEARS_QUALIFIERS: tuple[Code, ...] = _codes(
    "",
    ("more_than", "More than (>)", "'more than seven years', 'over twenty years': at least that many."),
    ("at_least", "At least (≥)", "'at least seven years'."),
    ("less_than", "Less than (<)", "'less than two years', 'under a year'."),
    ("at_most", "At most (≤)", "'up to five years'."),
    ("about", "About (~)", "'about ten years', 'some twenty years': a year or a tenth either side."),
    ("almost", "Almost (~, less than)", "'almost a decade', 'nearly ten years': a little less."),
)

#: Vocabulary name (as used by ``Field.vocab``) → its shipped codes.
VOCABULARIES: dict[str, tuple[Code, ...]] = {
    "exit_reason": EXIT_REASONS,
    "allegation": ALLEGATIONS,
    "join_reason": JOIN_REASONS,
    "barrier": BARRIERS,
    "exit_type": EXIT_TYPES,
    "confidentiality": CONFIDENTIALITY,
    "review": REVIEW,
    "reliability": RELIABILITY,
    "credibility": CREDIBILITY,
    "event_type": EVENT_TYPES,
    "org_type": ORG_TYPES,
    "publisher_type": PUBLISHER_TYPES,
    "stance": STANCES,
    "source_role": SOURCE_ROLES,
    "place_role": PLACE_ROLES,
    "relation": RELATIONS,
    "years_qualifier": YEARS_QUALIFIERS,
}

#: Vocabularies users may extend with ``casefile vocab add``; the others are fixed standards.
EXTENSIBLE = ("exit_reason", "allegation", "join_reason", "barrier", "event_type", "org_type")


def codes(vocab: str) -> frozenset[str]:
    return frozenset(c.code for c in VOCABULARIES[vocab])
