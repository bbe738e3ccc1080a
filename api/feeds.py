"""``/feeds/changes.atom``: an Atom 1.0 feed (RFC 4287) of project status changes, of
the projects now overdue, of cases escalated (督办) for being overdue and of layer edits
(each feature version written on the map, through the API or by restoring a version; each
import as one entry), for planners' feed readers and mail-to-feed tools.

``lang=en`` titles the entries in English; ``department`` keeps one department's projects.
Entry ids are stable: a status change is its event; an overdue project is the project at
its due date (moving the due date makes a new entry), dated the day after that due date.
The XML is written by ElementTree, which escapes every text from the database.
"""

from __future__ import annotations

import datetime as dt
import uuid
from xml.etree import ElementTree as ET

from flask import Response, request, url_for

from api import params
from api.database import get_engine
from api.i18n import page_language
from api.openapi import Blueprint
from layers import clock
from layers.editing.changes import feature_edits
from layers.i18n import translator
from layers.serving.query import plain_text
from layers.storage.catalogue import get_layer, layer_names
from layers.tracking import dashboard
from webmap.dashboard import labels

bp = Blueprint("feeds", __name__, url_prefix="/feeds",
               description="Atom feeds for planners' feed readers.")

ATOM = "http://www.w3.org/2005/Atom"
ATOM_TYPE = "application/atom+xml"
#: Status changes in the feed (the newest); every overdue project is in it besides.
FEED_CHANGES = 50
FEED_AUTHOR = "联创 Lianchuang"
#: Entry ids are UUIDs derived from this namespace and the entry's key, so they never change.
_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://lianchuang/feeds/changes")


class FeedQuery(params.LangQuery):
    department = params.Text(metadata={"description": "Only this department's projects."})


@bp.get("/changes.atom")
@bp.query(FeedQuery)
@bp.content(200, "Atom 1.0 feed", ATOM_TYPE, schema={"type": "string"})
def changes(query: dict) -> Response:
    """Project changes feed

    Status changes (newest first) and overdue projects, as one Atom 1.0 feed (RFC 4287);
    `lang=en` titles the entries in English.
    """
    lang = page_language()
    department = query.get("department")
    if department is not None:
        department = plain_text(department, "department")
    engine, today = get_engine(), clock.today()
    entries = ([_change_entry(change, lang) for change in
                dashboard.status_changes(engine, FEED_CHANGES, department)]
               + [_overdue_entry(project, lang)
                  for project in dashboard.overdue_projects(engine, today, department)]
               + [_escalation_entry(event, lang)
                  for event in dashboard.case_escalations(engine, FEED_CHANGES, department)]
               + [_edit_entry(edit, lang)
                  for edit in feature_edits(engine, FEED_CHANGES, department)])
    entries.sort(key=lambda entry: entry["updated"], reverse=True)
    xml = ET.tostring(_feed(entries, lang, f"feed/{lang}/{department or ''}"),
                      encoding="unicode")
    return Response('<?xml version="1.0" encoding="utf-8"?>\n' + xml + "\n",
                    mimetype=ATOM_TYPE)


def _feed(entries: list[dict], lang: str, key: str) -> ET.Element:
    gettext = translator(lang).gettext
    # Children are written unqualified under this default namespace, as Atom is usually seen.
    feed = ET.Element("feed", {"xmlns": ATOM, "xml:lang": "zh-CN" if lang == "zh" else "en"})
    _text(feed, "id", f"urn:uuid:{uuid.uuid5(_ID_NAMESPACE, key)}")
    _text(feed, "title", gettext("Lianchuang · project status changes and overdue projects"))
    newest = max((e["updated"] for e in entries),
                 default=dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc))
    _text(feed, "updated", _timestamp(newest))
    self_url = url_for("feeds.changes", _external=True, **request.args)
    ET.SubElement(feed, "link", rel="self", type=ATOM_TYPE, href=self_url)
    ET.SubElement(feed, "link", rel="alternate", type="text/html",
                  href=url_for("dashboard.dashboard_page", _external=True,
                               lang="en" if lang == "en" else None))
    author = ET.SubElement(feed, "author")
    _text(author, "name", FEED_AUTHOR)
    _text(feed, "generator", "Lianchuang")
    for entry in entries:
        element = ET.SubElement(feed, "entry")
        _text(element, "id", f"urn:uuid:{uuid.uuid5(_ID_NAMESPACE, entry['key'])}")
        _text(element, "title", entry["title"])
        _text(element, "updated", _timestamp(entry["updated"]))
        ET.SubElement(element, "link", rel="alternate", type="text/html",
                      href=entry["link"])
        if entry.get("author"):
            _text(ET.SubElement(element, "author"), "name", entry["author"])
        ET.SubElement(element, "category", term=entry["category"])
        _text(element, "content", entry["content"], type="text")
    return feed


def _change_entry(change: dict, lang: str) -> dict:
    gettext, names = translator(lang).gettext, labels(lang)["status"]
    new = names.get(change["status"], change["status"] or "")
    old = change["previous_status"]
    title = (gettext("{code} {name}: {old} → {new}") if old
             else gettext("{code} {name}: {new}")).format(
        code=change["code"], name=change["name"], old=names.get(old, old), new=new)
    lines = [title, gettext("By {actor}").format(actor=change["actor"])]
    if change["progress"] is not None:
        lines.append(f"{gettext('Progress')} {change['progress']}%")
    if change["note"]:
        lines.append(change["note"])
    if change["photo_id"]:
        lines.append(url_for("photos.photo", photo_id=change["photo_id"], _external=True))
    return {"key": f"project-event/{change['id']}", "title": title,
            "updated": dt.datetime.fromisoformat(change["at"]),
            "link": _map_link(change["project_id"], lang), "author": change["actor"],
            "category": "status", "content": "\n".join(lines)}


def _overdue_entry(project: dict, lang: str) -> dict:
    gettext = translator(lang).gettext
    due = dt.date.fromisoformat(project["due_date"])
    values = {**project, "due": project["due_date"], "days": project["days_overdue"],
              "status": labels(lang)["status"].get(project["status"], project["status"])}
    return {"key": f"overdue/{project['id']}/{project['due_date']}",
            "title": gettext("Overdue: {code} {name} ({days} days)").format(**values),
            "updated": clock.day_start(due + dt.timedelta(days=1)),
            "link": _map_link(project["id"], lang), "author": None, "category": "overdue",
            "content": gettext("Project {code} {name} of {department} was due on {due} and "
                               "is {days} days overdue; status: {status}, "
                               "progress {progress}%.").format(**values)}


def _escalation_entry(event: dict, lang: str) -> dict:
    gettext = translator(lang).gettext
    values = {"id": event["case_id"], "unit": event["department"],
              "category": event["category_en"] if lang == "en" else event["category_zh"]}
    title = gettext("Escalated: case {id} {category} ({unit})").format(**values)
    lines = [title, gettext("By {actor}").format(actor=event["actor"])]
    if event["note"]:
        lines.append(event["note"])
    return {"key": f"case-event/{event['id']}", "title": title, "updated": event["at"],
            "link": url_for("cases.case", case_id=event["case_id"], _external=True),
            "author": event["actor"], "category": "escalation", "content": "\n".join(lines)}


def _edit_entry(edit: dict, lang: str) -> dict:
    """A feature version written on the map, through the API or by a restore; or an import
    (every version it wrote, as one entry)."""
    gettext = translator(lang).gettext
    layer = (getattr(get_layer(edit["layer"]), lang) if edit["layer"] in layer_names()
             else edit["layer"])
    if edit["kind"] == "import":
        title = gettext("Import into {layer}: {inserted} added, {updated} changed, "
                        "{deleted} deleted").format(**{**edit, "layer": layer})
        lines = [title, gettext("By {actor}").format(actor=edit["actor"])]
        if edit["note"]:  # "import of <files>", as the importer stamps it
            lines.append(gettext("File: {file}").format(
                file=edit["note"].removeprefix("import of ")))
        return {"key": f"import/{edit['id']}", "title": title, "updated": edit["at"],
                "link": url_for("ogc.items", layer=edit["layer"], _external=True),
                "author": edit["actor"], "category": "import", "content": "\n".join(lines)}
    what = {"insert": gettext("added"), "update": gettext("edited"),
            "delete": gettext("deleted")}[edit["op"]]
    title = gettext("{layer} {fid} {name}: {what} (version {version})").format(
        layer=layer, fid=edit["fid"], name=edit["name"] or "", what=what,
        version=edit["version"])
    lines = [title, gettext("By {actor}").format(actor=edit["actor"]),
             gettext("Channel: {channel}").format(channel=edit["channel"])]
    if edit["projects"]:
        lines.append(gettext("Projects: {projects}").format(
            projects=", ".join(edit["projects"])))
    if edit["note"]:
        lines.append(edit["note"])
    return {"key": f"feature-version/{edit['id']}", "title": title, "updated": edit["at"],
            "link": url_for("ogc.item_versions", layer=edit["layer"], fid=edit["fid"],
                            _external=True),
            "author": edit["actor"], "category": "feature", "content": "\n".join(lines)}


def _map_link(project_id: int, lang: str) -> str:
    """The map opened on the project's card (the page script reads ``#project=``)."""
    return url_for("webmap.index", _external=True,
                   lang="en" if lang == "en" else None) + f"#project={project_id}"


def _timestamp(value: dt.datetime) -> str:
    """RFC 3339, as Atom wants it."""
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")


def _text(parent: ET.Element, tag: str, text: str, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    element.text = text
    return element
