"""The charter template: its sections, what each is for, a starting text, and the default
rules. Plain data; a team's charter starts from this and is then its own.

The sections follow the governance questions Oliver, Kothari and Mays (2019) raise for
co-produced research: who decides what and how, whether researchers keep the right to publish
findings a partner dislikes, who may see the data, when results may be shared, how
disagreements are settled, and how everyone's part is credited.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from coproduce.core.diff import WordDiff, list_diff, word_diff
from coproduce.governance.models import DecisionKind, DecisionMethod
from coproduce.projects.models import ProjectRole


@dataclass(frozen=True)
class Section:
    code: str
    title: str
    explains: str
    starting_text: str


SECTIONS = (
    Section(
        "decisions",
        "How decisions are made",
        "Which kinds of decision the whole team takes, which are delegated, and by what method. "
        "The allowed methods for each kind of decision are set below the text; a decision "
        "recorded with another method brings a warning.",
        "Decisions that shape the research questions, the design or the interpretation of "
        "findings are taken together, by consensus where possible and otherwise by a vote of "
        "the members present. Day-to-day running of the study is delegated to the lead.",
    ),
    Section(
        "publication",
        "Publication rights",
        "Who may publish what, and the researchers' right to publish findings that a partner "
        "or funder finds unwelcome. Agreeing this before the findings exist protects everyone.",
        "The researchers may publish every finding of the study, including findings that a "
        "partner or the funder would prefer not to see published. Partners may comment on "
        "drafts, and their comments are recorded and answered, but they cannot veto "
        "publication.",
    ),
    Section(
        "data",
        "Data access and confidentiality",
        "Who may see which data, how participants' identities are protected, and who the data "
        "custodians are.",
        "Only the named data custodians may see who took part in the study. Everyone else "
        "works with pseudonymous codes and counts. Partners see data only as agreed for each "
        "analysis.",
    ),
    Section(
        "dissemination",
        "Dissemination timing and embargo",
        "When outputs may be shared, who may see them before release, and how requests for "
        "early release are decided.",
        "Each output has a release date. Before it, only the roles named below may see it. "
        "Anyone may ask for an earlier release; the lead decides, gives the reason, and the "
        "decision is recorded.",
    ),
    Section(
        "disputes",
        "Resolving disagreements",
        "What happens when members disagree: who is asked to help, in what order, and how "
        "dissent is recorded.",
        "Disagreements are first discussed at the next team meeting. Anyone who disagrees with "
        "a decision may have their dissent and reasons recorded with it. If the team cannot "
        "agree, an independent chair agreed in advance is asked to mediate.",
    ),
    Section(
        "credit",
        "Credit and authorship",
        "How contributions are acknowledged, who qualifies as an author, and how public "
        "contributors and partners are credited.",
        "Authorship follows the ICMJE criteria, and everyone who contributed is acknowledged by "
        "name if they wish. Public contributors may be co-authors. Everyone can download a "
        "record of their contribution.",
    ),
)
SECTION_CODES = tuple(section.code for section in SECTIONS)

M = DecisionMethod
DEFAULT_METHODS: dict[str, list[str]] = {
    DecisionKind.QUESTIONS: [M.CONSENSUS, M.VOTE, M.STEERING_GROUP],
    DecisionKind.DESIGN: [M.CONSENSUS, M.VOTE, M.STEERING_GROUP],
    DecisionKind.DATA_ACCESS: [M.CONSENSUS, M.LEAD],
    DecisionKind.INTERPRETATION: [M.CONSENSUS, M.VOTE],
    DecisionKind.PUBLICATION: [M.CONSENSUS, M.LEAD],
    DecisionKind.DISSEMINATION: [M.CONSENSUS, M.LEAD, M.DELEGATED],
    DecisionKind.RESOURCES: [M.CONSENSUS, M.LEAD, M.FUNDER, M.STEERING_GROUP],
    DecisionKind.TEAM: [M.CONSENSUS, M.LEAD],
    DecisionKind.OTHER: [m.value for m in DecisionMethod],
}
DEFAULT_EARLY_ACCESS = [ProjectRole.LEAD, ProjectRole.RESEARCHER]


def starting_sections() -> dict[str, str]:
    return {section.code: section.starting_text for section in SECTIONS}


@dataclass(frozen=True)
class SectionChange:
    title: str
    diff: WordDiff

    @property
    def changed(self) -> bool:
        return any(kind != "same" for kind, _ in self.diff)


def diff_versions(
    before: Mapping[str, str],
    after: Mapping[str, str],
    methods_before: Mapping[str, Sequence[str]],
    methods_after: Mapping[str, Sequence[str]],
    access_before: Sequence[str],
    access_after: Sequence[str],
) -> list[SectionChange]:
    """A readable, word-level diff of two charter versions, section by section, with the
    decision rules and early access as sections of their own."""
    changes = [
        SectionChange(s.title, word_diff(before.get(s.code, ""), after.get(s.code, "")))
        for s in SECTIONS
    ]
    kinds = dict(DecisionKind.choices)
    names = dict(DecisionMethod.choices)
    for kind, label in kinds.items():
        changes.append(
            SectionChange(
                f"Methods allowed for {label.lower()}",
                list_diff(
                    [names[m] for m in methods_before.get(kind, [])],
                    [names[m] for m in methods_after.get(kind, [])],
                ),
            )
        )
    roles = dict(ProjectRole.choices)
    changes.append(
        SectionChange(
            "Who may see outputs before release",
            list_diff([roles[r] for r in access_before], [roles[r] for r in access_after]),
        )
    )
    return changes
