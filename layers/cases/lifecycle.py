"""The steps of a case (CJJ/T 106's 案件处理流程) and who may take each: a pure table.

上报 → 受理 (立案, or 不予立案 with a reason) → 派遣 (to a unit) → 处置 (the unit reports it
done, with an after-photo) → 核查 (a supervisor other than the handler, on site, with a
photo) → 结案; or 返工 from 核查 back to 处置 with a reason.  Beside the main line: 改派 (to
another unit), 延期 (the unit asks, the dispatcher decides), 挂账 and 恢复 (long-term
items, the clock paused), 督办 (escalation of an overdue case), 评价 (the reporter rates a
closed case).  :mod:`layers.cases.cases` applies a step to the stored case; this module
only says which steps exist, from which status, to which, by whom and with what.
"""

from __future__ import annotations

from dataclasses import dataclass

from layers.storage.catalogue import REPORT_STATUSES

#: Who takes a step: a case duty (users.duties), or the public reporter (its tracking code).
DISPATCHER, HANDLER, SUPERVISOR, LEADER, REPORTER = (
    "dispatcher", "handler", "supervisor", "leader", "reporter")
STATUSES = tuple(choice.code for choice, _ in REPORT_STATUSES)
OPEN_STATUSES = tuple(choice.code for choice, oc in REPORT_STATUSES if oc == "open")
#: Statuses in which the case's clock runs: the unit has it and has not reported it done.
CLOCK_RUNS_IN = ("dispatched",)


@dataclass(frozen=True)
class Step:
    action: str
    zh: str
    en: str
    sources: tuple[str, ...]
    #: The status after the step; None: the status stays (a side step).
    target: str | None
    #: Duties any one of which may take the step (an admin may take any but the reporter's).
    duties: tuple[str, ...]
    #: What the step must carry: note, unit, photo, position, minutes, duplicate_of, rating.
    needs: tuple[str, ...] = ()


STEPS: dict[str, Step] = {s.action: s for s in (
    Step("accept", "立案", "File", ("reported",), "filed", (DISPATCHER,)),
    Step("refuse", "不予立案", "Refuse to file", ("reported",), "refused", (DISPATCHER,),
         ("note",)),
    Step("duplicate", "重复案件", "Mark as duplicate", ("reported", "filed"), "duplicate",
         (DISPATCHER,), ("duplicate_of",)),
    Step("dispatch", "派遣", "Dispatch", ("filed",), "dispatched", (DISPATCHER,)),
    Step("reassign", "改派", "Reassign", ("dispatched",), None, (DISPATCHER,),
         ("unit", "note")),
    Step("handle", "处置", "Report handled", ("dispatched",), "handled", (HANDLER,),
         ("photo",)),
    Step("verify", "核查通过", "Verify on site", ("handled",), "verified", (SUPERVISOR,),
         ("photo", "position")),
    Step("rework", "返工", "Send back for rework", ("handled",), "dispatched", (SUPERVISOR,),
         ("note", "position")),
    Step("close", "结案", "Close", ("verified",), "closed", (DISPATCHER,)),
    Step("request_extension", "申请延期", "Request an extension", ("dispatched",), None,
         (HANDLER,), ("minutes", "note")),
    Step("approve_extension", "批准延期", "Approve the extension", ("dispatched",), None,
         (DISPATCHER,)),
    Step("refuse_extension", "驳回延期", "Refuse the extension", ("dispatched",), None,
         (DISPATCHER,), ("note",)),
    Step("suspend", "挂账", "Suspend (long-term)", ("dispatched",), "suspended", (DISPATCHER,),
         ("note",)),
    Step("resume", "恢复处置", "Resume", ("suspended",), "dispatched", (DISPATCHER,)),
    Step("escalate", "督办", "Escalate", ("dispatched",), None, (LEADER, DISPATCHER),
         ("note",)),
    Step("rate", "评价", "Rate", ("closed",), None, (REPORTER,), ("rating",)),
)}

RATINGS = {"satisfied": ("满意", "Satisfied"), "fair": ("基本满意", "Fairly satisfied"),
           "dissatisfied": ("不满意", "Dissatisfied")}


def steps_from(status: str) -> list[str]:
    """The steps that may be taken from *status*, in the table's order."""
    return [s.action for s in STEPS.values() if status in s.sources]


def may_take(step: Step, duties: tuple[str, ...], *, admin: bool) -> bool:
    """Whether someone with *duties* (and admin or not) may take *step*."""
    if step.duties == (REPORTER,):
        return REPORTER in duties
    return admin or any(duty in duties for duty in step.duties)
