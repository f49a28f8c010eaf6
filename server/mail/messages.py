"""The messages the platform sends, as plain text.

Each is written in one of the six UN languages: the mails to an applicant (received,
decision) in the application's working language; an invitation in the language the organiser
chose for it (English unless said).
"""

from __future__ import annotations

from datetime import datetime

from server.languages import DEFAULT, LANGUAGES
from server.mail.mailer import Mail

_INVITATION = {
    "ar": {
        "subject": "دعوتك: {where}",
        "invited": "أنت مدعو إلى {where}، {role}.",
        "speaker": "لرفع بيانك والإجابة عن الأسئلة في الجلسة المباشرة",
        "delegate": "لمشاهدة البيانات وطرح الأسئلة في الجلسة المباشرة",
        "moderator": "لإدارة الجلسات",
        "admin": "لتنظيم الفعالية",
        "other": "للمشاركة",
        "link": "رابطك الشخصي (لا تُعِد توجيهه: فهو يسجّل دخولك):",
        "valid": "وهو صالح حتى {until} بالتوقيت العالمي المنسق.",
    },
    "zh": {
        "subject": "您的邀请：{where}",
        "invited": "诚邀您参加{where}，{role}。",
        "speaker": "上传您的发言并在直播会议中回答问题",
        "delegate": "观看发言并在直播会议中提问",
        "moderator": "主持各场会议",
        "admin": "组织本次活动",
        "other": "参与其中",
        "link": "您的个人链接（请勿转发：该链接可直接登录）：",
        "valid": "有效期至 {until}（UTC）。",
    },
    "en": {
        "subject": "Your invitation: {where}",
        "invited": "You are invited to {where}, {role}.",
        "speaker": "to upload your statement and to answer questions in the live session",
        "delegate": "to watch the statements and to ask questions in the live session",
        "moderator": "to moderate the sessions",
        "admin": "to run the event",
        "other": "to take part",
        "link": "Your personal link (do not forward it: it signs you in):",
        "valid": "It is valid until {until} UTC.",
    },
    "fr": {
        "subject": "Votre invitation : {where}",
        "invited": "Vous êtes invité(e) à {where}, {role}.",
        "speaker": "pour déposer votre déclaration et répondre aux questions de la session en"
        " direct",
        "delegate": "pour regarder les déclarations et poser des questions pendant la session en"
        " direct",
        "moderator": "pour modérer les sessions",
        "admin": "pour organiser l’événement",
        "other": "pour y prendre part",
        "link": "Votre lien personnel (ne le transférez pas : il vous connecte) :",
        "valid": "Il est valable jusqu’au {until} UTC.",
    },
    "ru": {
        "subject": "Ваше приглашение: {where}",
        "invited": "Приглашаем вас на мероприятие «{where}» {role}.",
        "speaker": "— загрузить своё выступление и ответить на вопросы в прямом эфире",
        "delegate": "— смотреть выступления и задавать вопросы в прямом эфире",
        "moderator": "в качестве модератора сессий",
        "admin": "в качестве организатора",
        "other": "для участия",
        "link": "Ваша личная ссылка (не пересылайте её: по ней выполняется вход):",
        "valid": "Она действительна до {until} UTC.",
    },
    "es": {
        "subject": "Su invitación: {where}",
        "invited": "Queda invitado/a a {where}, {role}.",
        "speaker": "para subir su declaración y responder a las preguntas en la sesión en directo",
        "delegate": "para ver las declaraciones y formular preguntas en la sesión en directo",
        "moderator": "para moderar las sesiones",
        "admin": "para organizar el evento",
        "other": "para participar",
        "link": "Su enlace personal (no lo reenvíe: inicia su sesión):",
        "valid": "Es válido hasta el {until} UTC.",
    },
}

_GREETING = {
    "ar": "عزيزي/عزيزتي {name}،",
    "zh": "尊敬的{name}：",
    "en": "Dear {name},",
    "fr": "Bonjour {name},",
    "ru": "Здравствуйте, {name}!",
    "es": "Estimado/a {name}:",
}

_RECEIVED = {
    "ar": {
        "subject": "تم استلام الطلب: {event}",
        "intro": "تلقينا طلب {organisation} للتحدث في {event}، في الجلسات التالية:",
        "next": "ستراسلك الجهة المنظِّمة بعد دراسة الطلب.",
    },
    "zh": {
        "subject": "申请已收到：{event}",
        "intro": "我们已收到{organisation}在{event}上发言的申请，涉及以下会议：",
        "next": "主办方审核后将与您联系。",
    },
    "en": {
        "subject": "Application received: {event}",
        "intro": "We have received the application of {organisation} to speak at {event}, on:",
        "next": "The organisers will write to you once they have reviewed it.",
    },
    "fr": {
        "subject": "Candidature reçue : {event}",
        "intro": "Nous avons bien reçu la candidature de {organisation} pour intervenir à"
        " {event}, pour :",
        "next": "Les organisateurs vous écriront après l’avoir examinée.",
    },
    "ru": {
        "subject": "Заявка получена: {event}",
        "intro": "Мы получили заявку организации «{organisation}» на выступление на"
        " мероприятии «{event}» в сессиях:",
        "next": "Организаторы напишут вам, когда рассмотрят её.",
    },
    "es": {
        "subject": "Solicitud recibida: {event}",
        "intro": "Hemos recibido la solicitud de {organisation} para intervenir en {event}, en:",
        "next": "Los organizadores le escribirán una vez que la hayan examinado.",
    },
}

_DECISION = {
    "ar": {
        "subject": "طلبك: {event}، {session}",
        "accepted": "قُبل طلب {organisation} للمشاركة في {event}، {session}.",
        "waitlisted": "أُدرج طلب {organisation} للمشاركة في {event}، {session}، في قائمة الانتظار.",
        "rejected": "تعذّر قبول طلب {organisation} للمشاركة في {event}، {session}، هذه المرة.",
        "message": "كلمة من الجهة المنظِّمة:",
        "link": "رابطك الشخصي لرفع بيانك (لا تُعِد توجيهه: فهو يسجّل دخولك):",
    },
    "zh": {
        "subject": "您的申请：{event}，{session}",
        "accepted": "{organisation}参加{event}（{session}）的申请已被接受。",
        "waitlisted": "{organisation}参加{event}（{session}）的申请已列入候补名单。",
        "rejected": "{organisation}参加{event}（{session}）的申请此次未能被接受。",
        "message": "主办方留言：",
        "link": "用于上传发言的个人链接（请勿转发：该链接可直接登录）：",
    },
    "en": {
        "subject": "Your application: {event}, {session}",
        "accepted": "The application of {organisation} for {event}, {session}, has been accepted.",
        "waitlisted": "The application of {organisation} for {event}, {session}, is on the"
        " waiting list.",
        "rejected": "The application of {organisation} for {event}, {session}, could not be"
        " accepted this time.",
        "message": "A word from the organisers:",
        "link": "Your personal link to upload your statement (do not forward it: it signs you in):",
    },
    "fr": {
        "subject": "Votre candidature : {event}, {session}",
        "accepted": "La candidature de {organisation} pour {event}, {session}, a été acceptée.",
        "waitlisted": "La candidature de {organisation} pour {event}, {session}, est sur la"
        " liste d’attente.",
        "rejected": "La candidature de {organisation} pour {event}, {session}, n’a pas pu être"
        " retenue cette fois-ci.",
        "message": "Un mot des organisateurs :",
        "link": "Votre lien personnel pour déposer votre déclaration (ne le transférez pas : il"
        " vous connecte) :",
    },
    "ru": {
        "subject": "Ваша заявка: {event}, {session}",
        "accepted": "Заявка организации «{organisation}» на мероприятие «{event}» (сессия:"
        " {session}) принята.",
        "waitlisted": "Заявка организации «{organisation}» на мероприятие «{event}» (сессия:"
        " {session}) внесена в лист ожидания.",
        "rejected": "Заявку организации «{organisation}» на мероприятие «{event}» (сессия:"
        " {session}) на этот раз принять не удалось.",
        "message": "Сообщение организаторов:",
        "link": "Ваша личная ссылка для загрузки выступления (не пересылайте её: по ней"
        " выполняется вход):",
    },
    "es": {
        "subject": "Su solicitud: {event}, {session}",
        "accepted": "La solicitud de {organisation} para {event}, {session}, ha sido aceptada.",
        "waitlisted": "La solicitud de {organisation} para {event}, {session}, está en la lista"
        " de espera.",
        "rejected": "La solicitud de {organisation} para {event}, {session}, no ha podido ser"
        " aceptada esta vez.",
        "message": "Unas palabras de los organizadores:",
        "link": "Su enlace personal para subir su declaración (no lo reenvíe: inicia su sesión):",
    },
}


def _language(language: str) -> str:
    return language if language in LANGUAGES else DEFAULT


def invitation_mail(
    *,
    to: str,
    name: str,
    role: str,
    event: str,
    session: str | None,
    link: str,
    expires_at: datetime,
    language: str = DEFAULT,
) -> Mail:
    """`session` is named in `language` already."""
    language = _language(language)
    texts = _INVITATION[language]
    where = f"{event}, {session}" if session else event
    # English spells the month out; the other languages read the date as numbers.
    until = f"{expires_at:%d %B %Y, %H:%M}" if language == "en" else f"{expires_at:%Y-%m-%d %H:%M}"
    return Mail(
        to=to,
        subject=texts["subject"].format(where=where),
        text=(
            _GREETING[language].format(name=name)
            + "\n\n"
            + texts["invited"].format(where=where, role=texts.get(role, texts["other"]))
            + "\n\n"
            + f"{texts['link']}\n{link}\n\n"
            + texts["valid"].format(until=until)
            + "\n"
        ),
    )


def application_received_mail(
    *,
    to: str,
    name: str,
    organisation: str,
    event: str,
    sessions: list[str],
    language: str = DEFAULT,
) -> Mail:
    """`sessions` are named in `language` already."""
    texts = _RECEIVED[_language(language)]
    return Mail(
        to=to,
        subject=texts["subject"].format(event=event),
        text=(
            _GREETING[_language(language)].format(name=name)
            + "\n\n"
            + texts["intro"].format(organisation=organisation, event=event)
            + "\n"
            + "".join(f"- {session}\n" for session in sessions)
            + "\n"
            + texts["next"]
            + "\n"
        ),
    )


def decision_mail(
    *,
    to: str,
    name: str,
    organisation: str,
    event: str,
    session: str,
    decision: str,
    message: str | None,
    link: str | None,
    language: str = DEFAULT,
) -> Mail:
    """`session` is named in `language` already."""
    texts = _DECISION[_language(language)]
    where = {"organisation": organisation, "event": event, "session": session}
    text = (
        _GREETING[_language(language)].format(name=name)
        + "\n\n"
        + texts[decision].format(**where)
        + "\n"
    )
    if message:
        text += f"\n{texts['message']}\n{message}\n"
    if link:
        text += f"\n{texts['link']}\n{link}\n"
    return Mail(to=to, subject=texts["subject"].format(**where), text=text)
