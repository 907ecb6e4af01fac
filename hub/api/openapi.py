"""The OpenAPI 3.1 document for /api/v1. Schemas come from the pydantic models;
the path table below is the one place that lists the public endpoints."""

from __future__ import annotations

from typing import Any

from hub.api import schemas as s
from hub.api import users_api as u
from hub.api.admin_api import QUARANTINE_STATUSES
from hub.api.callbacks_api import CallbackDoneIn
from hub.api.desk_api import SendBackIn
from hub.api.inputs import FLAGS, MAX_ID
from hub.api.letters_api import LetterIn
from hub.api.returns_api import ReturnIn

_LIST_PARAMS = [
    ("status", "Comma-separated statuses (new, triaged, forwarded, in_progress, waiting_citizen, answered, closed, needs_review, duplicate, out_of_scope, rejected)"),
    ("channel", "Comma-separated channels"), ("topic", "Topic code"), ("department", "Department code"),
    ("ilce", "District"), ("mahalle", "Neighbourhood"), ("priority", "low, normal, high, urgent"),
    ("request_type", "istek, sikayet, ihbar, gorus_oneri, bilgi_edinme, tesekkur"), ("tag", "Only requests carrying this tag (e.g. geri-arama)"),
    ("assignee", "User id, 'me' or 'none'"), ("overdue", "true: only requests past their deadline"),
    ("q", "Search in text, subject, tracking code and the caller's name, e-mail and phone; insensitive to Turkish case and letters"), ("sort", "newest (default) or due"),
    ("filter_id", "A saved filter (condition language)"), ("limit", "1-200, default 50"), ("cursor", "next_cursor from the previous page"), ("count", "true: include total"),
]  # fmt: skip

# (method, path, summary, body model, tag)
_PATHS: list[tuple[str, str, str, type | None, str]] = [
    ("post", "/api/v1/requests", "Create a request (idempotent on external_id / Idempotency-Key / body)", s.CreateRequestIn, "requests"),
    ("get", "/api/v1/requests", "List requests with filters and cursor pagination", None, "requests"),
    ("get", "/api/v1/requests/{id}", "A request with thread, events, classification and routing trace", None, "requests"),
    ("patch", "/api/v1/requests/{id}", "Change fields; topic/type/mahalle changes are stored as corrections", s.UpdateRequestIn, "requests"),
    ("post", "/api/v1/requests/{id}/assign", "Assign to a user (or null to unassign)", s.AssignIn, "requests"),
    ("post", "/api/v1/requests/{id}/claim", "Üstlen: hold the request for the claim lease (renews your own claim); 409 while someone else holds it", None, "requests"),
    ("post", "/api/v1/requests/{id}/release", "Release your claim", None, "requests"),
    ("post", "/api/v1/requests/{id}/take-over", "Devral: take the request from whoever holds it (audited)", None, "requests"),
    ("post", "/api/v1/requests/{id}/forward", "Forward to a department, informing co-departments", s.ForwardIn, "requests"),
    ("post", "/api/v1/requests/{id}/reply", "Answer the citizen on their channel (or add an internal note)", s.ReplyIn, "requests"),
    ("post", "/api/v1/requests/{id}/close", "Close with an outcome (olumlu / olumsuz)", s.CloseIn, "requests"),
    ("post", "/api/v1/requests/{id}/merge", "Mark as duplicate of another request (one cluster)", s.MergeIn, "requests"),
    ("post", "/api/v1/requests/{id}/wait", "Wait on the citizen: pauses the SLA clock", s.WaitIn, "requests"),
    ("get", "/api/v1/callbacks", "Open call-backs (phone answers no SMS could carry), the earliest due first", None, "callbacks"),
    ("post", "/api/v1/callbacks/{id}/complete", "Record a call-back: reached, not_reached (another attempt is scheduled) or wrong_number", CallbackDoneIn, "callbacks"),
    ("post", "/api/v1/requests/{id}/send-back", "Bizim değil: a department sends a misrouted request back to Beyaz Masa with a reason", SendBackIn, "requests"),
    ("post", "/api/v1/requests/{id}/return", "Return (iade) a CİMER / MBS request to the institution it belongs to; closes it with outcome iade", ReturnIn, "requests"),
    ("post", "/api/v1/requests/{id}/letter", "Answer by letter: render the answer as a PDF on the letterhead and attach it (channel mektup)", LetterIn, "requests"),
    ("get", "/api/v1/requests/{id}/letter.pdf", "The request's latest answer letter (PDF)", None, "requests"),
    ("post", "/api/v1/filters", "Save a queue filter in the rules' condition language", s.FilterIn, "requests"),
    ("get", "/api/v1/filters", "Saved queue filters (use with GET /api/v1/requests?filter_id=)", None, "requests"),
    ("get", "/api/v1/contacts/{id}", "A contact with their request history", None, "contacts"),
    ("get", "/api/v1/contacts", "Find contacts by phone or e-mail (caller history)", None, "contacts"),
    ("post", "/api/v1/contacts/{id}/merge", "Merge this contact into another", s.MergeContactIn, "contacts"),
    ("get", "/api/v1/contacts/{id}/export", "KVKK: everything held about this person (admin)", None, "contacts"),
    ("post", "/api/v1/contacts/{id}/erase", "KVKK: erase this person's personal data; 409 while a request is open (admin)", s.EraseIn, "contacts"),
    ("get", "/api/v1/departments", "Departments and their forwarding targets", None, "departments"),
    ("get", "/api/v1/connectors", "Connector health: last success, last error, backlog", None, "connectors"),
    ("get", "/api/v1/quarantine", "Inputs that could not be parsed", None, "quarantine"),
    ("post", "/api/v1/quarantine/{id}/retry", "Parse and ingest a quarantined input again", None, "quarantine"),
    ("get", "/api/v1/rules", "The active routing rules, their version and the last load error", None, "rules"),
    ("put", "/api/v1/rules", "Validate and activate new routing rules (optional comment, kept with the version)", s.RulesIn, "rules"),
    ("post", "/api/v1/rules/check", "Validate routing rules without activating them", s.RulesIn, "rules"),
    ("post", "/api/v1/rules/backtest", "Re-run stored requests through candidate rules", s.BacktestIn, "rules"),
    ("get", "/api/v1/rules/versions", "Activated rule versions with author, time and diff", None, "rules"),
    ("post", "/api/v1/rules/versions/{id}/activate", "Reactivate an older version (optional body: comment)", s.RulesActivateIn, "rules"),
    ("get", "/api/v1/reports/muhtar", "Quarterly muhtar figures: total, answered olumlu / olumsuz", None, "reports"),
    ("get", "/api/v1/reports/mahalle", "Which neighbourhood needs what", None, "reports"),
    ("get", "/api/v1/reports/calls", "Call-centre calls per day and disposition (requests or not)", None, "reports"),
    ("get", "/api/v1/reports/deadlines", "Open requests per department by deadline state (gecikmis, riskli, zamaninda, bekletilen, suresiz)", None, "reports"),
    ("get", "/api/v1/reports/performance", "Department performance: volume, answered, on-time rate, median and 90th-percentile hours to answer, reopened; per department, per month and in total", None, "reports"),
    ("get", "/api/v1/reports/first-contact", "Calls closed on first contact from the knowledge base, by topic, agent and day", None, "reports"),
    ("get", "/api/v1/reports/callbacks", "Call-backs: tasks, calls and outcomes by department, agent and day", None, "reports"),
    ("get", "/api/v1/users", "Staff accounts (admin); never password hashes", None, "users"),
    ("post", "/api/v1/users", "Add a staff account, or a muhtar (role muhtar: ilce + mahalle from the gazetteer and phone, else 422 naming the field) (admin)", u.UserCreateIn, "users"),
    ("patch", "/api/v1/users/{id}", "Change role, department, display name or active (deactivation ends sessions)", u.UserUpdateIn, "users"),
    ("post", "/api/v1/users/{id}/password", "Set a new password; ends the user's open sessions", u.PasswordIn, "users"),
    ("post", "/api/v1/users/{id}/logout", "End every open UI session of the user", None, "users"),
    ("get", "/api/v1/api-keys", "API keys (admin); never the key or its hash", None, "users"),
    ("post", "/api/v1/api-keys", "Create an API key; the key is in the answer once and never again", u.ApiKeyCreateIn, "users"),
    ("delete", "/api/v1/api-keys/{id}", "Revoke an API key", None, "users"),
    ("get", "/healthz", "Liveness and database check", None, "system"),
    ("get", "/metrics", "Prometheus metrics", None, "system"),
]  # fmt: skip

_ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
_PARAM_SCHEMAS: dict[str, dict[str, Any]] = {
    "sort": {"type": "string", "enum": ["newest", "due"]},
    "limit": {"type": "integer", "minimum": 1, "maximum": 200},
    "filter_id": _ID,
    "assignee": {"anyOf": [_ID, {"type": "string", "enum": ["me", "none", ""]}]},
    "overdue": {"type": "string", "enum": ["", *FLAGS]},
    "count": {"type": "string", "enum": ["", *FLAGS]},
}


def _q(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


_DAY = {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "maxLength": 0}]}
# the report filter (hub/report_filter.py) and the export format, shared by every report
_REPORT_QUERY = [
    _q("from", "First day, Istanbul time (YYYY-MM-DD, 2000-2099); default: days before to", _DAY),
    _q("to", "Last day, inclusive (default today)", _DAY),
    _q("days", "Days back from to when from is not given (1-3660, default 90)", {"type": "integer", "minimum": 1, "maximum": 3660}),
    _q("ilce", "Only this district", {"type": "string"}), _q("mahalle", "Only this neighbourhood", {"type": "string"}),
    _q("department", "Only this department (department staff always get their own)", {"type": "string"}),
    _q("channel", "Only this channel", {"type": "string"}),
    _q("format", "json (default), csv (one table: UTF-8 with BOM, ';' separated) or xlsx (every table, a Filtre sheet)", {"type": "string", "enum": ["", "json", "csv", "xlsx"]}),
    _q("table", "Which table a CSV holds (default the first; the XLSX sheet order)", {"type": "string"}),
]
_QUERY: dict[tuple[str, str], list[dict[str, Any]]] = {
    ("get", "/api/v1/contacts"): [_q("phone", "Phone number in any common form (one of phone, email is needed)", {"type": "string"}),
                                  _q("email", "E-mail address", {"type": "string"})],
    ("get", "/api/v1/quarantine"): [_q("status", "new (default), retried or resolved", {"type": "string", "enum": ["", *QUARANTINE_STATUSES]})],
    ("get", "/api/v1/reports/muhtar"): [_q("quarter", "e.g. 2026Q3 (years 2000-2099); default the current quarter, or every quarter of from/to when those are given", {"type": "string", "pattern": "^(20[0-9]{2}Q[1-4])?$"}), *_REPORT_QUERY],
    ("get", "/api/v1/reports/mahalle"): [*_REPORT_QUERY, _q("limit", "Items in the JSON answer (1-5000, default 500); files hold all", {"type": "integer", "minimum": 1, "maximum": 5000}),
                                         _q("offset", "Ranked items to skip (JSON)", {"type": "integer", "minimum": 0, "maximum": 1000000})],
    ("get", "/api/v1/reports/deadlines"): _REPORT_QUERY,
    ("get", "/api/v1/reports/performance"): _REPORT_QUERY,
    ("get", "/api/v1/reports/first-contact"): _REPORT_QUERY,
    ("get", "/api/v1/reports/callbacks"): _REPORT_QUERY,
    ("get", "/api/v1/reports/calls"): [_q("since", "First day (YYYY-MM-DD)", {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "maxLength": 0}]})],
}  # fmt: skip
_CREATED = {("post", "/api/v1/requests"), ("post", "/api/v1/filters"), ("post", "/api/v1/api-keys"), ("post", "/api/v1/users")}
_JSON_OBJECT = {"application/json": {"schema": {"type": "object"}}}
_OPTIONAL_BODY = {("post", "/api/v1/rules/versions/{id}/activate")}  # a body was added later; old callers send none
_ERROR_BODY = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "string"}}}


def _responses(method: str, path: str) -> dict[str, Any]:
    """What each operation answers: its success, refusals (4XX, JSON naming the field) and
    503 + Retry-After while the database is unreachable (retry; creates are idempotent)."""
    if path == "/metrics":
        ok: dict[str, Any] = {"200": {"description": "OK", "content": {"text/plain": {"schema": {"type": "string"}}}}}
    elif path == "/healthz":
        ok = {"200": {"description": "OK", "content": _JSON_OBJECT}}
    elif (method, path) == ("post", "/api/v1/requests"):  # a repeat of a known key answers 200 with the same request
        ok = {"200": {"description": "Already stored", "content": _JSON_OBJECT},
              "201": {"description": "Created", "content": _JSON_OBJECT}}  # fmt: skip
    elif path.startswith("/api/v1/reports/") and path != "/api/v1/reports/calls":  # ?format=csv|xlsx: files
        ok = {"200": {"description": "OK", "content": {**_JSON_OBJECT, "text/csv": {"schema": {"type": "string"}},
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}}}}}  # fmt: skip
    elif (method, path) in _CREATED:
        ok = {"201": {"description": "Created", "content": _JSON_OBJECT}}
    else:
        ok = {"200": {"description": "OK", "content": _JSON_OBJECT}}
    unavailable = {"description": "Database unreachable: retry after Retry-After seconds", "headers": _RETRY_AFTER,
                   "content": _JSON_OBJECT if path == "/healthz" else _ERROR_BODY}  # fmt: skip
    return {**ok, "4XX": {"description": "Refused", "content": _ERROR_BODY}, "503": unavailable}


_ERROR = {
    "type": "object",
    "properties": {
        "error": {"type": "string"}, "message": {"type": "string"}, "field": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object", "properties": {
            "field": {"type": "string"}, "problem": {"type": "string"},
            # rule-text problems (/rules, /rules/check, /rules/backtest) also say where in the text
            "message": {"type": "string"}, "line": {"type": ["integer", "null"]}, "column": {"type": ["integer", "null"]},
            "path": {"type": "string"}, "suggestion": {"type": ["string", "null"]},
        }}},
    },
    "required": ["error", "message"],
}  # fmt: skip


def build() -> dict[str, Any]:
    components: dict[str, Any] = {"Error": _ERROR}
    paths: dict[str, dict[str, Any]] = {}
    for method, path, summary, model, tag in _PATHS:
        op: dict[str, Any] = {
            "summary": summary,
            "tags": [tag],
            "responses": _responses(method, path),
        }
        if path.startswith("/api/"):
            op["security"] = [{"apiKey": []}, {"bearer": []}]
        if "{id}" in path:
            op["parameters"] = [{"name": "id", "in": "path", "required": True, "schema": _ID}]
        if method == "get" and path == "/api/v1/requests":
            op["parameters"] = [{"name": n, "in": "query", "required": False, "description": d,
                                 "schema": _PARAM_SCHEMAS.get(n, {"type": "string"})} for n, d in _LIST_PARAMS]  # fmt: skip
        op["parameters"] = op.get("parameters", []) + _QUERY.get((method, path), [])
        if not op["parameters"]:
            del op["parameters"]
        if model is not None:
            schema = s.schema_of(model)
            for name, sub in schema.pop("$defs", {}).items():
                components[name] = sub
            components[model.__name__] = schema
            op["requestBody"] = {"required": (method, path) not in _OPTIONAL_BODY, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}}
        paths.setdefault(path, {})[method] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "Talep Hub API", "version": "1", "description": "Omnichannel intake and routing hub for municipalities."},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                "bearer": {"type": "http", "scheme": "bearer"},
            },
        },
    }
