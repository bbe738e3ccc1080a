"""Layer edits for the Atom feed: each version written on the map, through the API or by
restoring an earlier version, and each import (all the versions one import wrote, as one
entry), newest first, from ``feature_versions``."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

#: The channels whose versions are one entry each; ``import`` versions are grouped per import.
EDIT_CHANNELS = ("map", "api", "restore-version")


def feature_edits(engine: sa.Engine, limit: int, department: str | None = None
                  ) -> list[dict[str, Any]]:
    """The *limit* newest edits and imports (an import: ``count`` versions, its ``ops``).

    With *department*, only edits of features linked to that department's projects (an
    import, which touches a whole layer, is then left out).
    """
    linked = ("AND EXISTS (SELECT 1 FROM project_features pf JOIN projects p "
              "ON p.id = pf.project_id WHERE pf.layer = v.layer AND pf.fid = v.fid "
              "AND p.department = :department)") if department else ""
    with engine.connect() as conn:
        edits = conn.execute(sa.text(
            "SELECT v.id, v.layer, v.fid, v.version, v.op, v.valid_from AS at, v.actor, "
            "v.channel, v.note, v.attrs ->> 'name' AS name, "
            "(SELECT array_agg(p.code || ' ' || p.name ORDER BY p.code) FROM project_features pf "
            " JOIN projects p ON p.id = pf.project_id WHERE pf.layer = v.layer "
            " AND pf.fid = v.fid) AS projects "
            "FROM feature_versions v WHERE v.channel = ANY(:channels) " + linked +
            " ORDER BY v.valid_from DESC, v.id DESC LIMIT :limit"),
            {"channels": list(EDIT_CHANNELS), "limit": limit,
             "department": department}).mappings().all()
        imports = [] if department else conn.execute(sa.text(
            "SELECT min(v.id) AS id, v.layer, v.valid_from AS at, v.actor, v.note, "
            "count(*) AS count, count(*) FILTER (WHERE v.op = 'insert') AS inserted, "
            "count(*) FILTER (WHERE v.op = 'update') AS updated, "
            "count(*) FILTER (WHERE v.op = 'delete') AS deleted "
            "FROM feature_versions v WHERE v.channel = 'import' AND v.actor <> 'migration' "
            "GROUP BY v.layer, v.valid_from, v.actor, v.note "
            "ORDER BY v.valid_from DESC LIMIT :limit"), {"limit": limit}).mappings().all()
    return ([{**row, "kind": "edit", "projects": row["projects"] or []} for row in edits]
            + [{**row, "kind": "import"} for row in imports])
