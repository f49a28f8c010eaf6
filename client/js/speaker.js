// The speaker's page: the live Q&A (the question on air in large type beside the live stage,
// where the speaker answers aloud; questions addressed to my organisation, a written answer),
// and my statements per session (upload, progress, validation message, preview, replace,
// captions, the recommendations beside it).
import { announce, errorText, requireSignIn, setupPage, showConnection } from "/static/js/common.js";
import { api, byId, fill, h, keepFocus } from "/static/js/dom.js";
import {
  LANGUAGES, LANGUAGE_NAMES, countryName, lang, formatMoment, formatNumber, formatRange, t,
} from "/static/js/i18n.js";
import { LiveRoom } from "/static/js/live.js";
import { previewPlayer } from "/static/js/player.js";
import { questionItem, statusText } from "/static/js/questions.js";
import { recommendationEditor } from "/static/js/recommendations.js";
import { Stage } from "/static/js/stage.js";
import { StageControls } from "/static/js/stage-controls.js";
import { StageView } from "/static/js/stage-view.js";
import { StatementUpload, uploadRefusal } from "/static/js/upload.js";

const LIVE_PHASES = ["screening", "qa"];
const me = await setupPage();
const uploads = new Map(); // statement id → StatementUpload under way
const answerDrafts = new Map(); // question id → text being written
const consentDrafts = new Map(); // statement id → the choices on screen (a redraw keeps them)
const consentSaid = new Map(); // statement id → "saved", until the choices change again
const drawn = new Map(); // statement id → the statement as last drawn
let liveRoom = null; // the live room, once started: its `progress` events keep the cards right

if (requireSignIn(me, ["speaker"])) {
  const sessions = (await Promise.all((me.sessions ?? []).map((id) =>
    api(`/api/sessions/${id}`).catch(() => null)))).filter(Boolean);
  const cards = byId("statements");
  fill(cards, ...sessions.map((session) => sessionBlock(session)));
  if (!sessions.length) cards.append(h("p", { class: "empty" }, t("speaker.no_sessions")));
  const live = sessions.find((session) => LIVE_PHASES.includes(session.phase)) ?? sessions[0];
  if (live) startLive(live);
}

// -- my statements ---------------------------------------------------------------------------

function sessionBlock(session) {
  const mine = session.statements.filter((statement) => statement.organisation.id === me.organisation?.id);
  const deadline = session.event?.statement_deadline ? new Date(session.event.statement_deadline) : null;
  const block = h("section", { class: "panel session-statements", dataset: { session: String(session.id) } },
    h("h3", {}, countryName(session.country, session.country_name)),
    h("p", {}, formatRange(new Date(session.starts_at), new Date(session.ends_at), session.event?.timezone)),
    deadline ? h("p", { class: "deadline" }, t("speaker.deadline", { date: formatMoment(deadline) }))
      : null);
  for (const statement of mine) {
    const card = h("div", { class: "statement-card", id: `statement-${statement.id}`,
      dataset: { eventDeadline: session.event?.statement_deadline ?? "",
        closed: session.phase === "closed" ? "1" : "" } });
    block.append(card);
    refreshStatement(card, statement.id);
  }
  if (!mine.length) block.append(h("p", { class: "empty" }, t("speaker.no_statements")));
  return block;
}

async function refreshStatement(card, statementId) {
  let statement;
  try {
    statement = await api(`/api/statements/${statementId}`);
  } catch (error) {
    fill(card, h("p", {}, errorText(error)));
    return;
  }
  showStatement(card, statement);
}

function showStatement(card, statement) {
  drawn.set(statement.id, statement);
  // Redrawn as processing goes on: the speaker's place (focus) is kept.
  keepFocus(() => drawStatement(card, statement));
  pollWhileProcessing(card, statement.id);
}

// While the live room is connected its `progress` events redraw the card; without it the
// page asks again every two seconds.
function pollWhileProcessing(card, statementId) {
  if (drawn.get(statementId)?.state !== "processing" || card.dataset.polling) return;
  card.dataset.polling = "1";
  window.setTimeout(() => {
    delete card.dataset.polling;
    if (!liveRoom?.socket.connected) refreshStatement(card, statementId);
  }, 2000);
}

function onProgress({ statement: statementId, state, progress }) {
  const card = byId(`statement-${statementId}`);
  if (!card) return;
  const shown = drawn.get(statementId);
  if (state === "processing" && shown?.state === "processing") {
    showStatement(card, { ...shown, progress });
  } else {
    refreshStatement(card, statementId); // a new state brings new facts: the recording, an error
  }
}

function drawStatement(card, statement) {
  // Uploads close at the event's deadline, or at the speaker's own when the organisers gave a
  // later one (as the server decides: server/deadlines.py).
  const eventDeadline = card.dataset.eventDeadline ? new Date(card.dataset.eventDeadline) : null;
  const own = statement.deadline ? new Date(statement.deadline) : null;
  const extended = Boolean(eventDeadline && own && own > eventDeadline);
  const deadline = extended ? own : eventDeadline;
  const open = !deadline || Date.now() <= deadline.getTime();
  const title = statement.title || t("speaker.statement");
  const progressValue = statement.state === "processing" ? statement.progress ?? 0 : null;
  fill(card,
    h("h4", {}, title),
    h("p", { class: "state", dataset: { state: statement.state } },
      t("statement.state", { state: t(`state.${statement.state}`) }),
      " · ", t(`review.state_${statement.review}`)),
    progressValue !== null ? h("progress", { max: 1, value: progressValue,
      "aria-label": t("speaker.processing") }) : null,
    statement.state === "failed" && statement.error
      ? h("p", { class: "error validation", role: "alert" }, errorText(statement.error)) : null,
    statement.review === "rejected" && statement.review_reason
      ? h("p", { class: "error" }, t("speaker.review_reason", { reason: statement.review_reason })) : null,
    statement.media ? previewPlayer(statement.media, t("speaker.preview_label", { title })) : null,
    extended ? h("p", { class: "deadline extended" }, t("speaker.deadline_extended", {
      date: formatMoment(deadline) })) : null,
    open ? uploadForm(card, statement) : h("p", {}, t("speaker.deadline_passed")),
    statement.state === "ready" && open ? captionsForm(statement) : null,
    recommendationEditor(statement.id, { open }),
    consentForm(statement, { closed: Boolean(card.dataset.closed) }));
}

function uploadForm(card, statement) {
  const inputId = `file-${statement.id}`;
  const input = h("input", { type: "file", id: inputId, accept: "video/*,audio/*" });
  const progress = h("progress", { max: 1, value: 0, hidden: true, "aria-label": t("speaker.uploading") });
  const status = h("p", { class: "form-status", role: "status" });
  const pause = h("button", { type: "button", class: "secondary", hidden: true }, t("speaker.pause"));
  const start = h("button", { type: "button", class: "upload-start" },
    ["awaiting_upload", "uploading"].includes(statement.state) ? t("speaker.upload") : t("speaker.replace"));
  start.addEventListener("click", () => {
    const file = input.files?.[0];
    if (!file) {
      status.textContent = t("speaker.choose_file");
      input.focus();
      return;
    }
    const upload = new StatementUpload(statement.id, file, {
      onProgress: (sent, total) => {
        progress.value = total ? sent / total : 0;
        status.textContent = t("speaker.uploaded", { percent: formatNumber(total ? sent / total : 0, { style: "percent" }) });
      },
      onSuccess: () => {
        uploads.delete(statement.id);
        announce(t("speaker.upload_done"));
        refreshStatement(card, statement.id);
      },
      onError: (error) => {
        uploads.delete(statement.id);
        status.textContent = errorText(uploadRefusal(error), "speaker.upload_failed");
        start.disabled = false;
        pause.hidden = true;
      },
    });
    uploads.set(statement.id, upload);
    progress.hidden = false;
    pause.hidden = false;
    start.disabled = true;
    upload.start();
  });
  pause.addEventListener("click", () => {
    const upload = uploads.get(statement.id);
    if (!upload) return;
    if (upload.paused) {
      upload.resume();
      pause.textContent = t("speaker.pause");
    } else {
      upload.pause();
      pause.textContent = t("speaker.resume");
      status.textContent = t("speaker.paused");
    }
  });
  return h("div", { class: "upload" },
    h("label", { for: inputId }, t("speaker.file_label")), input,
    h("p", { class: "hint" }, t("speaker.resume_hint")),
    h("div", { class: "button-row" }, start, pause), progress, status);
}

/** The language captions are offered in first: the statement's own, else the page's. */
function captionsLanguage(statement) {
  return LANGUAGES.includes(statement.language) ? statement.language : lang;
}

function captionsForm(statement) {
  const fileId = `captions-${statement.id}`;
  const languageId = `captions-language-${statement.id}`;
  const file = h("input", { type: "file", id: fileId, accept: ".vtt,.srt,text/vtt" });
  const language = h("select", { id: languageId },
    ...LANGUAGES.map((code) => h("option",
      { value: code, lang: code, selected: code === captionsLanguage(statement) }, LANGUAGE_NAMES[code])));
  const status = h("p", { class: "form-status", role: "status" });
  const send = h("button", { type: "button", class: "secondary" }, t("speaker.captions_send"));
  send.addEventListener("click", async () => {
    const chosen = file.files?.[0];
    if (!chosen) return;
    try {
      await api(`/api/statements/${statement.id}/captions/${language.value}`, {
        method: "PUT", body: await chosen.text(), headers: { "Content-Type": "text/vtt" } });
      status.textContent = t("speaker.captions_done");
    } catch (error) {
      status.textContent = errorText(error);
    }
  });
  const existing = (statement.captions ?? [])
    .map((caption) => LANGUAGE_NAMES[caption.language] ?? caption.language).join(", ");
  return h("details", { class: "captions" }, h("summary", {}, t("speaker.captions")),
    existing ? h("p", {}, t("speaker.captions_existing", { languages: existing })) : null,
    h("label", { for: fileId }, t("speaker.captions_file")), file,
    h("label", { for: languageId }, t("speaker.captions_language")), language, send, status);
}

/** What happens to the statement after the session, and whether the speaker's name is shown:
 * the record and any public page follow these choices. The safest are the defaults. */
function consentForm(statement, { closed }) {
  const name = `publication-${statement.id}`;
  const chosen = consentDrafts.get(statement.id) ?? {
    publication: statement.publication, show_speaker_name: Boolean(statement.show_speaker_name),
    record_live: Boolean(statement.record_live) };
  const showName = h("input", { type: "checkbox", id: `show-name-${statement.id}`,
    checked: chosen.show_speaker_name });
  // Fixed once the session closes: the Q&A recording is made from the choices at its close.
  const recordLive = h("input", { type: "checkbox", id: `record-live-${statement.id}`,
    checked: chosen.record_live, disabled: closed,
    "aria-describedby": closed ? `record-live-fixed-${statement.id}` : null });
  const status = h("p", { class: "form-status", role: "status" }, consentSaid.get(statement.id) ?? "");
  const form = h("form", { class: "consent-form" },
    h("fieldset", {},
      h("legend", {}, t("consent.publication")),
      ...["public", "participants", "none"].map((value) => h("label", { class: "choice" },
        h("input", { type: "radio", name, value, id: `${name}-${value}`,
          checked: chosen.publication === value }),
        " ", t(`consent.${value}`)))),
    h("label", { class: "choice" }, showName, " ", t("consent.show_name")),
    h("label", { class: "choice" }, recordLive, " ", t("consent.record_live")),
    closed ? h("p", { class: "hint", id: `record-live-fixed-${statement.id}` },
      t("consent.record_live_fixed")) : null,
    h("button", { type: "submit", class: "secondary", id: `consent-save-${statement.id}` },
      t("consent.save")), status);
  const read = () => ({
    publication: form.querySelector(`input[name="${name}"]:checked`)?.value ?? "none",
    show_speaker_name: showName.checked, record_live: recordLive.checked });
  form.addEventListener("change", () => {
    consentDrafts.set(statement.id, read());
    consentSaid.delete(statement.id);
    status.textContent = "";
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const choices = read();
    try {
      await api(`/api/statements/${statement.id}/consent`, { method: "PUT", json: choices });
      // Kept: a redraw from a reply fetched before this save must not bring back the old choice.
      consentDrafts.set(statement.id, choices);
      consentSaid.set(statement.id, t("consent.saved"));
      status.textContent = t("consent.saved");
    } catch (error) {
      status.textContent = errorText(error);
    }
  });
  return h("section", { class: "consent" }, h("h5", {}, t("consent.title")), form);
}

// -- the live Q&A ---------------------------------------------------------------------------

function startLive(session) {
  const room = new LiveRoom(session.id);
  const stage = new Stage(room, me);
  showConnection(room, stage);
  new StageView(byId("stage"), stage, {
    context: () => ({ offer: room.state?.stage?.offer, panel: room.state?.panel }) });
  new StageControls(byId("stage-me"), stage);
  let lastOnAir = null;
  room.addEventListener("change", () => {
    keepFocus(() => drawLive(room, session));
    const onAir = room.onAir();
    if (onAir && onAir.id !== lastOnAir) announce(t("announce.on_air", { text: onAir.text }));
    lastOnAir = onAir?.id ?? null;
  });
  room.addEventListener("progress", (event) => onProgress(event.detail));
  room.addEventListener("status", (event) => {
    // Back online: what changed meanwhile is read once; gone: the cards poll again.
    for (const [statementId, statement] of drawn) {
      const card = byId(`statement-${statementId}`);
      if (!card || statement.state !== "processing") continue;
      if (event.detail === "online") refreshStatement(card, statementId);
      else pollWhileProcessing(card, statementId);
    }
  });
  liveRoom = room;
  room.connect();
}

function addressedToMe(question) {
  return question.to === null || question.to?.organisation?.id === me.organisation?.id;
}

function drawLive(room, session) {
  fill(byId("live-session"),
    t("speaker.live_session", { country: countryName(session.country, session.country_name), phase: t(`phase.${room.state.phase}`) }),
    " · ", h("a", { href: `/sessions/${session.id}` }, t("speaker.watch")));
  const onAir = room.onAir();
  fill(byId("on-air"), h("h3", {}, t("room.on_air")),
    onAir ? h("div", { class: "on-air-question" },
      h("ul", { class: "questions" }, questionItem(onAir)), answerBox(room, onAir))
      : h("p", { class: "empty" }, t("room.nothing_on_air")));
  const mine = room.questions().filter((question) =>
    addressedToMe(question) && ["approved", "on_air", "answered"].includes(question.status));
  fill(byId("to-me"), ...(mine.length ? mine.map((question) => {
    const item = questionItem(question);
    item.append(h("p", { class: "status" }, statusText(question, room)));
    if (question.status === "answered") item.append(answerBox(room, question));
    return item;
  }) : [h("li", { class: "empty" }, t("room.none"))]));
}

function answerBox(room, question) {
  if (!addressedToMe(question)) return null;
  const id = `answer-${question.id}`;
  const field = h("textarea", { id, rows: 3, maxlength: 4000 });
  const own = (question.answers ?? []).find((answer) => answer.organisation.id === me.organisation?.id);
  field.value = answerDrafts.get(question.id) ?? own?.text ?? "";
  field.addEventListener("input", () => answerDrafts.set(question.id, field.value));
  const status = h("p", { class: "form-status", role: "status" });
  const form = h("form", { class: "answer" },
    h("label", { for: id }, t("speaker.answer_label")), field,
    h("button", { type: "submit" }, t("speaker.answer_send")), status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await room.call("answer", { question: question.id, text: field.value });
      answerDrafts.delete(question.id);
      status.textContent = t("speaker.answer_sent");
    } catch (error) {
      status.textContent = errorText(error);
    }
  });
  return form;
}
