"""What each moderator action does to a question, inside one journalled write: a table keyed by
action, one small function each; and a speaker's written answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import select

from server.errors import Conflict, Forbidden
from server.identity.principal import Principal
from server.live.commands import Answer, Moderate
from server.live.journal import SessionWrite
from server.live.questions import Action, next_status
from server.live.queue import Queued, insertion_index, moved
from server.models import Phase, Question, QuestionStatus, Statement, WrittenAnswer

# (write, question, command, fifo) -> every question it changed, this one first
Moderation = Callable[[SessionWrite, Question, Moderate, bool], Awaitable[list[Question]]]


async def apply(
    write: SessionWrite, question: Question, command: Moderate, fifo: bool
) -> list[Question]:
    """Move the question on by `command.action`; every question changed, this one first."""
    status = next_status(question.status, command.action)
    changed = await MODERATIONS[command.action](write, question, command, fifo)
    question.status = status
    return changed


async def _approve(
    write: SessionWrite, question: Question, command: Moderate, fifo: bool
) -> list[Question]:
    # Neither read depends on this question's pending change (the round is set after the
    # first; the second is of questions approved already): no flush before them.
    with write.session.no_autoflush:
        question.round = await write.mission_round(question)
        queue = await write.queue()
    index = insertion_index(
        [Queued(item.id, item.round) for item in queue], question.round, fifo=fifo
    )
    queue.insert(index, question)
    write.renumber(queue)
    question.approved_at = write.now
    return [question]


async def _reject(
    write: SessionWrite, question: Question, command: Moderate, fifo: bool
) -> list[Question]:
    question.rejection_reason = command.reason
    question.rejected_at = write.now
    await write.leave_queue(question)
    return [question]


async def _on_air(
    write: SessionWrite, question: Question, command: Moderate, fifo: bool
) -> list[Question]:
    if write.country_session.phase is not Phase.QA:
        raise Conflict("Questions go on air in the Q&A phase.", code="not_in_qa")
    changed = [question]
    current = await write.session.scalar(
        select(Question).where(
            Question.country_session_id == question.country_session_id,
            Question.status == QuestionStatus.ON_AIR,
        )
    )
    if current is not None:
        current.status = next_status(current.status, Action.ANSWERED)
        current.answered_at = write.now
        changed.append(current)
    await write.leave_queue(question)
    question.on_air_at = write.now
    return changed


async def _answered(
    write: SessionWrite, question: Question, command: Moderate, fifo: bool
) -> list[Question]:
    question.answered_at = write.now
    return [question]


async def _move(
    write: SessionWrite, question: Question, command: Moderate, fifo: bool
) -> list[Question]:
    assert command.position is not None, "parse_moderate checked it"
    queue = await write.queue()
    order = moved([item.id for item in queue], question.id, command.position)
    by_id = {item.id: item for item in queue}
    write.renumber([by_id[item] for item in order])
    return [question]


async def _edit(
    write: SessionWrite, question: Question, command: Moderate, fifo: bool
) -> list[Question]:
    assert command.text is not None, "parse_moderate checked it"
    question.text = command.text
    question.edited_at = write.now
    return [question]


MODERATIONS: dict[Action, Moderation] = {
    Action.APPROVE: _approve,
    Action.REJECT: _reject,
    Action.ON_AIR: _on_air,
    Action.ANSWERED: _answered,
    Action.MOVE: _move,
    Action.EDIT: _edit,
}


async def answer_in_writing(
    write: SessionWrite, question: Question, principal: Principal, command: Answer
) -> None:
    """A speaker's written answer to a question on air or answered (replaces their last)."""
    if question.status not in (QuestionStatus.ON_AIR, QuestionStatus.ANSWERED):
        raise Conflict("Written answers are for questions on air or answered.")
    organisation_id = principal.organisation_id
    on_panel = await write.session.scalar(
        select(Statement.id).where(
            Statement.country_session_id == write.country_session.id,
            Statement.organisation_id == organisation_id,
        )
    )
    addressed = question.to_statement_id is None or (
        question.to_statement is not None
        and question.to_statement.organisation_id == organisation_id
    )
    if on_panel is None or not addressed or organisation_id is None:
        raise Forbidden("This question is addressed to another speaker.")
    answer = await write.session.scalar(
        select(WrittenAnswer).where(
            WrittenAnswer.question_id == question.id,
            WrittenAnswer.organisation_id == organisation_id,
        )
    )
    if answer is None:
        write.session.add(
            WrittenAnswer(
                question_id=question.id,
                organisation_id=organisation_id,
                speaker_id=principal.person_id,
                text=command.text,
            )
        )
    else:
        answer.text, answer.speaker_id, answer.updated_at = (
            command.text,
            principal.person_id,
            write.now,
        )
