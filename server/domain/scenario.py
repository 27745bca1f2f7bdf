"""The scenario definition: seats, institutions, decision rules, injects and expectations.

A scenario is data (a YAML file in `exercises/`, or a JSON definition posted by a facilitator).
This module is its validated shape; `scenario_checks.py` adds the cross-reference checks and
`server.scenarios` loads files with line numbers. The model is recorded whole in the first event
of every exercise, so a replay never depends on a file that changed later.

The engine knows no alliance, charter or company. What a seat may do, which body decides what, who
is told of what and the words players read are all declared here by the scenario:

- `seat_kinds` and `statuses`: kinds of seat (state, office, department, ...) and membership
  statuses (member, observer state, partial participant, ...), each with its `powers`;
- `bodies`: forums with members, a chair, and who proposes, convenes and closes votes in them;
- `decision_kinds`: the bodies competent for each kind, who implements it, its effect on
  membership, what must have happened before it can be proposed;
- `recipients`: the outside bodies seats notify (and who may, through powers);
- `aliases`: the pack's own names for generic moves and the events they record;
- `membership`: the withdrawal notice period; `words`: labels, references and milestones.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Callable, Literal, Mapping, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

SEAT_ID = r"^[A-Za-z][A-Za-z0-9_\-]{0,31}$"
BODY_ID = r"^[A-Za-z][A-Za-z0-9_\-]{0,31}$"
SLUG = r"^[a-z0-9][a-z0-9_\-]{0,63}$"
KIND_ID = r"^[a-z][a-z0-9_]{0,39}$"
EVENT_NAME = r"^[a-z]+(_[a-z]+)*$"
RESERVED_SEATS = frozenset({"facilitator", "observer", "system"})
_OFFSET = re.compile(r"^(\d{1,3}):([0-5]\d)(?::([0-5]\d))?$")

RuleName = Literal["consensus", "unanimity", "simple_majority", "qualified_majority", "single_authority", "weighted",
                   "silence_procedure"]

Text = Annotated[str, Field(max_length=20_000)]
ShortText = Annotated[str, Field(min_length=1, max_length=300)]
Reference = Annotated[str, Field(max_length=200)]

# The languages a scenario may write its texts in (the engine speaks `en`).
LANGUAGES: tuple[str, ...] = ("en", "ru")
Lang = Literal["en", "ru"]


def _with_english(texts: dict[str, str]) -> dict[str, str]:
    if "en" not in texts:
        raise ValueError("a text in several languages gives its English (`en`) too: the engine speaks it")
    return texts


# A text only some seats read (a briefing, an inject), in one language or several: it stays where it
# is written, so it goes wherever the text goes (into the event that delivers an inject) and is seen
# by whom that is seen by; `in_language` picks the reader's.
Texts = Union[Text, Annotated[dict[Lang, Text], AfterValidator(_with_english)]]
References = Union[Reference, Annotated[dict[Lang, Reference], AfterValidator(_with_english)]]
ShortTexts = Union[ShortText, Annotated[dict[Lang, ShortText], AfterValidator(_with_english)]]


def in_language(text: Any, lang: str = "en") -> str:
    """A text as a reader of `lang` reads it: a plain string as it is; of a language map (`{en: ...,
    ru: ...}`) the text in `lang`, else the English, else any."""
    if isinstance(text, Mapping):
        found = text.get(lang) or text.get("en")
        return str(found) if found else next((str(v) for v in text.values() if v), "")
    return "" if text is None else str(text)


def parse_offset(value: str) -> float:
    """`"01:30"` (hours:minutes) or `"01:30:15"` -> seconds of exercise time."""
    m = _OFFSET.match(value.strip())
    if not m:
        raise ValueError(f"{value!r} is not an exercise-time offset like \"00:15\" or \"01:30:00\"")
    hours, minutes, seconds = int(m[1]), int(m[2]), int(m[3] or 0)
    return float(hours * 3600 + minutes * 60 + seconds)


def format_offset(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}" + (f":{s % 60:02d}" if s % 60 else "")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- institutions ------------------------------------------------------------------------------

class Grant(_Model):
    """One power: a move the seat may make, optionally limited. Written as the move's name alone
    (`report_threat`) or as an object (`{move: respond_to_assistance, kinds: [border_troops]}`).
    `all` grants every move that needs a power."""

    move: Annotated[str, Field(pattern=r"^[a-z][a-z_]*$", max_length=60)]
    kinds: list[Annotated[str, Field(pattern=KIND_ID)]] | None = Field(
        default=None, description="only these kinds: of threat (report_threat) or of assistance (request and respond)")
    to: list[Annotated[str, Field(pattern=BODY_ID)]] | None = Field(default=None, description="notify: only these recipients")
    asked: bool = Field(default=True, description="respond_to_assistance: asked to answer every request it may answer "
                                                  "(false: may volunteer a pledge, is not awaited)")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"move": value} if isinstance(value, str) else value


Consulted = Literal["always", "all", "region", "invited"]


class SeatKind(_Model):
    """A kind of seat (state, office, department, ...). Its powers go to every seat of the kind."""

    id: str = Field(pattern=KIND_ID)
    name: ShortText
    member: bool = Field(default=False, description="seats of this kind without a status count as members")
    consulted: Consulted = Field(default="all", description="whether the seat is in consultations called with everyone: "
                                 "`always` (regional ones too), `all` (regional ones only in its region), `region` (only "
                                 "regional ones of its region), `invited` (only when invited by name)")
    powers: list[Grant] = Field(default_factory=list)
    description: Text = ""


class Status(_Model):
    """A membership status (member, applicant, partial participant, ...) and its powers."""

    id: str = Field(pattern=KIND_ID)
    name: ShortText
    member: bool = Field(default=False, description="a member: in bodies of `all_members`, asked and counted")
    consulted: Consulted = "all"
    powers: list[Grant] = Field(default_factory=list)
    description: Text = ""


class Seat(_Model):
    id: str = Field(pattern=SEAT_ID, description="letters, digits, `_` and `-`; ISO 3166-1 alpha-3 for states")
    name: ShortText
    kind: str = Field(pattern=KIND_ID, description="one of the scenario's `seat_kinds`")
    status: str | None = Field(default=None, pattern=KIND_ID, description="one of the scenario's `statuses`, if the seat has one")
    head: str | None = Field(default=None, max_length=200, description="who speaks for the seat, e.g. the head of state")
    powers: list[Grant] = Field(default_factory=list, description="powers of this seat beyond its kind's and status's")
    revoke: list[Annotated[str, Field(pattern=r"^[a-z][a-z_]*$")]] = Field(
        default_factory=list, description="moves this seat may not make although its kind or status grants them")
    briefing: Texts = Field(default="", description="what only this seat (and the staff) reads; in one language or several")


BodyRole = Annotated[str, Field(pattern=SEAT_ID, description="`members`, `chair`, or a seat id")]


class BodyWho(_Model):
    """Who may do what in a body: `members` (its voting members), `chair`, or seat ids."""

    propose_decision: list[BodyRole] = Field(default_factory=lambda: ["members"])
    convene_session: list[BodyRole] = Field(default_factory=lambda: ["chair"])
    close_vote: list[BodyRole] = Field(default_factory=lambda: ["chair"])


class Body(_Model):
    id: str = Field(pattern=BODY_ID)
    name: ShortText
    members: Union[Literal["all_members"], list[str]] = Field(
        description="`all_members` (every seat whose status is a member status, including ones admitted later) or a list of seats")
    chair: str | None = None
    who: BodyWho = Field(default_factory=BodyWho)
    description: Text = ""


class Region(_Model):
    id: str = Field(pattern=SLUG)
    name: ShortText
    members: list[str]
    description: Text = ""


class EventPattern(BaseModel):
    """`{event: decision_adopted, kind: use_of_armed_forces}`: an event type plus data fields."""

    model_config = ConfigDict(extra="allow", frozen=True)
    event: str = Field(pattern=EVENT_NAME)

    def fields(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class Requirement(_Model):
    """Something that must have happened before a decision of a kind may be proposed: any one of
    `any_of` (an inject id, delivered; or an event pattern, recorded)."""

    any_of: list[Union[str, EventPattern]] = Field(min_length=1)
    message: ShortTexts = Field(description="what a proposer is told while none has happened; in one language or several")


class Effect(_Model):
    """What an adopted decision does to membership: `admit` gives the seat that applied (the
    decision's subject) `status`; `suspend` gives a member `status`."""

    change: Literal["admit", "suspend"]
    status: str = Field(pattern=KIND_ID)


class DecisionKind(_Model):
    id: str = Field(pattern=KIND_ID)
    name: ShortText
    reference: Reference | None = None
    description: Text = ""
    bodies: list[str] | None = Field(default=None, description="the bodies competent to decide it (default: every body)")
    implemented_by: Union[Literal["voters", "nobody"], list[str]] = Field(
        default="voters", description="who records implementation once adopted: each eligible voter with the power, nobody, or these seats")
    effect: Effect | None = None
    requires: list[Requirement] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"id": value, "name": value.replace("_", " ")} if isinstance(value, str) else value


class Kind(_Model):
    """A kind of threat or of assistance: an id and what players read."""

    id: str = Field(pattern=KIND_ID)
    name: ShortText

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"id": value, "name": value.replace("_", " ")} if isinstance(value, str) else value


class Recipient(_Model):
    """An outside body that seats notify (an international organ, a regulator, the press). Who may notify it
    is a power: `{move: notify, to: [its id]}`."""

    id: str = Field(pattern=BODY_ID)
    name: ShortText
    description: Text = ""


class Alias(_Model):
    """The pack's own name for a generic move and the event it records: `command` means the
    command `means` (its type and fixed fields), and the event that records it is named `records`
    (whichever name the move was sent under)."""

    command: str = Field(pattern=r"^[a-z][a-z_]*$", max_length=60)
    means: dict[str, Any]
    records: str = Field(pattern=EVENT_NAME)

    @field_validator("means")
    @classmethod
    def _has_type(cls, v: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(v.get("type"), str):
            raise ValueError("`means` names the generic command: {type: notify, recipient: ...}")
        return v


class Withdrawal(_Model):
    notice: str = Field(description="notice period in exercise time, e.g. \"00:30\"")
    status: str = Field(pattern=KIND_ID, description="the status a seat has once withdrawn")

    @field_validator("notice")
    @classmethod
    def _offset(cls, v: str) -> str:
        parse_offset(v)
        return v


class MembershipRules(_Model):
    withdrawal: Withdrawal | None = Field(default=None, description="members may give notice of withdrawal (default: they cannot)")


class MoveWords(_Model):
    label: ShortText | None = None
    reference: Reference | None = None
    help: Text | None = None


class Milestone(_Model):
    """A step of an inject's response chain in the report: the first matching move after it."""

    id: str = Field(pattern=SLUG)
    name: ShortText
    event: EventPattern


class Words(_Model):
    """What players and reviewers read, beyond names: move labels with their references, and terms
    such as what a member is called. Neutral defaults fill what a scenario leaves out."""

    moves: dict[str, MoveWords] = Field(default_factory=dict)
    terms: dict[str, ShortText] = Field(default_factory=dict)
    votes: dict[Literal["for", "against", "abstain"], ShortText] = Field(
        default_factory=dict, description="what the three votes are called (a council that does not vote may "
                                          "say join, object, stand aside)")


# --- rules ---------------------------------------------------------------------------------------

class RuleSpec(_Model):
    """A decision rule; docs/RULES.md is its exact definition. `quorum` is the share of the eligible
    voters who must take part (cast any vote); `threshold` the share needed of the `base`."""

    rule: RuleName
    quorum: float = Field(default=0.5, ge=0, le=1)
    threshold: float | None = Field(default=None, gt=0, le=1, description="qualified_majority, weighted: the share needed")
    base: Literal["members", "votes_cast"] = Field(default="members", description="what the majority is counted over: all "
                                                   "eligible voters, or the votes cast")
    abstentions: Literal["count", "ignore"] = Field(default="count", description="with base votes_cast: whether abstentions "
                                                    "are counted among the votes cast")
    abstention_blocks: bool = False
    authority: str | None = Field(default=None, pattern=SEAT_ID, description="single_authority: the seat that decides")
    weights: dict[str, float] | None = Field(default=None, description="weighted: weight per seat (unlisted seats weigh 1)")
    member_share: float | None = Field(default=None, gt=0, le=1, description="weighted: also this share of the members (a "
                                       "double majority)")
    deadline_minutes: int | None = Field(default=None, ge=1, le=7 * 24 * 60)
    recuse_parties: bool = Field(default=False, description="the seats named `against` in the threat a decision refers to do not vote")

    @model_validator(mode="after")
    def _rule_fields(self) -> "RuleSpec":
        needs_threshold = self.rule in ("qualified_majority", "weighted")
        if needs_threshold and self.threshold is None:
            raise ValueError(f"{self.rule} needs a threshold, e.g. 0.67")
        if not needs_threshold and self.threshold is not None:
            raise ValueError(f"threshold applies to qualified_majority and weighted, not {self.rule}")
        if self.rule == "single_authority" and self.authority is None:
            raise ValueError("single_authority needs the authority: the seat that decides")
        if self.rule != "single_authority" and self.authority is not None:
            raise ValueError(f"authority applies only to single_authority, not {self.rule}")
        if self.rule != "weighted" and (self.weights is not None or self.member_share is not None):
            raise ValueError(f"weights and member_share apply only to weighted, not {self.rule}")
        if self.weights is not None and any(w < 0 for w in self.weights.values()):
            raise ValueError("weights are 0 or more")
        if self.base == "votes_cast" and self.rule not in ("simple_majority", "qualified_majority", "weighted"):
            raise ValueError(f"base applies to majorities and weighted rules, not {self.rule}")
        if self.rule == "silence_procedure" and self.deadline_minutes is None:
            raise ValueError("silence_procedure needs deadline_minutes: silence is only consent when time runs out")
        return self


class RuleBinding(RuleSpec):
    """Which rule applies where: `body` and `kind` may be `"*"`. The most specific binding wins:
    body and kind, then body, then kind, then the default."""

    body: str = "*"
    kind: str = "*"


# --- injects and expectations ---------------------------------------------------------------------

class UnlessTrigger(_Model):
    """Fire when `event` has not happened within `within` after the anchor (an inject id or an event)."""

    event: str = Field(pattern=EVENT_NAME)
    within: str
    after: Union[str, EventPattern]
    match: dict[str, Any] = Field(default_factory=dict)

    @field_validator("within")
    @classmethod
    def _offset(cls, v: str) -> str:
        parse_offset(v)
        return v


class Inject(_Model):
    id: str = Field(pattern=SLUG)
    title: ShortTexts = Field(description="in one language or several (`{en: ..., ru: ...}`): delivered as written")
    body: Texts = ""
    to: Union[Literal["all"], list[str]] = "all"
    at: str | None = Field(default=None, description="exercise-time offset, e.g. \"00:15\"")
    when: EventPattern | None = Field(default=None, description="deliver when a matching event occurs")
    unless: UnlessTrigger | None = Field(default=None, description="deliver when an expected event did not occur in time")

    @field_validator("at")
    @classmethod
    def _offset(cls, v: str | None) -> str | None:
        if v is not None:
            parse_offset(v)
        return v

    @model_validator(mode="after")
    def _one_trigger(self) -> "Inject":
        given = [name for name in ("at", "when", "unless") if getattr(self, name) is not None]
        if len(given) > 1:
            raise ValueError(f"an inject has one trigger, not {' and '.join(given)}")
        return self

    @property
    def at_seconds(self) -> float | None:
        return parse_offset(self.at) if self.at is not None else None

    @property
    def trigger(self) -> str:
        if self.when is not None:
            return "when"
        if self.unless is not None:
            return "unless"
        return "scheduled" if self.at is not None else "manual"


class Expectation(_Model):
    """What the review checks: after an anchor, `expect` happens within `within`, by whom."""

    id: str = Field(pattern=SLUG)
    title: ShortTexts = Field(description="in one language or several (`{en: ..., ru: ...}`)")
    reference: References | None = Field(default=None, description="where the expectation comes from: an article, a clause, a policy")
    after: Union[str, EventPattern] = Field(description="an inject id, or an event pattern")
    expect: EventPattern
    within: str
    by: Union[Literal["any", "each_member", "each_other_member"], list[str]] = "any"
    correlate: str | None = Field(default=None, description="data field that must be equal in anchor and expected event")
    occurrences: Literal["first", "every"] = "first"

    @field_validator("within")
    @classmethod
    def _offset(cls, v: str) -> str:
        parse_offset(v)
        return v


class Settings(_Model):
    allow_actions_while_paused: bool = False


# --- the procedure lab: how simulated seats behave -------------------------------------------------

Chance = Annotated[float, Field(ge=0, le=1)]


class Delay(_Model):
    """A response time in exercise minutes, lognormal: half take less than `median`; `spread` is
    the standard deviation of its logarithm (0: always the median)."""

    median: float = Field(gt=0, le=7 * 24 * 60)
    spread: float = Field(default=0.5, ge=0, le=3)


class VoteChances(_Model):
    """The chances a seat votes for, against or abstains (they need not sum to 1: the rest is not
    voting at all)."""

    for_: Chance = Field(default=0.8, alias="for")
    against: Chance = 0.05
    abstain: Chance = 0.15

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _at_most_one(self) -> "VoteChances":
        if self.for_ + self.against + self.abstain > 1 + 1e-9:
            raise ValueError("the chances of for, against and abstain add up to more than 1")
        return self


class SeatStance(_Model):
    """One seat's leanings: its votes by kind of decision (`default` for the others), its chance to
    pledge when asked for assistance, to block a decision's implementation."""

    votes: dict[str, VoteChances] = Field(default_factory=dict, description="decision kind (or `default`) -> chances")
    pledge: Chance | None = None
    block_implementation: Chance | None = None


class Play(_Model):
    """A move the simulation makes: `seat` sends `move` a `delay` after `after` (an inject's delivery
    or the first event matching a pattern). A string `"$anchor.field"` in the move takes that field
    of the anchor event's data (the threat, request or decision it answers)."""

    id: str = Field(pattern=SLUG)
    seat: str
    after: Union[str, EventPattern]
    delay: Delay = Field(default_factory=lambda: Delay(median=10))
    move: dict[str, Any]
    rounds: int = Field(default=1, ge=1, le=10, description="a proposal that is not adopted is made again, up to this many times")

    @field_validator("move")
    @classmethod
    def _has_type(cls, v: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(v.get("type"), str):
            raise ValueError("a play's move is a command with its `type`")
        return v


class Stances(_Model):
    """How simulated seats play the scenario in the procedure lab (`ttx lab`)."""

    default: SeatStance = Field(default_factory=lambda: SeatStance(votes={"default": VoteChances()}, pledge=0.7,
                                                                  block_implementation=0.05))
    seats: dict[str, SeatStance] = Field(default_factory=dict)
    delays: dict[Literal["vote", "respond", "implement"], Delay] = Field(
        default_factory=lambda: {"vote": Delay(median=6), "respond": Delay(median=12), "implement": Delay(median=25)})
    plays: list[Play] = Field(default_factory=list, max_length=100)
    hours: float = Field(default=6, gt=0, le=24 * 7, description="exercise hours a simulated run lasts at most")


# --- the scenario --------------------------------------------------------------------------------

# The names every seat may read are written in several languages in place too, but read: the other
# languages' texts are kept in `Scenario.translations`; the fields themselves hold the English.
# the named entries whose `name` may be given in several languages, and their translation keys:
# names every seat may read (the view lists them all), never a briefing or an inject to some seats
_NAMED = {"seat_kinds": "seat_kind", "statuses": "status", "seats": "seat", "bodies": "body", "regions": "region",
          "decision_kinds": "decision_kind", "threat_kinds": "threat_kind", "assistance_kinds": "assistance_kind",
          "recipients": "recipient", "milestones": "milestone"}


Problem = Callable[[tuple[Any, ...], str], None]


def _one_language(value: Any, key: str, loc: tuple[Any, ...], found: dict[str, dict[str, Any]],
                  problem: Problem | None) -> Any:
    """`{en: "Tajikistan", ru: "Таджикистан"}` -> "Tajikistan", the others kept in `found[lang][key]`.
    A mapping that is not one is left as it is (the field then refuses it where it stands) and said
    to `problem`; anything else is returned as it is."""
    if not isinstance(value, dict):
        return value
    codes = set(value)
    if not codes <= set(LANGUAGES) or "en" not in codes or not all(isinstance(v, str) for v in value.values()):
        if problem:
            problem(loc, f"a text in several languages maps language codes ({', '.join(LANGUAGES)}) to texts, with `en` "
                         f"among them; got {', '.join(sorted(map(str, codes))) or 'nothing'}")
        return value
    for lang, text in value.items():
        if lang != "en":
            found.setdefault(lang, {})[key] = text
    return value["en"]


def split_languages(data: Any, problem: Problem | None = None) -> Any:
    """The scenario as written, with each text given in several languages put back to its English and
    the others gathered into `translations` (merged with any given there)."""
    if not isinstance(data, dict):
        return data
    out = dict(data)
    found: dict[str, dict[str, Any]] = {}
    for field in ("title", "summary"):
        if field in out:
            out[field] = _one_language(out[field], field, (field,), found, problem)
    for group, prefix in _NAMED.items():
        items = out.get(group)
        if not isinstance(items, list):
            continue
        fixed = []
        for i, item in enumerate(items):
            if isinstance(item, dict) and "name" in item and isinstance(item.get("id"), str):
                item = {**item, "name": _one_language(item["name"], f"{prefix}:{item['id']}", (group, i, "name"), found, problem)}
            if group == "decision_kinds" and isinstance(item, dict) and "reference" in item and isinstance(item.get("id"), str):
                item = {**item, "reference": _one_language(item["reference"], f"decision_kind_reference:{item['id']}",
                                                           (group, i, "reference"), found, problem)}
            # what every seat reads about an entry too: a seat's head, an entry's description
            for attr, key in (("head", f"{prefix}_head"), ("description", f"{prefix}_description")):
                if isinstance(item, dict) and attr in item and isinstance(item.get("id"), str):
                    item = {**item, attr: _one_language(item[attr], f"{key}:{item['id']}", (group, i, attr), found, problem)}
            fixed.append(item)
        out[group] = fixed
    words = out.get("words")
    if isinstance(words, dict):
        words = dict(words)
        for part, prefix in (("terms", "term"), ("votes", "vote")):
            if isinstance(words.get(part), dict):
                words[part] = {k: _one_language(v, f"{prefix}:{k}", ("words", part, k), found, problem)
                               for k, v in words[part].items()}
        if isinstance(words.get("moves"), dict):
            moves = {}
            for move, w in words["moves"].items():
                if isinstance(w, dict):
                    w = dict(w)
                    for attr, prefix in (("label", "move"), ("help", "move_help"), ("reference", "move_reference")):
                        if attr in w:
                            w[attr] = _one_language(w[attr], f"{prefix}:{move}", ("words", "moves", move, attr), found, problem)
                moves[move] = w
            words["moves"] = moves
        out["words"] = words
    if found:
        given = out.get("translations")
        merged: dict[str, Any] = {lang: dict(texts) for lang, texts in given.items()} if isinstance(given, dict) else {}
        for lang, texts in found.items():
            merged.setdefault(lang, {}).update(texts)
        out["translations"] = merged
    return out


class Scenario(_Model):
    id: str = Field(pattern=SLUG)
    title: ShortText
    summary: Text = ""
    start: datetime = Field(description="in-world date and time when the exercise clock reads 00:00, with its UTC offset")
    speed: float = Field(default=1.0, gt=0, le=1000, description="default clock speed")
    sources: list[str] = Field(default_factory=list, description="where the scenario's facts come from")

    seat_kinds: list[SeatKind] = Field(min_length=1, max_length=32)
    statuses: list[Status] = Field(default_factory=list, max_length=32)
    seats: list[Seat] = Field(min_length=1, max_length=64)
    bodies: list[Body] = Field(default_factory=list, max_length=32)
    regions: list[Region] = Field(default_factory=list, max_length=32)
    decision_kinds: list[DecisionKind] = Field(default_factory=lambda: [DecisionKind(id="general", name="Decision")], max_length=64)
    threat_kinds: list[Kind] = Field(default_factory=lambda: [Kind(id="threat", name="Threat")], min_length=1, max_length=32)
    assistance_kinds: list[Kind] = Field(default_factory=list, max_length=64)
    recipients: list[Recipient] = Field(default_factory=list, max_length=32)
    aliases: list[Alias] = Field(default_factory=list, max_length=32)
    membership: MembershipRules = Field(default_factory=MembershipRules)
    words: Words = Field(default_factory=Words)
    milestones: list[Milestone] | None = Field(default=None, max_length=20,
                                               description="the steps of each inject's response chain (default: the engine's)")
    rules: list[RuleBinding] = Field(default_factory=lambda: [RuleBinding(rule="consensus")], min_length=1)
    injects: list[Inject] = Field(default_factory=list, max_length=500)
    expectations: list[Expectation] = Field(default_factory=list, max_length=200)
    settings: Settings = Field(default_factory=Settings)
    stances: Stances | None = Field(default=None, description="how simulated seats play, for the procedure lab")
    translations: dict[Literal["ru"], dict[Annotated[str, Field(max_length=200)], Annotated[str, Field(min_length=1, max_length=20_000)]]] = Field(
        default_factory=dict, description="the names in other languages, by language and key (`seat:<id>`, "
        "`body:<id>`, `term:member`, `move:request_assistance`, ...): written in place as `name: {en: ..., ru: ...}`, "
        "gathered here when the scenario is read")

    @model_validator(mode="before")
    @classmethod
    def _languages(cls, value: Any) -> Any:
        return split_languages(value)

    @field_validator("start")
    @classmethod
    def _with_offset(cls, v: datetime) -> datetime:
        if v.tzinfo is None or v.utcoffset() is None:
            raise ValueError("give the start with its UTC offset, e.g. \"1995-06-12T09:00:00+05:00\"")
        return v

    # -- lookups ------------------------------------------------------------------------------

    def seat(self, seat_id: str) -> Seat | None:
        return next((s for s in self.seats if s.id == seat_id), None)

    def body(self, body_id: str) -> Body | None:
        return next((b for b in self.bodies if b.id == body_id), None)

    def region(self, region_id: str) -> Region | None:
        return next((r for r in self.regions if r.id == region_id), None)

    def inject(self, inject_id: str) -> Inject | None:
        return next((i for i in self.injects if i.id == inject_id), None)

    def seat_kind(self, kind_id: str) -> SeatKind | None:
        return next((k for k in self.seat_kinds if k.id == kind_id), None)

    def status(self, status_id: str | None) -> Status | None:
        return next((s for s in self.statuses if s.id == status_id), None) if status_id else None

    def decision_kind(self, kind_id: str) -> DecisionKind | None:
        return next((k for k in self.decision_kinds if k.id == kind_id), None)

    def recipient(self, recipient_id: str) -> Recipient | None:
        return next((r for r in self.recipients if r.id == recipient_id), None)

    def public_summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "summary": self.summary,
            "start": self.start.isoformat(),
            "seats": [{"seat": s.id, "name": s.name, "kind": s.kind, "status": s.status} for s in self.seats],
            "seat_kinds": [{"id": k.id, "name": k.name} for k in self.seat_kinds],
            "statuses": [{"id": s.id, "name": s.name, "member": s.member} for s in self.statuses],
        }


def scenario_seat_ids(sc: Scenario) -> set[str]:
    return {s.id for s in sc.seats}
