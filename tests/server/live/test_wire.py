"""What travels on the wire: text in any script arrives as it was typed, on every screen."""

from __future__ import annotations

from tests.factories import Seed
from tests.server.live.conftest import Connect

# French, Esperanto, Japanese, Arabic (right to left), an emoji outside the BMP.
TEXT = "Quelle protection pour les défenseur·es ? Ĉu ĝi validas? 日本語で。 ما هي الضمانات؟ 🕊️"


async def test_non_ascii_question_reaches_every_screen_unchanged(
    live: Connect, seeded: Seed
) -> None:
    session = seeded.session_id
    moderator, delegate = await live("moderator"), await live("delegate")
    for client in (moderator, delegate):
        await client.ok("join", {"session": session})
    await moderator.ok("phase", {"session": session, "phase": "screening"})

    asked = await delegate.ok("ask", {"session": session, "client_id": "wire-1", "text": TEXT})
    assert asked["question"]["text"] == TEXT
    update = await moderator.wait_for(2)
    assert update["questions"][0]["text"] == TEXT
    assert (await delegate.wait_for_personal(2))["questions"][0]["text"] == TEXT
