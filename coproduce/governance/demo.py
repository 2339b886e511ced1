"""The demo portfolio's charters, decisions and one meeting series whose voice narrows.

`load_governance` is called by `coproduce.core.demo` for each demo project once its history of
activities is written. Everything goes through the services, in the order a team would have
done it, so every version, acknowledgement and decision carries an audit event. Nothing here
is random: the demo is the same every time it is loaded.

Each project's story is in `STORIES`: its charter (started from the template, perhaps revised,
and acknowledged by some of the members), any meeting series added to its history, and the
decisions it recorded, oldest first. Decisions are dated by the activity they were taken at
(or by their own date), so they sit in the demo's history; the charter's versions and
acknowledgements keep the moment the demo wrote them, as the audit log does.

"Shaping crisis care together" tells the story the governance pages are for:

- its charter is in its third version, and five members have not acknowledged it;
- two public contributors dissented, and their reasons are on the record: one over the
  priority questions, one over a vote taken after most of the panel had stopped coming;
- the funder ruled on a design question, which the charter does not allow (a warning);
- a design decision at the data collection stage was taken without the public contributors
  the involvement plan promised a say (a warning);
- its co-design group met six times after the first round of interviews. Two clinicians came
  to do most of the talking, and most of the lived experience panel stopped coming: the voice
  page warns that the group is dominated and that attendance is narrowing.

Members without a login cannot acknowledge the charter themselves; the coordinator records
their acknowledgement, as given on paper at a meeting (`recorded_by`).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from coproduce.accounts.models import User
from coproduce.catalogue.models import Stage
from coproduce.costs import services as costs
from coproduce.costs.models import Activity, CostCategory, CostStatus, DefrayedBy, TimeEntry
from coproduce.costs.services import AttendeeTime
from coproduce.governance import services
from coproduce.governance.charter import starting_sections
from coproduce.governance.models import Charter, CharterVersion, DecisionKind, DecisionMethod
from coproduce.governance.services import DissentInput
from coproduce.projects.models import Membership, Project, ProjectRole

K, M = DecisionKind, DecisionMethod
# As in `coproduce.core.demo`: contributors are paid for short work at the NIHR hourly rate.
HOURLY_FEE = Decimal(25)
GBP = "GBP"
ZERO = Decimal(0)


# Every session in a series lasts two hours.
SESSION_HOURS = Decimal(2)


@dataclass(frozen=True)
class Revision:
    """A new version of the charter: the sections and rules that changed, and who then
    acknowledged it."""

    by: str
    change_note: str
    sections: Mapping[str, str] = field(default_factory=dict)
    methods: Mapping[str, Sequence[str]] = field(default_factory=dict)
    early_access: Sequence[str] | None = None
    acknowledged: Sequence[str] = ()


@dataclass(frozen=True)
class CharterStory:
    started_by: str
    recorded_by: str  # records the acknowledgements of members without a login
    acknowledged: Sequence[str]  # version 1
    revisions: Sequence[Revision] = ()


@dataclass(frozen=True)
class Session:
    """One meeting of a series: its day and how often each attendee spoke."""

    day: datetime.date
    said: Mapping[str, int]


@dataclass(frozen=True)
class Series:
    """Meetings added to the project's history, each logged with every attendee's hours and
    contributions; the organiser carries the preparation and the write-up."""

    name: str  # each meeting is "{name}, session {n}"
    kind: str
    stage: int
    by: str
    organiser: str
    notes: str
    sessions: Sequence[Session]


@dataclass(frozen=True)
class Dissented:
    name: str  # a member
    reason: str


@dataclass(frozen=True)
class Recorded:
    """A decision. Taken at `activity` (by title) or on `day`; those present are everyone who
    attended the activity, less `absent`, or `present` when it names them."""

    by: str
    title: str
    detail: str
    kind: str
    method: str
    stage: int
    activity: str = ""
    day: datetime.date | None = None
    present: Sequence[str] = ()
    absent: Sequence[str] = ()
    other_parties: Sequence[str] = ()
    accountable: str = ""
    dissents: Sequence[Dissented] = ()


@dataclass(frozen=True)
class Story:
    charter: CharterStory
    series: Sequence[Series] = ()
    decisions: Sequence[Recorded] = ()


MAIN_PROJECT = "Shaping crisis care together"
DESIGN_GROUP = "Co-design group"

_PUBLICATION = starting_sections()["publication"]
_DISSEMINATION = starting_sections()["dissemination"]
_DISPUTES = starting_sections()["disputes"]

# Two clinicians come to do most of the talking; from the fourth session, most of the lived
# experience panel stops coming.
_GROUP_START = (
    "Amira Okafor",
    "Tom Heywood",
    "Ewa Zielinska",
    "Fatima Bello",
    "Marcus Reid",
    "Robert Ainsley",
    "Bernard Oyelaran",
    "Nadia Hussain",
    "Gwen Parry",
    "Maureen Kelly",
    "Jamal Osei",
    "Rosa Delgado",
    "Sofia Ricci",
    "Derek Lawson",
    "Chris Adeyemi",
)


_GROUP_LATER = (
    "Amira Okafor",
    "Tom Heywood",
    "Ewa Zielinska",
    "Fatima Bello",
    "Marcus Reid",
    "Robert Ainsley",
    "Bernard Oyelaran",
    "Nadia Hussain",
    "Maureen Kelly",
)


def _said(*counts: int, names: Sequence[str] = _GROUP_START) -> dict[str, int]:
    """Contributions at one session, in the order of `names`."""
    return dict(zip(names, counts, strict=True))


CRISIS_CARE = Story(
    charter=CharterStory(
        started_by="Amira Okafor",
        recorded_by="Fatima Bello",
        acknowledged=("Amira Okafor", "Tom Heywood"),
        revisions=(
            Revision(
                by="Amira Okafor",
                change_note=(
                    "The fund's grant conditions give its programme manager a preview of drafts. "
                    "Observers may now see outputs before their release, and the publication "
                    "section says how the funder's comments are handled: like any partner's, "
                    "with no veto."
                ),
                sections={
                    "publication": _PUBLICATION
                    + " The funder's programme manager sees drafts of reports 14 days before "
                    "their release date, as the grant conditions require; the funder's "
                    "comments are recorded and answered like any partner's, and the funder "
                    "cannot delay or veto publication.",
                    "dissemination": _DISSEMINATION
                    + " Outputs reach the lived experience panel and the crisis team before "
                    "anyone outside the project.",
                },
                early_access=(ProjectRole.LEAD, ProjectRole.RESEARCHER, ProjectRole.OBSERVER),
                acknowledged=("Amira Okafor", "Tom Heywood", "Fatima Bello", "Maureen Kelly"),
            ),
            Revision(
                by="Fatima Bello",
                change_note=(
                    "After the vote on the priority questions: a public contributor's recorded "
                    "dissent now goes back to the lived experience panel, and the independent "
                    "chair is named. Interpretation may also be decided by the steering group."
                ),
                sections={
                    "disputes": _DISPUTES
                    + " A dissent recorded by a public contributor is taken back to the next "
                    "meeting of the lived experience panel, which may ask for the decision to "
                    "be reopened. The independent chair is Winston Clarke, chair of the "
                    "Eastfield Community Health Forum, who has no part in this study.",
                },
                methods={K.INTERPRETATION: (M.CONSENSUS, M.VOTE, M.STEERING_GROUP)},
                acknowledged=(
                    "Amira Okafor",
                    "Tom Heywood",
                    "Fatima Bello",
                    "Nadia Hussain",
                    "Maureen Kelly",
                    "Joanna Kowalska",
                    "Bernard Oyelaran",
                    "Jamal Osei",
                    "Rosa Delgado",
                    "Sofia Ricci",
                    "Ewa Zielinska",
                    "Hannah Price",
                    "Mei Lin Tan",
                    "Simon Hart",
                    "Niamh Byrne",
                    "Robert Ainsley",
                ),
            ),
        ),
    ),
    series=(
        Series(
            name=DESIGN_GROUP,
            kind="meeting",
            stage=3,
            by="Tom Heywood",
            organiser="Ewa Zielinska",
            notes=(
                "Experience-based co-design: crisis team staff and the lived experience panel "
                "work through the first round of interviews and sketch the new pathway."
            ),
            sessions=(
                Session(
                    datetime.date(2026, 9, 29),
                    _said(5, 2, 1, 3, 7, 6, 4, 3, 3, 5, 4, 5, 3, 4, 3),
                ),
                Session(
                    datetime.date(2026, 10, 6),
                    _said(5, 1, 0, 2, 9, 8, 4, 2, 2, 4, 3, 3, 2, 3, 2),
                ),
                Session(
                    datetime.date(2026, 10, 13),
                    _said(4, 1, 1, 2, 11, 9, 3, 2, 1, 3, 2, 2, 1, 1, 1),
                ),
                Session(
                    datetime.date(2026, 10, 27),
                    _said(4, 1, 0, 2, 14, 11, 3, 2, 2, names=_GROUP_LATER),
                ),
                Session(
                    datetime.date(2026, 11, 3),
                    _said(3, 1, 0, 1, 15, 12, 4, 2, 3, names=_GROUP_LATER),
                ),
                Session(
                    datetime.date(2026, 11, 17),
                    _said(4, 1, 1, 2, 16, 13, 3, 1, 1, names=_GROUP_LATER),
                ),
            ),
        ),
    ),
    decisions=(
        Recorded(
            by="Tom Heywood",
            title="Pay public contributors for all their time at the NIHR rates, reading included",
            detail="Payment by bank transfer or vouchers, as each contributor prefers; travel and "
            "care costs are reimbursed on top.",
            kind=K.RESOURCES,
            method=M.CONSENSUS,
            stage=1,
            activity="Steering group: terms of reference",
            accountable="Fatima Bello",
        ),
        Recorded(
            by="Fatima Bello",
            title="The lived experience panel chooses its own chair, who changes every six months",
            detail="",
            kind=K.TEAM,
            method=M.CONSENSUS,
            stage=1,
            activity="Getting to know each other and agreeing ground rules",
            accountable="Fatima Bello",
        ),
        Recorded(
            by="Amira Okafor",
            title="Three priority questions for the new service",
            detail="1. What would make people use a crisis service other than A&E at night? "
            "2. What makes people come back, or stay away, after a first contact? "
            "3. How should families be involved during a crisis? "
            "Carers' own support needs were put forward as a fourth question and lost the "
            "vote, 9 to 7.",
            kind=K.QUESTIONS,
            method=M.VOTE,
            stage=2,
            activity="Setting the research questions together",
            accountable="Amira Okafor",
            dissents=(
                Dissented(
                    "Rosa Delgado",
                    "Carers are the ones who ring at three in the morning. Leaving their own "
                    "needs out designs the service around the person in crisis alone, and "
                    "carers will keep ending up in A&E with them.",
                ),
            ),
        ),
        Recorded(
            by="Amira Okafor",
            title="Evaluate the new pathway at one crisis team site, not two",
            detail="The fund's programme manager ruled that the grant could not be extended to "
            "cover the second site. The team recorded the ruling as it was made and will "
            "revisit the design if further funding is found.",
            kind=K.DESIGN,
            method=M.FUNDER,
            stage=2,
            activity="Steering group: agreeing the questions",
            accountable="Amira Okafor",
        ),
        Recorded(
            by="Tom Heywood",
            title="Peer interviewers do not interview anyone they know from services or groups",
            detail="A peer interviewer who recognises a name on the list passes it to another "
            "interviewer without saying why.",
            kind=K.DATA_ACCESS,
            method=M.CONSENSUS,
            stage=3,
            activity="Peer interviewer training",
            accountable="Tom Heywood",
        ),
        Recorded(
            by="Tom Heywood",
            title="Staff interviews move to the night shift handover",
            detail="Agreed at a meeting of the research team and the crisis team's managers, "
            "to reach night staff; the lived experience panel was told afterwards.",
            kind=K.DESIGN,
            method=M.CONSENSUS,
            stage=3,
            day=datetime.date(2026, 7, 14),
            present=(
                "Amira Okafor",
                "Tom Heywood",
                "Joanna Kowalska",
                "Simon Hart",
                "Nadia Hussain",
                "Bernard Oyelaran",
                "Gwen Parry",
            ),
            accountable="Joanna Kowalska",
        ),
        Recorded(
            by="Tom Heywood",
            title="Keep a crisis café as an evening alternative to A&E in the draft pathway",
            detail="Lena Novak of Mindful Futures, which runs a café in Eastfield, joined the "
            "group for this item.",
            kind=K.DESIGN,
            method=M.CONSENSUS,
            stage=3,
            activity=f"{DESIGN_GROUP}, session 2",
            other_parties=("civil_society",),
            accountable="Bernard Oyelaran",
        ),
        Recorded(
            by="Tom Heywood",
            title="Leave the peer follow-up call out of the first version of the pathway",
            detail="Voted 6 to 2 on cost: the trust cannot fund peer workers' time from April. "
            "To be reconsidered at the pathway review.",
            kind=K.DESIGN,
            method=M.VOTE,
            stage=3,
            activity=f"{DESIGN_GROUP}, session 5",
            accountable="Bernard Oyelaran",
            dissents=(
                Dissented(
                    "Maureen Kelly",
                    "The follow-up call was the one thing nearly every interviewee asked for. "
                    "It was voted out at a meeting most of the lived experience panel had "
                    "stopped coming to, after two clinicians did most of the talking.",
                ),
            ),
        ),
    ),
)

WARM_HOMES = Story(
    charter=CharterStory(
        started_by="Priya Raman",
        recorded_by="Priya Raman",
        acknowledged=(
            "Priya Raman",
            "Catherine Moss",
            "Amira Okafor",
            "Helen Ashworth",
            "Owen Pritchard",
            "Raj Patel",
        ),
    ),
    decisions=(
        Recorded(
            by="Priya Raman",
            title="Four evaluation questions agreed with the department",
            detail="Who the grant reaches; whether homes stay warmer; what applying is like; "
            "what the grant costs per home made warm.",
            kind=K.QUESTIONS,
            method=M.CONSENSUS,
            stage=2,
            activity="Setting the research questions together",
            accountable="Helen Ashworth",
        ),
        Recorded(
            by="Priya Raman",
            title="The department comments on the draft report but cannot change its findings",
            detail="Comments are answered in writing and published with the report.",
            kind=K.PUBLICATION,
            method=M.LEAD,
            stage=4,
            activity="Steering group: emerging findings",
            accountable="Helen Ashworth",
        ),
    ),
)

BREATHE_EASY = Story(
    charter=CharterStory(
        started_by="Fatima Bello",
        recorded_by="Fatima Bello",
        acknowledged=(
            "Fatima Bello",
            "Daniel Mensah",
            "Sam Ellery",
            "Winston Clarke",
            "Aisha Rahman",
            "Ken Watanabe",
        ),
    ),
    decisions=(
        Recorded(
            by="Fatima Bello",
            title="The Forum and the university co-chair the steering group",
            detail="Winston Clarke and Daniel Mensah chair in turn.",
            kind=K.TEAM,
            method=M.CONSENSUS,
            stage=1,
            activity="Steering group: terms of reference",
            accountable="Winston Clarke",
        ),
        Recorded(
            by="Fatima Bello",
            title="Residents choose the study questions at two open meetings",
            detail="One in the daytime and one in the evening, with a crèche at both.",
            kind=K.QUESTIONS,
            method=M.VOTE,
            stage=2,
            activity="Setting the research questions together",
            accountable="Sam Ellery",
        ),
    ),
)

YOUNG_CARERS = Story(
    charter=CharterStory(
        started_by="Priya Raman",
        recorded_by="Priya Raman",
        acknowledged=("Priya Raman", "Owen Pritchard", "Lena Novak", "Leah Thompson"),
    ),
    decisions=(
        Recorded(
            by="Priya Raman",
            title="Meet after school at the young carers' centre, never in lesson time",
            detail="Young carers are paid in vouchers and get a taxi home.",
            kind=K.RESOURCES,
            method=M.CONSENSUS,
            stage=1,
            activity="Getting to know each other and agreeing ground rules",
            accountable="Owen Pritchard",
        ),
    ),
)

FALLS_PREVENTION = Story(
    charter=CharterStory(
        started_by="Tom Heywood",
        recorded_by="Tom Heywood",
        acknowledged=("Tom Heywood", "Grace Liu", "Ian Fletcher", "Chloe Barnes"),
    ),
    decisions=(
        Recorded(
            by="Tom Heywood",
            title="Wards adapt the checklist; its five core steps stay fixed",
            detail="Each ward's changes are written down so the audit can compare them.",
            kind=K.DESIGN,
            method=M.STEERING_GROUP,
            stage=7,
            activity="Implementation group",
            accountable="Ian Fletcher",
        ),
        Recorded(
            by="Tom Heywood",
            title="Ward audit results go to every ward each month",
            detail="",
            kind=K.DISSEMINATION,
            method=M.DELEGATED,
            stage=7,
            activity="Comments on the ward audit results",
            accountable="Chloe Barnes",
        ),
    ),
)

STORIES: dict[str, Story] = {
    MAIN_PROJECT: CRISIS_CARE,
    "Evaluating the Warm Homes grant": WARM_HOMES,
    "Breathe Easy Eastfield": BREATHE_EASY,
    "Young carers' voices in school health": YOUNG_CARERS,
    "Putting falls prevention into practice": FALLS_PREVENTION,
}


def load_governance(project: Project) -> None:
    """Write a demo project's charter, meeting series and decisions (see `STORIES`)."""
    _Governance(project).tell(STORIES[project.title])


class _Governance:
    def __init__(self, project: Project) -> None:
        self.project = project
        memberships = Membership.objects.filter(project=project).select_related("person__user")
        self.members = {m.person.name: m for m in memberships}
        self.stages = {s.number: s for s in Stage.objects.all()}

    def user(self, name: str) -> User:
        user = self.members[name].person.user
        assert user is not None, f"{name} has no login, so cannot act in the demo."
        return user

    def tell(self, story: Story) -> None:
        self.charter(story.charter)
        for series in story.series:
            self.meetings(series)
        for recorded in story.decisions:
            self.decide(recorded)

    def charter(self, story: CharterStory) -> None:
        charter = services.charter_start(by=self.user(story.started_by), project=self.project)
        version = charter.versions.get()
        self.acknowledge(version, story.acknowledged, story.recorded_by)
        for revision in story.revisions:
            version = self.revise(charter, version, revision)
            self.acknowledge(version, revision.acknowledged, story.recorded_by)

    def revise(
        self, charter: Charter, current: CharterVersion, revision: Revision
    ) -> CharterVersion:
        methods = {kind: list(allowed) for kind, allowed in current.methods.items()}
        methods.update({kind: list(allowed) for kind, allowed in revision.methods.items()})
        early_access = (
            current.early_access if revision.early_access is None else revision.early_access
        )
        return services.charter_revise(
            by=self.user(revision.by),
            charter=charter,
            sections={**current.sections, **revision.sections},
            methods=methods,
            early_access=list(early_access),
            change_note=revision.change_note,
        )

    def acknowledge(self, version: CharterVersion, names: Sequence[str], recorded_by: str) -> None:
        for name in names:
            person = self.members[name].person
            by = person.user or self.user(recorded_by)
            services.charter_acknowledge(by=by, version=version, person=person)

    def meetings(self, series: Series) -> None:
        by, stage = self.user(series.by), self.stages[series.stage]
        organiser = self.members[series.organiser].person
        # Public contributors' hours over the series, and the day of the last session each came
        # to: they are paid once for the series, when it ends for them.
        paid: dict[str, tuple[Decimal, datetime.date]] = {}
        for number, session in enumerate(series.sessions, start=1):
            attendees = [self.attendee(name, said, series) for name, said in session.said.items()]
            costs.activity_save(
                by=by,
                project=self.project,
                kind=series.kind,
                title=f"{series.name}, session {number}",
                date=session.day,
                stage=stage,
                attendees=attendees,
                organiser=organiser,
                notes=series.notes,
                duration=SESSION_HOURS,
                confirmed=True,  # the history as it happened: its warnings were checked
            )
            for attendee in attendees:
                name = attendee.person.name
                if self.members[name].role == ProjectRole.PUBLIC_CONTRIBUTOR:
                    paid[name] = (
                        paid.get(name, (ZERO, session.day))[0] + attendee.hours,
                        session.day,
                    )
        for name, (hours, day) in paid.items():
            self.pay(series, stage, name, hours, day, by)

    def attendee(self, name: str, said: int, series: Series) -> AttendeeTime:
        membership = self.members[name]
        hours = {"attendance_hours": SESSION_HOURS}
        if name == series.organiser:
            hours |= {
                "preparation_hours": Decimal(3),
                "administration_hours": Decimal("1.5"),
                "follow_up_hours": Decimal(2),
            }
        elif membership.role == ProjectRole.LEAD:
            hours |= {"preparation_hours": Decimal(1)}
        elif membership.role == ProjectRole.PUBLIC_CONTRIBUTOR:
            # The papers arrive a few days before.
            hours |= {"preparation_hours": Decimal("0.5")}
        return AttendeeTime(person=membership.person, contributions=said, **hours)

    def pay(
        self,
        series: Series,
        stage: Stage,
        name: str,
        hours: Decimal,
        day: datetime.date,
        by: User,
    ) -> None:
        """A public contributor's payment for their time at the series, at the NIHR hourly
        rate."""
        costs.cost_item_create(
            by=by,
            project=self.project,
            status=CostStatus.ACTUAL,
            category=CostCategory.CONTRIBUTOR_PAYMENT,
            stage=stage,
            description=f"{series.name}: payment at the NIHR hourly rate",
            defrayed_by=DefrayedBy.PROJECT_BUDGET,
            currency=GBP,
            bearer_organisation=self.project.organisation,
            payee=self.members[name].person,
            budget_line="Public involvement",
            date=day,
            amount=hours * HOURLY_FEE,
            hours=hours,
            rate=HOURLY_FEE,
            confirmed=True,  # the history as it happened: its warnings were checked
        )

    def decide(self, recorded: Recorded) -> None:
        activity = None
        if recorded.activity:
            activity = Activity.objects.get(project=self.project, title=recorded.activity)
            came = set(
                TimeEntry.objects.filter(activity=activity).values_list("person_id", flat=True)
            )
            present = [
                m
                for name, m in self.members.items()
                if m.person_id in came and name not in recorded.absent
            ]
        else:
            present = [self.members[name] for name in recorded.present]
        day = activity.date if activity is not None else recorded.day
        assert day is not None, f"“{recorded.title}” needs an activity or a day."
        services.decision_save(
            by=self.user(recorded.by),
            project=self.project,
            title=recorded.title,
            detail=recorded.detail,
            kind=recorded.kind,
            method=recorded.method,
            stage=self.stages[recorded.stage],
            decided_on=day,
            activity=activity,
            present=sorted(present, key=lambda m: m.pk),
            other_parties=recorded.other_parties,
            accountable=self.members[recorded.accountable] if recorded.accountable else None,
            dissents=[
                DissentInput(
                    party=self.members[d.name].person.party,
                    reason=d.reason,
                    membership=self.members[d.name],
                )
                for d in recorded.dissents
            ],
        )
