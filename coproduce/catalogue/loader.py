"""Load a framework JSON file into the catalogue tables.

Used by data migrations with historical models (`apps`), so it never imports the live models.
Loading is an upsert by code: a later version file updates wording and adds items without
breaking the rows projects already point at.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"


def read_framework(version: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (DATA_DIR / f"framework-{version}.json").read_text(encoding="utf-8")
    )
    return data


def load_framework(apps: Any, version: str) -> None:
    data = read_framework(version)
    model = apps.get_model
    release, _ = model("catalogue", "CatalogueVersion").objects.update_or_create(
        version=data["version"],
        defaults={"title": data["title"], "citation": data["citation"], "doi": data["doi"]},
    )
    kinds = {}
    for row in data["cost_kinds"]:
        kinds[row["code"]], _ = model("catalogue", "CostKind").objects.update_or_create(
            code=row["code"],
            defaults={"name": row["name"], "description": row["description"], "version": release},
        )
    stages = {}
    for row in data["stages"]:
        stages[row["number"]], _ = model("catalogue", "Stage").objects.update_or_create(
            code=row["code"],
            defaults={
                "number": row["number"],
                "name": row["name"],
                "description": row["description"],
                "version": release,
            },
        )
    for row in data["items"]:
        model("catalogue", "CatalogueItem").objects.update_or_create(
            code=row["code"],
            defaults={
                "type": row["type"],
                "stage": stages[row["stage"]] if row["stage"] is not None else None,
                "cost_kind": kinds[row["cost_kind"]],
                "title": row["title"],
                "description": row["description"],
                "prompt": row.get("prompt", ""),
                "version": release,
            },
        )
    for audience, key in (
        ("project", "project_questions"),
        ("organisation", "organisation_questions"),
    ):
        for row in data[key]:
            model("catalogue", "Question").objects.update_or_create(
                audience=audience,
                code=row["code"],
                defaults={
                    "number": row["number"],
                    "title": row["title"],
                    "prompt": row["prompt"],
                    "help": row.get("help", ""),
                    "version": release,
                },
            )
    for row in data["emphasis_criteria"]:
        model("catalogue", "EmphasisCriterion").objects.update_or_create(
            code=row["code"],
            defaults={
                "number": row["number"],
                "name": row["name"],
                "less_when": row["less_when"],
                "more_when": row["more_when"],
                "help": row.get("help", ""),
                "version": release,
            },
        )
