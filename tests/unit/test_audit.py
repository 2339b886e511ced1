"""The plain-dict logic behind audit events: snapshots of a record and the fields that changed.

No database: the records here are never saved.
"""

from __future__ import annotations

import datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from coproduce.accounts.models import Person
from coproduce.audit.services import changed_fields, snapshot
from coproduce.catalogue.models import Stage
from coproduce.projects.models import Project

values = st.one_of(st.none(), st.integers(-3, 3), st.sampled_from(["", "a", "b"]), st.booleans())
records = st.dictionaries(st.sampled_from(["title", "role", "score", "note"]), values)


def test_snapshot_without_fields_takes_every_concrete_field_but_the_key_and_timestamps() -> None:
    project = Project(title="Crisis care study", organisation_id=4, current_stage_id=2)

    result = snapshot(project)

    assert set(result) == {
        "title",
        "summary",
        "organisation_id",
        "funder",
        "start_date",
        "end_date",
        "current_stage_id",
        "approach",
        "why_coproduce",
        "intended_outcomes",
        "currency",
        "overspend_margin",
        "created_by_id",
    }
    assert (result["title"], result["organisation_id"], result["current_stage_id"]) == (
        "Crisis care study",
        4,
        2,
    )


def test_snapshot_skips_auto_now_and_auto_now_add_fields() -> None:
    project = Project(title="Dated", organisation_id=1, current_stage_id=1)
    project.created_at = project.updated_at = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)

    result = snapshot(project)

    assert "created_at" not in result
    assert "updated_at" not in result
    assert "id" not in result


def test_snapshot_turns_dates_into_iso_strings() -> None:
    project = Project(start_date=datetime.date(2025, 1, 31), end_date=None)

    result = snapshot(project, ["start_date", "end_date"])

    assert result == {"start_date": "2025-01-31", "end_date": None}


def test_snapshot_with_fields_takes_only_those_fields_even_timestamps() -> None:
    person = Person(name="Bob", role_title="Research Fellow")
    person.created_at = datetime.datetime(2025, 3, 1, 9, 30, tzinfo=datetime.UTC)

    result = snapshot(person, ("name", "created_at"))

    assert result == {"name": "Bob", "created_at": "2025-03-01T09:30:00+00:00"}


def test_snapshot_never_includes_equity_attributes_even_when_asked() -> None:
    person = Person(name="Bob", gender="man", career_stage="early", equity_consent=True)
    person.equity_consent_at = datetime.datetime(2025, 3, 1, 9, 30, tzinfo=datetime.UTC)

    named = snapshot(person, ("name", "gender", "equity_consent", "equity_consent_at"))
    everything = snapshot(person)

    assert named == {"name": "Bob"}
    assert not set(Person.audit_private) & set(everything)
    assert everything["name"] == "Bob"


def test_snapshot_of_a_model_without_timestamps_keeps_all_fields() -> None:
    stage = Stage(number=3, code="collecting", name="Collecting data", description="d")

    assert snapshot(stage) == {
        "number": 3,
        "code": "collecting",
        "name": "Collecting data",
        "description": "d",
        "version_id": None,
    }


def test_changed_fields_lists_only_fields_that_differ() -> None:
    before = {"title": "Old", "funder": "Fund", "end_date": None}
    after = {"title": "New", "funder": "Fund", "end_date": "2026-01-01"}

    assert changed_fields(before, after) == {
        "title": {"from": "Old", "to": "New"},
        "end_date": {"from": None, "to": "2026-01-01"},
    }


def test_changed_fields_from_nothing_reports_every_set_field() -> None:
    after = {"title": "New", "role": "lead", "note": None}

    assert changed_fields({}, after) == {
        "title": {"from": None, "to": "New"},
        "role": {"from": None, "to": "lead"},
    }


def test_changed_fields_of_identical_snapshots_is_empty() -> None:
    same = {"title": "Same", "score": 0, "flag": False}

    assert changed_fields(same, dict(same)) == {}


def test_changed_fields_tells_false_from_zero_and_none_from_empty() -> None:
    before: dict[str, Any] = {"flag": False, "text": None}
    after: dict[str, Any] = {"flag": 1, "text": ""}

    assert changed_fields(before, after) == {
        "flag": {"from": False, "to": 1},
        "text": {"from": None, "to": ""},
    }


@given(before=records, after=records)
def test_changed_fields_replayed_on_before_gives_after(
    before: dict[str, Any], after: dict[str, Any]
) -> None:
    changes = changed_fields(before, after)

    replayed = {name: before.get(name) for name in after}
    replayed.update({name: change["to"] for name, change in changes.items()})
    assert replayed == after
    assert all(change["from"] == before.get(name) for name, change in changes.items())
    assert all(before.get(name) != after[name] for name in changes)
