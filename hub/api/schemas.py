"""Input shapes for the API. Unknown fields are refused, text is bounded."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema

from hub.api.inputs import DbId, IsoDateTime
from hub.email_address import MAX_LENGTH as MAX_EMAIL
from hub.email_address import check_email
from hub.models import CHANNELS, PRIORITIES, REQUEST_TYPES

MAX_TEXT = 20_000
Channel = Literal[CHANNELS]  # type: ignore[valid-type]
RequestType = Literal[REQUEST_TYPES]  # type: ignore[valid-type]
Priority = Literal[PRIORITIES]  # type: ignore[valid-type]
Outcome = Literal["olumlu", "olumsuz"]
Short = Annotated[str, StringConstraints(max_length=300)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT)]
# The schema says what the check takes (an address of at most 254 characters, as EmailStr did),
# so a client generating schema-valid input is not refused.
Email = Annotated[str, StringConstraints(max_length=MAX_EMAIL), AfterValidator(check_email),
                  WithJsonSchema({"type": "string", "format": "email", "maxLength": MAX_EMAIL})]  # fmt: skip


class Strict(BaseModel):
    # strict: JSON false is no number and 0 no boolean, as the OpenAPI document says
    model_config = ConfigDict(extra="forbid", strict=True)


class ContactIn(Strict):
    name: Short | None = None
    phone: Annotated[str, StringConstraints(max_length=40)] | None = None
    email: Email | None = None
    kind: Literal["citizen", "muhtar", "institution"] = "citizen"


class LocationIn(Strict):
    ilce: Short | None = None
    mahalle: Short | None = None
    address: Annotated[str, StringConstraints(max_length=1000)] | None = None
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)


class CreateRequestIn(Strict):
    text: Text
    subject: Short | None = None
    channel: Channel = "api"
    external_id: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    request_type: RequestType | None = None
    received_at: IsoDateTime | None = None
    contact: ContactIn | None = None
    location: LocationIn | None = None


class UpdateRequestIn(Strict):
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"minProperties": 1})  # {}: 400

    subject: Short | None = None
    request_type: RequestType | None = None
    topic: Annotated[str, StringConstraints(max_length=60)] | None = None
    ilce: Short | None = None
    mahalle: Short | None = None
    address: Annotated[str, StringConstraints(max_length=1000)] | None = None
    # these columns have no "empty": null is refused, leaving one out changes nothing
    priority: Priority = None  # type: ignore[assignment]
    tags: list[Annotated[str, StringConstraints(max_length=60)]] = Field(None, max_length=50)  # type: ignore[assignment]
    status: Literal["triaged", "in_progress", "needs_review", "rejected", "out_of_scope"] = None  # type: ignore[assignment]
    department: Annotated[str, StringConstraints(max_length=60)] | None = None
    needs_review: bool = None  # type: ignore[assignment]


class AssignIn(Strict):
    assignee_id: DbId | None


class ForwardIn(Strict):
    department: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    co_departments: list[Annotated[str, StringConstraints(max_length=60)]] = Field(default_factory=list, max_length=20)
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None


class ReplyIn(Strict):
    text: Text
    outcome: Outcome | None = None
    outcome_reason: Annotated[str, StringConstraints(max_length=2000)] | None = None
    close: bool = False
    internal: bool = False


class EraseIn(Strict):
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500, strip_whitespace=True)]


class CloseIn(Strict):
    outcome: Outcome
    reason: Annotated[str, StringConstraints(max_length=2000)] | None = None


class MergeIn(Strict):
    into: DbId | Annotated[str, StringConstraints(max_length=40)]


class WaitIn(Strict):
    question: Annotated[str, StringConstraints(max_length=MAX_TEXT)] | None = None


Comment = Annotated[str, StringConstraints(max_length=2000)]


class RulesIn(Strict):
    text: Annotated[str, StringConstraints(min_length=1, max_length=2_000_000)]
    author: Short | None = None
    comment: Comment | None = None  # why the rules change; stored with the activated version


class RulesActivateIn(Strict):
    comment: Comment | None = None


class BacktestIn(Strict):
    text: Annotated[str, StringConstraints(min_length=1, max_length=2_000_000)]
    since_days: int | None = Field(None, ge=1, le=3660)
    limit: int = Field(200_000, ge=1, le=2_000_000)


def schema_of(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema(ref_template="#/components/schemas/{model}")


class FilterIn(Strict):
    name: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    condition: dict[str, Any] | list[Any]


class MergeContactIn(Strict):
    into: DbId
