"""Persistent domain: typed SQLAlchemy models, portable between SQLite and PostgreSQL."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from server.languages import LANGUAGES


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Stores UTC, returns aware UTC datetimes on every database."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class Role(enum.StrEnum):
    ADMIN = "admin"
    MODERATOR = "moderator"
    SPEAKER = "speaker"
    DELEGATE = "delegate"


class OrganisationKind(enum.StrEnum):
    CSO = "cso"
    NHRI = "nhri"
    COALITION = "coalition"


class Scope(enum.StrEnum):
    NATIONAL = "national"
    INTERNATIONAL = "international"


class Consent(enum.StrEnum):
    """Whether a statement may be published after the session."""

    PUBLIC = "public"
    PARTICIPANTS = "participants"  # only to the session's participants
    NONE = "none"


class Decision(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    WAITLISTED = "waitlisted"
    REJECTED = "rejected"


class Phase(enum.StrEnum):
    SCHEDULED = "scheduled"
    SCREENING = "screening"
    QA = "qa"
    CLOSED = "closed"


class StatementState(enum.StrEnum):
    AWAITING_UPLOAD = "awaiting_upload"
    UPLOADING = "uploading"
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


class QuestionStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    ON_AIR = "on_air"
    ANSWERED = "answered"
    WITHDRAWN = "withdrawn"


class Review(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


def _enum(cls: type[enum.StrEnum], name: str) -> sa.Enum:
    return sa.Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=24,
        values_callable=lambda members: [member.value for member in members],
    )


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012 (SQLAlchemy reads it as is)


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    timezone: Mapped[str] = mapped_column(sa.String(64))
    application_deadline: Mapped[datetime | None]
    statement_deadline: Mapped[datetime | None]
    max_statement_seconds: Mapped[int] = mapped_column(default=300)
    # The event's languages: by default the six official languages of the United Nations.
    languages: Mapped[list[str]] = mapped_column(sa.JSON, default=lambda: list(LANGUAGES))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    sessions: Mapped[list[CountrySession]] = relationship(
        back_populates="event", order_by="CountrySession.starts_at"
    )


class Mission(Base):
    """The permanent mission of a State, identified by its ISO 3166-1 alpha-2 code."""

    __tablename__ = "missions"

    id: Mapped[int] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(sa.String(2), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(_enum(OrganisationKind, "organisation_kind"))
    country: Mapped[str | None] = mapped_column(sa.String(2))
    scope: Mapped[Scope | None] = mapped_column(_enum(Scope, "scope"))


class CountrySession(Base):
    """The pre-session on one State under Review: screening, then questions."""

    __tablename__ = "country_sessions"
    __table_args__ = (sa.UniqueConstraint("event_id", "country"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    country: Mapped[str] = mapped_column(sa.String(2))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    phase: Mapped[Phase] = mapped_column(_enum(Phase, "phase"), default=Phase.SCHEDULED)
    # Every change in the live room takes the next version (see docs/live-room.md).
    version: Mapped[int] = mapped_column(default=0)
    # The last version that speakers and delegates were sent.
    public_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # Questions asked so far: the next question's number is one more.
    questions_asked: Mapped[int] = mapped_column(default=0, server_default="0")
    max_speakers: Mapped[int] = mapped_column(default=6)
    # The room's player: which statement, where in it, playing or not, as of when.
    screening_item: Mapped[int | None]  # a statement id (no foreign key: it would be a cycle)
    screening_position: Mapped[float] = mapped_column(default=0.0, server_default="0")
    screening_playing: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    screening_updated_at: Mapped[datetime | None]
    # The live stage (docs/stage.md): live or not, the floor, and what Janus last showed.
    stage_live: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    stage_floor_mission_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("missions.id", ondelete="SET NULL")
    )
    stage_floor_video: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    stage_floor_question_id: Mapped[int | None]  # no foreign key: it would be a cycle
    # {"on_stage": [...], "muted": [person ids], "reachable": bool}
    stage_state: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON(none_as_null=True))

    event: Mapped[Event] = relationship(back_populates="sessions")
    statements: Mapped[list[Statement]] = relationship(
        back_populates="country_session", order_by="Statement.position"
    )


class Person(Base):
    __tablename__ = "people"
    __table_args__ = (
        sa.CheckConstraint(
            "(role != 'speaker' OR organisation_id IS NOT NULL)"
            " AND (role != 'delegate' OR mission_id IS NOT NULL)",
            name="person_belongs",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"))
    mission_id: Mapped[int | None] = mapped_column(sa.ForeignKey("missions.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation | None] = relationship()
    mission: Mapped[Mission | None] = relationship()


class SessionAccess(Base):
    """Which country sessions a speaker or delegate may enter (moderators enter all)."""

    __tablename__ = "session_access"

    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    country_session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("country_sessions.id", ondelete="CASCADE"), primary_key=True
    )


class Statement(Base):
    """An organisation's slot in a session's playlist, and later its recording."""

    __tablename__ = "statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    country_session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("country_sessions.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    speaker_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))
    title: Mapped[str] = mapped_column(sa.String(300), default="")
    language: Mapped[str] = mapped_column(sa.String(8), default="en")
    position: Mapped[int]
    state: Mapped[StatementState] = mapped_column(
        _enum(StatementState, "statement_state"), default=StatementState.AWAITING_UPLOAD
    )
    review: Mapped[Review] = mapped_column(_enum(Review, "review"), default=Review.PENDING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The speaker's choices: publication after the session, and their name or only the
    # organisation's. The safest is the default.
    publication: Mapped[Consent] = mapped_column(
        _enum(Consent, "consent"), default=Consent.NONE, server_default=Consent.NONE.value
    )
    show_speaker_name: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # May the speaker's live answers on the stage be recorded (the Q&A recording)? No by default.
    record_live: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # An extension of the event's statement deadline for this speaker only.
    deadline: Mapped[datetime | None]
    # The latest upload's processing: 0..1, saved about once a second while it runs.
    progress: Mapped[float] = mapped_column(default=0.0)
    # Why the latest upload was refused or failed: {"code", "message"} (and "detail" for
    # moderators: the tool's stderr). The previous recording, if any, stays on screen.
    error: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON(none_as_null=True))
    # Each upload takes the next version; its renditions live under media/statements/ID/vN.
    version: Mapped[int] = mapped_column(default=0)
    # The latest ready recording, and the one a moderator approved (what the playlist shows).
    # none_as_null: None is SQL NULL (not JSON null), so "IS NULL" means "none".
    media: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON(none_as_null=True))
    approved_media: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON(none_as_null=True))
    review_reason: Mapped[str | None] = mapped_column(sa.String(2000))
    # Caption languages uploaded, e.g. ["en", "fr"]; files under media/statements/ID/captions.
    captions: Mapped[list[str]] = mapped_column(sa.JSON, default=list)

    country_session: Mapped[CountrySession] = relationship(back_populates="statements")
    organisation: Mapped[Organisation] = relationship()
    speaker: Mapped[Person | None] = relationship()


class QaRecordingState(enum.StrEnum):
    RECORDING = "recording"  # the stage is being recorded (the session is not closed yet)
    PROCESSING = "processing"  # the session closed: the pieces are being put together
    READY = "ready"
    EMPTY = "empty"  # nobody who may be recorded spoke on the stage
    FAILED = "failed"


class QaRecording(Base):
    """The recording of a session's live stage, made from the pieces Janus wrote (one per
    publication of each person who may be recorded), then put through the media pipeline."""

    __tablename__ = "qa_recordings"

    id: Mapped[int] = mapped_column(primary_key=True)
    country_session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("country_sessions.id", ondelete="CASCADE"), unique=True
    )
    state: Mapped[QaRecordingState] = mapped_column(
        _enum(QaRecordingState, "qa_recording_state"), default=QaRecordingState.RECORDING
    )
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    # What the pipeline made (as a statement's `media`), and who is in it with their times.
    media: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON(none_as_null=True))
    pieces: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    error: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON(none_as_null=True))
    finished_at: Mapped[datetime | None]


class Invitation(Base):
    """A signed, expiring link that signs its person in; revocable."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    country_session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("country_sessions.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship()


class Login(Base):
    """A signed-in browser or client; the bearer token is stored only as its SHA-256."""

    __tablename__ = "logins"

    token_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]

    person: Mapped[Person] = relationship()


class Question(Base):
    """A delegate's question to one organisation on the panel, or to the whole panel."""

    __tablename__ = "questions"
    __table_args__ = (
        sa.UniqueConstraint("author_id", "client_id", name="question_idempotency"),
        sa.UniqueConstraint("country_session_id", "number", name="question_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    country_session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("country_sessions.id", ondelete="CASCADE"), index=True
    )
    # The order in which questions were asked in this session: 1, 2, 3 … without gaps.
    number: Mapped[int]
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"))
    mission_id: Mapped[int] = mapped_column(sa.ForeignKey("missions.id"))
    to_statement_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("statements.id", ondelete="SET NULL")
    )
    client_id: Mapped[str] = mapped_column(sa.String(64))
    text: Mapped[str] = mapped_column(sa.Text)
    original_text: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[QuestionStatus] = mapped_column(
        _enum(QuestionStatus, "question_status"), default=QuestionStatus.PENDING
    )
    # Place in the approved queue (1 = next); None when not queued.
    position: Mapped[int | None]
    # Round-robin round: how many of this mission's questions were approved before it.
    round: Mapped[int] = mapped_column(default=0)
    rejection_reason: Mapped[str | None] = mapped_column(sa.Text)
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_at: Mapped[datetime | None]
    edited_at: Mapped[datetime | None]
    on_air_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    rejected_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]

    author: Mapped[Person] = relationship()
    mission: Mapped[Mission] = relationship()
    to_statement: Mapped[Statement | None] = relationship()
    answers: Mapped[list[WrittenAnswer]] = relationship(order_by="WrittenAnswer.id")


class WrittenAnswer(Base):
    """A speaker's written answer; one per organisation and question, editable."""

    __tablename__ = "written_answers"
    __table_args__ = (sa.UniqueConstraint("question_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("questions.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    speaker_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"))
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()


class SessionUpdate(Base):
    """The live room's journal: one row per version, written with the change it records."""

    __tablename__ = "session_updates"
    __table_args__ = (sa.UniqueConstraint("country_session_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    country_session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("country_sessions.id", ondelete="CASCADE")
    )
    version: Mapped[int]
    # The public version before this one; None when speakers and delegates do not see it.
    public_previous: Mapped[int | None]
    kind: Mapped[str] = mapped_column(sa.String(32))
    # The change as moderators see it; other audiences get a filtered view of it.
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Attendance(Base):
    """One connection's stay in a session's room: for presence and the session record."""

    __tablename__ = "attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    country_session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("country_sessions.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    connection: Mapped[str] = mapped_column(sa.String(64))
    # The server process holding the connection (several share a room through Redis).
    process: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    left_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship()


class ServerProcess(Base):
    """A running server process: it says so every few seconds, so that the stays of one that
    stopped without closing them (a crash) can be closed by the others."""

    __tablename__ = "server_processes"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class Upload(Base):
    """A tus upload: its bytes are in `uploads_dir/ID`; the client's filename is metadata."""

    __tablename__ = "uploads"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    statement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("statements.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    length: Mapped[int] = mapped_column(sa.BigInteger)
    offset: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    filename: Mapped[str | None] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]


class Job(Base):
    """A durable unit of background work: run until done, again after a crash or a stop."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    statement_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("statements.id", ondelete="CASCADE"), index=True
    )
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    state: Mapped[JobState] = mapped_column(
        _enum(JobState, "job_state"), default=JobState.QUEUED, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    run_after: Mapped[datetime] = mapped_column(default=utcnow)
    heartbeat_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class Application(Base):
    """An organisation's application to speak in one or more country sessions of an event."""

    __tablename__ = "applications"
    __table_args__ = (sa.UniqueConstraint("event_id", "client_id", name="application_idempotency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    # The applicant's page's key for this application: sent again (a retry after a lost
    # answer, a reload), it finds the application already recorded instead of a second one.
    client_id: Mapped[str | None] = mapped_column(sa.String(64))
    organisation_name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[OrganisationKind] = mapped_column(_enum(OrganisationKind, "organisation_kind"))
    scope: Mapped[Scope] = mapped_column(_enum(Scope, "scope"))
    organisation_country: Mapped[str | None] = mapped_column(sa.String(2))
    contact_name: Mapped[str] = mapped_column(sa.String(200))
    contact_email: Mapped[str] = mapped_column(sa.String(320))
    language: Mapped[str] = mapped_column(sa.String(8))
    summary: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    choices: Mapped[list[ApplicationChoice]] = relationship(
        back_populates="application", order_by="ApplicationChoice.country_session_id"
    )


class ApplicationChoice(Base):
    """One session an application asks for, and the organisers' decision on it."""

    __tablename__ = "application_sessions"

    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True
    )
    country_session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("country_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    decision: Mapped[Decision] = mapped_column(
        _enum(Decision, "decision"), default=Decision.PENDING
    )
    message: Mapped[str | None] = mapped_column(sa.Text)
    decided_at: Mapped[datetime | None]
    statement_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("statements.id", ondelete="SET NULL")
    )

    application: Mapped[Application] = relationship(back_populates="choices")


class Recommendation(Base):
    """A recommendation a speaker asks States to make to the State under Review, beside their
    statement (docs/architecture.md, "Recommendations")."""

    __tablename__ = "recommendations"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("statements.id", ondelete="CASCADE"), index=True
    )
    # 1, 2, 3 … in the speaker's order.
    position: Mapped[int]
    text: Mapped[str] = mapped_column(sa.Text)
    # One of `server.recommendations.themes.THEMES`.
    theme: Mapped[str] = mapped_column(sa.String(40))
    # A recommendation of the previous cycle it follows up, as the UPR numbers them: "115.23".
    previous: Mapped[str | None] = mapped_column(sa.String(40))
    # False once the speaker took it off their draft: kept, with its marks, while it is on the
    # approved list, and removed when the statement is next approved.
    in_draft: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # The item as a moderator last approved it, which is what delegates, speakers' counts, the
    # record and the figures show; `approved_text` is None when it is on no approved list.
    approved_position: Mapped[int | None]
    approved_text: Mapped[str | None] = mapped_column(sa.Text)
    approved_theme: Mapped[str | None] = mapped_column(sa.String(40))
    approved_previous: Mapped[str | None] = mapped_column(sa.String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    statement: Mapped[Statement] = relationship()
    intents: Mapped[list[RecommendationIntent]] = relationship(
        back_populates="recommendation", cascade="all, delete-orphan", passive_deletes=True
    )


class RecommendationIntent(Base):
    """A mission's word that it intends to raise a recommendation at the review: one per
    mission, whichever of its delegates marked it."""

    __tablename__ = "recommendation_intents"

    recommendation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("recommendations.id", ondelete="CASCADE"), primary_key=True
    )
    mission_id: Mapped[int] = mapped_column(
        sa.ForeignKey("missions.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    marked_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("people.id", ondelete="SET NULL")
    )
    marked_at: Mapped[datetime] = mapped_column(default=utcnow)

    recommendation: Mapped[Recommendation] = relationship(back_populates="intents")
    mission: Mapped[Mission] = relationship()
