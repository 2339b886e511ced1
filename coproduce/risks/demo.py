"""The demo portfolio's risk registers, stage estimates and forecast runs.

`load_register` is called by `coproduce.core.demo` for each demo project once its history of
costs is written. Everything is written through `coproduce.risks.services`, in the order a team
would have done it, so every adoption, score, review, estimate and forecast carries an audit
event; nothing here is random, so the demo is the same every time it is loaded.

Each register is told as a story in `REGISTERS`: a list of events, oldest first, each dated in
days before the demo is loaded. The services stamp what they write with the moment of writing;
afterwards the story's dates are written onto the risk's `created_at` and `last_reviewed_at`,
the review's `created_at` and the run's `created_at` and `finished_at` with a queryset
`update()`. That backdating is the one thing the services do not do, and is only for the demo:
without it a register loaded in a second would have no history, nothing would be overdue for
review and the two forecast runs would look simultaneous. The audit log is left alone: it says,
truthfully, when the demo wrote each record. The dates count back from now, not from a fixed
day, so that what is overdue for review (`queries.overdue`, 90 days) stays the same however
long after its writing the demo is loaded.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Model
from django.utils import timezone

from coproduce.accounts.models import User
from coproduce.catalogue.models import CatalogueItem, Stage
from coproduce.projects.models import Membership, Project
from coproduce.risks import queries, services
from coproduce.risks.models import Risk, RiskStatus, RunStatus

OPEN, MITIGATING = RiskStatus.OPEN.value, RiskStatus.MITIGATING.value
OCCURRED, CLOSED = RiskStatus.OCCURRED.value, RiskStatus.CLOSED.value
DEMO_ITERATIONS = 20_000
"""Small enough to run inline (well under a second each), large enough for steady percentiles."""

type Points = tuple[str, str, str]  # optimistic, most likely, pessimistic


@dataclass(frozen=True)
class Own:
    """A risk the team wrote itself rather than adopting from the catalogue."""

    title: str
    description: str
    stage: int


@dataclass(frozen=True)
class Forecast:
    """Forecast inputs the team wrote instead of the defaults from likelihood and impact."""

    probability: str
    delay: Points  # weeks
    cost: Points  # in the project's currency


@dataclass(frozen=True)
class Scored:
    """A risk as the team put it on the register: adopted (by catalogue code) or its own."""

    risk: str | Own
    likelihood: int
    impact: int
    owner: str  # a member's name
    mitigation: str = ""
    status: str = OPEN
    forecast: Forecast | None = None

    @property
    def key(self) -> str:
        return self.risk.title if isinstance(self.risk, Own) else self.risk


@dataclass(frozen=True)
class Add:
    """Risks put on the register on one day, then scored, owned and (some) mitigated."""

    days_ago: int
    by: str
    risks: tuple[Scored, ...]


@dataclass(frozen=True)
class Review:
    days_ago: int
    by: str
    risk: str  # catalogue code, or an own risk's title
    likelihood: int
    impact: int
    status: str
    note: str


@dataclass(frozen=True)
class Estimates:
    """Three-point estimates for every stage from the current one to the last.

    Weeks come from `STAGE_WEEKS`, costs from the stage's planned co-production budget (or the
    average planned stage where a stage has no plan yet) times `COST_SHARES`. The current stage
    is part run, so only `left` of it is estimated. `changes` replaces a stage's
    (weeks, shares of its planned budget) outright.
    """

    days_ago: int
    by: str
    left: str
    changes: Mapping[int, tuple[Points, Points]] = field(default_factory=dict)


@dataclass(frozen=True)
class Run:
    days_ago: int
    by: str
    label: str
    seed: int


type Event = Add | Review | Estimates | Run

# A whole stage's duration in weeks, for a co-produced study of the demo's size.
STAGE_WEEKS: dict[int, Points] = {
    1: ("6", "8", "12"),
    2: ("8", "10", "16"),
    3: ("20", "26", "40"),
    4: ("10", "14", "22"),
    5: ("6", "8", "14"),
    6: ("8", "12", "20"),
    7: ("20", "30", "52"),
}
# Co-production tends to cost more than planned, rarely less.
COST_SHARES: Points = ("0.9", "1.05", "1.4")


CRISIS_CARE: list[Event] = [
    Add(
        600,
        "Amira Okafor",
        (
            Scored(
                "teams-usual-suspects",
                3,
                3,
                "Fatima Bello",
                "Recruit the lived experience panel through peer support groups and crisis team "
                "follow-up calls, not only through charities; pay for everyone's time; rotate "
                "who chairs.",
                MITIGATING,
            ),
            Scored(
                "teams-slower-process",
                4,
                3,
                "Tom Heywood",
                "Allow two extra weeks for agreements with the trust; start the honoraria "
                "paperwork in the first month.",
            ),
        ),
    ),
    Review(
        455,
        "Tom Heywood",
        "teams-slower-process",
        5,
        3,
        OCCURRED,
        "Agreeing honoraria and site access with the trust took seven weeks longer than "
        "planned, so framing started late. The later stage estimates allow for it.",
    ),
    Review(
        450,
        "Fatima Bello",
        "teams-usual-suspects",
        2,
        3,
        CLOSED,
        "A panel of eight recruited through peer support groups; five had never taken part in "
        "research. Closed at the end of stage 1.",
    ),
    Add(
        430,
        "Amira Okafor",
        (
            Scored(
                "framing-different-priorities",
                4,
                3,
                "Amira Okafor",
                "Open prioritisation workshops with the panel and crisis staff together; "
                "trade-offs voted on and written down.",
                MITIGATING,
            ),
            Scored(
                "framing-co-opted-by-partners",
                3,
                4,
                "Simon Hart",
                "The trust's part in the study is set out in the collaboration agreement; the "
                "steering group has an independent chair.",
                MITIGATING,
            ),
        ),
    ),
    Review(
        300,
        "Amira Okafor",
        "framing-different-priorities",
        3,
        3,
        MITIGATING,
        "Priorities agreed at the second workshop; crisis staff still want a triage question.",
    ),
    Review(
        240,
        "Amira Okafor",
        "framing-different-priorities",
        2,
        2,
        CLOSED,
        "The steering group signed off the questions, with triage as a secondary question.",
    ),
    Add(
        220,
        "Tom Heywood",
        (
            Scored(
                "collecting-pressure-for-resources",
                3,
                3,
                "Nadia Hussain",
                "Agree each month with the service manager how many staff interviews and which "
                "rooms; pay for cover when staff give their time.",
                MITIGATING,
                Forecast("0.35", ("1", "3", "8"), ("300", "900", "2500")),
            ),
            Scored(
                "cross-practical-administration",
                4,
                2,
                "Tom Heywood",
                "Book rooms and payments a month ahead in a shared calendar; protect the "
                "knowledge broker's two days a week for organising.",
                MITIGATING,
            ),
            Scored(
                "analysing-partners-join-analysis",
                4,
                2,
                "Joanna Kowalska",
                "Joint analysis workshops on anonymised extracts only, after a training session.",
            ),
        ),
    ),
    Estimates(150, "Amira Okafor", left="0.6"),
    Run(148, "Amira Okafor", "Start of data collection", seed=20250601),
    # The last look at this one: the autumn steering group below skips it, so it is the
    # register's overdue risk.
    Review(
        124,
        "Amira Okafor",
        "framing-co-opted-by-partners",
        2,
        4,
        MITIGATING,
        "Collaboration agreement signed. The trust's redesign board now meets monthly, so keep "
        "watching.",
    ),
    Review(
        60,
        "Tom Heywood",
        "collecting-pressure-for-resources",
        4,
        3,
        MITIGATING,
        "Two sites paused staff interviews over winter pressures; rescheduled for January.",
    ),
    Add(
        45,
        "Fatima Bello",
        (
            Scored(
                Own(
                    "Peer interviewers hear accounts close to their own",
                    "Peer interviewers with their own experience of crisis care hear distressing "
                    "accounts; some may need to step back for a while.",
                    3,
                ),
                3,
                4,
                "Fatima Bello",
                "A debrief with a clinical psychologist after every interview; interviews in "
                "pairs; paid time off after hard sessions; a named contact outside the team.",
                MITIGATING,
                Forecast("0.5", ("0.5", "2", "6"), ("450", "1200", "3000")),
            ),
            Scored(
                "cross-skills-and-workload",
                4,
                4,
                "Amira Okafor",
                "Review the fixed-term researchers' workload at every supervision; no evening "
                "write-ups without time off in lieu.",
            ),
            Scored("collecting-damaged-relationships", 2, 4, "Bernard Oyelaran"),
            Scored(
                "analysing-identifying-participants",
                2,
                5,
                "Simon Hart",
                "Two researchers check every extract is anonymised before a workshop; no "
                "site-level tables of fewer than five people.",
                OPEN,
                Forecast("0.1", ("2", "4", "12"), ("500", "2000", "6000")),
            ),
            Scored("analysing-training-and-data-preparation", 4, 2, "Hannah Price"),
            Scored("recommending-pressure-to-frame", 3, 3, "Amira Okafor"),
        ),
    ),
    Review(
        35,
        "Tom Heywood",
        "cross-practical-administration",
        4,
        2,
        MITIGATING,
        "Autumn steering group: still heavy. The organisers log most of the administration "
        "hours; raised with the lead.",
    ),
    Review(
        35,
        "Tom Heywood",
        "analysing-partners-join-analysis",
        4,
        3,
        OPEN,
        "Autumn steering group: the panel wants to analyse the interviews themselves, which "
        "needs more sessions than planned.",
    ),
    Review(
        35,
        "Tom Heywood",
        "collecting-pressure-for-resources",
        4,
        3,
        MITIGATING,
        "Autumn steering group: January dates confirmed with both sites.",
    ),
    Review(
        21,
        "Fatima Bello",
        "Peer interviewers hear accounts close to their own",
        3,
        4,
        MITIGATING,
        "Two interviewers took paid time off after a hard week; the debriefs are working.",
    ),
    Estimates(
        14,
        "Amira Okafor",
        left="0.4",
        changes={
            3: (("6", "10", "18"), ("0.35", "0.5", "0.8")),
            4: (("12", "16", "26"), ("1", "1.2", "1.6")),
        },
    ),
    Run(10, "Amira Okafor", "After the autumn steering group", seed=20261116),
]

WARM_HOMES: list[Event] = [
    Add(
        560,
        "Priya Raman",
        (
            Scored(
                "framing-lost-independence",
                4,
                4,
                "Helen Ashworth",
                "An independence protocol agreed with the department: questions set together, "
                "analysis and conclusions ours, and sight of the report for factual accuracy "
                "only.",
                MITIGATING,
            ),
        ),
    ),
    Review(
        420,
        "Priya Raman",
        "framing-lost-independence",
        3,
        4,
        MITIGATING,
        "Protocol signed by the Deputy Director.",
    ),
    Add(
        380,
        "Priya Raman",
        (
            Scored(
                "collecting-pressure-for-resources",
                3,
                3,
                "Raj Patel",
                "Data-sharing agreement with dates for each extract; a survey ready to fill "
                "any gap.",
                MITIGATING,
            ),
        ),
    ),
    Review(
        260,
        "Priya Raman",
        "collecting-pressure-for-resources",
        5,
        3,
        OCCURRED,
        "The department's data extract arrived eleven weeks late; the tenant survey was "
        "brought forward to fill the gap.",
    ),
    Add(
        190,
        "Priya Raman",
        (
            Scored(
                "analysing-identifying-participants",
                3,
                5,
                "Priya Raman",
                "The department sees aggregate tables only, with cells of ten or more; "
                "interview quotes are cleared with the person quoted.",
                MITIGATING,
                Forecast("0.15", ("1", "3", "8"), ("0", "500", "2000")),
            ),
            Scored("analysing-ethics-breach", 2, 5, "Helen Ashworth"),
            Scored(
                "cross-seen-as-partisan",
                3,
                3,
                "Owen Pritchard",
                "Every output says who funded the study and what the department could and "
                "could not change.",
                MITIGATING,
            ),
        ),
    ),
    Estimates(40, "Priya Raman", left="0.4"),
    Add(
        40,
        "Priya Raman",
        (
            Scored(
                "recommending-pressure-to-frame",
                4,
                4,
                "Helen Ashworth",
                "The team drafts recommendations first; the department's comments are logged "
                "with our answer to each; the tenants' panel checks the wording.",
                OPEN,
                Forecast("0.6", ("2", "4", "10"), ("400", "1200", "3500")),
            ),
            Scored("recommending-lost-independence", 3, 4, "Owen Pritchard"),
            Scored("disseminating-blocked-findings", 3, 5, "Helen Ashworth"),
            Scored(
                Own(
                    "The spending review is brought forward",
                    "If the spending review comes early, the department will want "
                    "recommendations before the analysis is finished.",
                    5,
                ),
                3,
                4,
                "Priya Raman",
                "An interim findings note ready by the end of analysis; agree with Catherine "
                "Moss what can be said early and what cannot.",
                OPEN,
                Forecast("0.3", ("0", "1", "3"), ("500", "1500", "4000")),
            ),
        ),
    ),
    Review(
        30,
        "Priya Raman",
        "analysing-identifying-participants",
        2,
        5,
        MITIGATING,
        "The department's analysts asked for a local authority breakdown; supplied by region only.",
    ),
    Review(
        30,
        "Priya Raman",
        "framing-lost-independence",
        3,
        4,
        MITIGATING,
        "Draft tables requested early; declined under the protocol without ill feeling.",
    ),
    Review(
        30,
        "Priya Raman",
        "cross-seen-as-partisan",
        3,
        3,
        MITIGATING,
        "A trade paper called it “the department's evaluation”; every output now says who "
        "decided what.",
    ),
    Review(
        25,
        "Priya Raman",
        "analysing-ethics-breach",
        1,
        5,
        OPEN,
        "No requests for identifiable data since the protocol was restated.",
    ),
]

BREATHE_EASY: list[Event] = [
    Add(
        300,
        "Fatima Bello",
        (
            Scored(
                "teams-stakeholders-disagree",
                3,
                3,
                "Winston Clarke",
                "A steering group co-chaired by the forum and the university; disagreements "
                "minuted with who holds which view.",
                MITIGATING,
            ),
        ),
    ),
    Review(
        170,
        "Fatima Bello",
        "teams-stakeholders-disagree",
        2,
        3,
        CLOSED,
        "Terms of reference agreed; the tenants' association and the faith groups both sit on "
        "the steering group.",
    ),
    Add(
        150,
        "Fatima Bello",
        (
            Scored(
                "framing-different-priorities",
                4,
                3,
                "Daniel Mensah",
                "Residents choose the questions at open meetings; the researchers say which "
                "can be answered and why.",
                MITIGATING,
            ),
            Scored("framing-damaged-relationships", 3, 3, "Aisha Rahman"),
        ),
    ),
    Add(
        80,
        "Fatima Bello",
        (
            Scored(
                "cross-stressful-interactions",
                3,
                3,
                "Fatima Bello",
                "Always two of the team at meetings with landlords' representatives, and a "
                "debrief afterwards.",
                MITIGATING,
            ),
        ),
    ),
    Add(
        60,
        "Fatima Bello",
        (
            Scored("collecting-pressure-for-resources", 3, 2, "Sam Ellery"),
            Scored(
                Own(
                    "Residents withdraw from home visits",
                    "Damp and mould sampling needs access to homes, and tenants fear that "
                    "letting researchers in will anger their landlord.",
                    3,
                ),
                3,
                4,
                "Sam Ellery",
                "Visits arranged through the forum by residents trained as community "
                "researchers; a written promise that no landlord sees an address.",
                OPEN,
                Forecast("0.35", ("2", "4", "10"), ("300", "800", "2000")),
            ),
        ),
    ),
    Review(
        50,
        "Fatima Bello",
        "framing-damaged-relationships",
        3,
        3,
        OPEN,
        "Quiet since the second open meeting.",
    ),
    Review(
        45,
        "Fatima Bello",
        "framing-different-priorities",
        4,
        3,
        MITIGATING,
        "Residents want landlords named in the findings; the team is taking advice on how.",
    ),
    Add(30, "Fatima Bello", (Scored("analysing-partners-join-analysis", 4, 2, "Joanna Kowalska"),)),
    Estimates(20, "Fatima Bello", left="0.5"),
]

YOUNG_CARERS: list[Event] = [
    Add(
        40,
        "Priya Raman",
        (
            Scored(
                "teams-usual-suspects",
                4,
                3,
                "Lena Novak",
                "Reach young carers through the carers' service and pastoral teams, not the "
                "school council; meet after school, with transport paid.",
                MITIGATING,
            ),
            Scored("teams-slower-process", 4, 2, "Owen Pritchard"),
            Scored(
                Own(
                    "A young carer discloses harm in a session",
                    "Young carers may disclose harm or a family crisis during a session.",
                    1,
                ),
                3,
                4,
                "Leah Thompson",
                "The school's safeguarding lead on call at every session; a disclosure protocol "
                "agreed with Mindful Futures; sessions co-facilitated by a youth worker.",
                MITIGATING,
                Forecast("0.3", ("0", "1", "3"), ("0", "200", "800")),
            ),
            Scored("framing-different-priorities", 3, 3, "Priya Raman"),
            Scored(
                "framing-lack-of-originality",
                3,
                3,
                "Owen Pritchard",
                "Agree with the supervisors which thesis chapter the co-designed questions "
                "feed; the methods paper is the original contribution.",
            ),
            Scored("collecting-pressure-for-resources", 3, 2, "Leah Thompson"),
        ),
    ),
    Review(
        20,
        "Priya Raman",
        "teams-usual-suspects",
        3,
        3,
        MITIGATING,
        "Six young carers have met twice; only two came through the school council.",
    ),
    Estimates(
        15, "Priya Raman", left="0.5", changes={1: (("4", "6", "10"), ("0.4", "0.5", "0.7"))}
    ),
]

FALLS_PREVENTION: list[Event] = [
    Add(
        400,
        "Tom Heywood",
        (
            Scored(
                "recommending-disagreement-on-importance",
                3,
                3,
                "Grace Liu",
                "Ward managers and the falls team rank the candidate adaptations together.",
                MITIGATING,
            ),
        ),
    ),
    Review(
        290,
        "Tom Heywood",
        "recommending-disagreement-on-importance",
        2,
        3,
        CLOSED,
        "Ward managers and the falls team agreed the three adaptations to test.",
    ),
    Add(
        260,
        "Tom Heywood",
        (
            Scored(
                "disseminating-early-release",
                3,
                3,
                "Grace Liu",
                "Interim figures go to the trust board only with the audit's caveats attached.",
                MITIGATING,
            ),
        ),
    ),
    Review(
        200,
        "Tom Heywood",
        "disseminating-early-release",
        4,
        3,
        OCCURRED,
        "A board paper quoted interim fall rates before the audit was complete; a correction "
        "went to the next meeting.",
    ),
    Add(
        120,
        "Tom Heywood",
        (
            Scored(
                "implementing-failure",
                3,
                5,
                "Ian Fletcher",
                "Ward champions on every shift; a fidelity audit each month; adaptations agreed "
                "with ward teams, not imposed.",
                MITIGATING,
                Forecast("0.25", ("4", "8", "20"), ("1000", "2500", "6000")),
            ),
            Scored(
                "implementing-researcher-disinterest",
                3,
                3,
                "Tom Heywood",
                "Research team time written into the implementation plan until the 12-month "
                "audit; monthly ward visits.",
                MITIGATING,
            ),
            Scored(
                "cross-skills-and-workload",
                4,
                3,
                "Chloe Barnes",
                "Audit time protected in the ward rota; the falls lead covers a shift a month.",
                MITIGATING,
            ),
        ),
    ),
    Add(
        50,
        "Tom Heywood",
        (
            Scored("implementing-advocacy-tension", 2, 3, "Grace Liu"),
            Scored("implementing-damaged-relationships", 2, 3, "Chloe Barnes"),
            Scored(
                Own(
                    "Staff turnover on the wards",
                    "Trained staff move on and new starters have not been taught the programme.",
                    7,
                ),
                4,
                3,
                "Ian Fletcher",
                "Falls training in every new starter's induction; a champion and a deputy "
                "named for each ward.",
                OPEN,
                Forecast("0.6", ("1", "3", "8"), ("400", "900", "2500")),
            ),
        ),
    ),
    Review(
        30,
        "Tom Heywood",
        "implementing-failure",
        3,
        5,
        MITIGATING,
        "Two of five wards are below 70% fidelity; their champions have been trained again.",
    ),
    Review(
        30,
        "Tom Heywood",
        "implementing-researcher-disinterest",
        2,
        3,
        MITIGATING,
        "Visits are keeping up; the audit is booked.",
    ),
    Review(
        15,
        "Tom Heywood",
        "cross-skills-and-workload",
        4,
        3,
        MITIGATING,
        "Protected audit time held on three wards out of five.",
    ),
    Estimates(15, "Tom Heywood", left="0.5"),
]

MAIN_PROJECT = "Shaping crisis care together"
REGISTERS: dict[str, list[Event]] = {
    MAIN_PROJECT: CRISIS_CARE,
    "Evaluating the Warm Homes grant": WARM_HOMES,
    "Breathe Easy Eastfield": BREATHE_EASY,
    "Young carers' voices in school health": YOUNG_CARERS,
    "Putting falls prevention into practice": FALLS_PREVENTION,
}


def load_register(project: Project) -> None:
    """Write a demo project's register, estimates and forecast runs (see `REGISTERS`)."""
    _Story(project, timezone.now()).tell(REGISTERS[project.title])


class _Story:
    """One project's events, written through the services and then dated."""

    def __init__(self, project: Project, now: datetime.datetime) -> None:
        self.project = project
        self.now = now
        memberships = Membership.objects.filter(project=project).select_related("person__user")
        self.members = {m.person.name: m for m in memberships}
        self.risks: dict[str, Risk] = {}
        self.stages = {s.number: s for s in Stage.objects.all()}

    def tell(self, events: Sequence[Event]) -> None:
        days = [event.days_ago for event in events]
        assert days == sorted(days, reverse=True), "A story's events run oldest first."
        for event in events:
            match event:
                case Add():
                    self.add(event)
                case Review():
                    self.review(event)
                case Estimates():
                    self.estimate(event)
                case Run():
                    self.run(event)

    def user(self, name: str) -> User:
        user = self.members[name].person.user
        assert user is not None, f"{name} has no login, so cannot act in the demo."
        return user

    def when(self, days_ago: int) -> datetime.datetime:
        return self.now - datetime.timedelta(days=days_ago)

    def add(self, event: Add) -> None:
        by = self.user(event.by)
        codes = [s.risk for s in event.risks if isinstance(s.risk, str)]
        items = {i.code: i for i in CatalogueItem.objects.framework().filter(code__in=codes)}
        adopted = services.risk_adopt(
            by=by, project=self.project, items=[items[code] for code in codes]
        )
        by_code = {r.catalogue_item.code: r for r in adopted if r.catalogue_item is not None}
        for scored in event.risks:
            fields: dict[str, Any] = {
                "likelihood": scored.likelihood,
                "impact": scored.impact,
                "owner": self.members[scored.owner],
                "mitigation": scored.mitigation,
                "status": scored.status,
                **_forecast_fields(scored.forecast),
            }
            if isinstance(scored.risk, Own):
                risk = services.risk_create(
                    by=by,
                    project=self.project,
                    title=scored.risk.title,
                    description=scored.risk.description,
                    stage=self.stages[scored.risk.stage],
                    **fields,
                )
            else:
                risk = services.risk_update(by=by, risk=by_code[scored.risk], **fields)
            _backdate(risk, created_at=self.when(event.days_ago))
            self.risks[scored.key] = risk

    def review(self, event: Review) -> None:
        risk = self.risks[event.risk]
        review = services.risk_review(
            by=self.user(event.by),
            risk=risk,
            likelihood=event.likelihood,
            impact=event.impact,
            status=event.status,
            note=event.note,
        )
        when = self.when(event.days_ago)
        _backdate(review, created_at=when)
        _backdate(risk, last_reviewed_at=when)

    def estimate(self, event: Estimates) -> None:
        by = self.user(event.by)
        planned = {
            number: total
            for number, total in queries.planned_stage_costs(self.project).items()
            if total is not None
        }
        average = sum(planned.values(), Decimal(0)) / len(planned) if planned else Decimal(1000)
        current = self.project.current_stage.number
        for number in range(current, 8):
            weeks, shares = event.changes.get(number, (STAGE_WEEKS[number], COST_SHARES))
            scale = Decimal(event.left) if number == current and number not in event.changes else 1
            budget = planned.get(number, average)
            low, mode, high = (Decimal(w) * scale for w in weeks)
            cost_low, cost_mode, cost_high = (budget * Decimal(s) * scale for s in shares)
            services.stage_estimate_save(
                by=by,
                project=self.project,
                stage=self.stages[number],
                duration_low=_weeks(low),
                duration_mode=_weeks(mode),
                duration_high=_weeks(high),
                cost_low=_money(cost_low),
                cost_mode=_money(cost_mode),
                cost_high=_money(cost_high),
            )

    def run(self, event: Run) -> None:
        run = services.forecast_start(
            by=self.user(event.by),
            project=self.project,
            iterations=DEMO_ITERATIONS,
            seed=event.seed,
            label=event.label,
        )
        if run.status != RunStatus.DONE or run.finished_at is None:
            raise RuntimeError(f"The demo forecast “{event.label}” did not finish: {run.error}")
        took = run.finished_at - run.created_at
        when = self.when(event.days_ago)
        _backdate(run, created_at=when, finished_at=when + took)


def _forecast_fields(forecast: Forecast | None) -> dict[str, Decimal | None]:
    if forecast is None:
        return {}
    fields: dict[str, Decimal | None] = {"probability": Decimal(forecast.probability)}
    for name, values in (("delay", forecast.delay), ("cost", forecast.cost)):
        for part, value in zip(("low", "mode", "high"), values, strict=True):
            fields[f"{name}_{part}"] = Decimal(value)
    return fields


def _weeks(value: Decimal) -> Decimal:
    """To the half week, as the estimates form steps."""
    return (value * 2).quantize(Decimal(1), ROUND_HALF_UP) / 2


def _money(value: Decimal) -> Decimal:
    """To the nearest ten: nobody estimates a stage to the penny."""
    return (value / 10).quantize(Decimal(1), ROUND_HALF_UP) * 10


def _backdate(instance: Model, **dates: datetime.datetime) -> None:
    """Give a record its date in the story (see the module's docstring). The instance is kept
    in step, so that a later save through a service does not write the old date back."""
    type(instance)._default_manager.filter(pk=instance.pk).update(**dates)
    for name, value in dates.items():
        setattr(instance, name, value)
