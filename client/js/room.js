// The delegate's session room: the screening, then (in the Q&A, while it is live) the stage in
// the player's place, with the prompt to speak when the delegation is given the floor; and the
// Q&A panel (ask, my questions, the queue); below, the speakers' recommendations, which a
// delegate marks when their mission intends to raise them.
import { announce, errorText, requireSignIn, setupPage, showConnection } from "/static/js/common.js";
import { api, byId, fill, h, keepFocus } from "/static/js/dom.js";
import { countryName, t } from "/static/js/i18n.js";
import { LiveRoom, newClientId } from "/static/js/live.js";
import { ScreeningPlayer } from "/static/js/player.js";
import { questionItem, statusText } from "/static/js/questions.js";
import { sessionRecommendations } from "/static/js/recommendations.js";
import { Stage } from "/static/js/stage.js";
import { StageControls } from "/static/js/stage-controls.js";
import { StageView } from "/static/js/stage-view.js";

const PENDING_ASK = "presession.pending-ask";
const sessionId = Number(window.location.pathname.split("/").at(-1));
const me = await setupPage();

if (requireSignIn(me, ["delegate", "speaker", "admin", "moderator"])) {
  // Speakers and organisers may watch the room; only delegates ask.
  for (const id of ["ask", "my-questions-title", "my-questions"]) byId(id).hidden = me.role !== "delegate";
  const session = await api(`/api/sessions/${sessionId}`).catch(() => null);
  if (session) {
    const country = countryName(session.country, session.country_name);
    byId("session-title").textContent = t("room.heading", { country });
    document.title = `Presession: ${country}`;
  }
  const room = new LiveRoom(sessionId);
  const stage = new Stage(room, me);
  showConnection(room, stage);
  const player = new ScreeningPlayer(byId("player"), room);
  player.loadPlaylist();
  const view = new StageView(byId("stage"), stage, {
    context: () => ({ offer: room.state?.stage?.offer, panel: room.state?.panel }),
    onSoundOnly: (soundOnly) => {
      player.qualitySelect.value = soundOnly ? "audio" : "auto";
      player.chooseQuality(player.qualitySelect.value);
    },
  });
  player.qualitySelect.addEventListener("change", () => view.followQuality());
  // Only a delegation given the floor speaks here; speakers and organisers have their pages.
  const controls = me.role === "delegate"
    ? new StageControls(byId("stage-me"), stage, { direct: true, onEnd: () => drawFloor(stage, controls) })
    : null;
  const drawStage = () => {
    drawStageArea(room, player);
    if (controls) drawFloor(stage, controls);
  };
  room.addEventListener("change", drawStage);
  stage.addEventListener("change", drawStage);
  let lastOnAir = null;
  const lastStatus = new Map();

  room.addEventListener("change", () => {
    keepFocus(() => draw(room));
    const onAir = room.onAir();
    if (onAir && onAir.id !== lastOnAir) announce(t("announce.on_air", { text: onAir.text }));
    lastOnAir = onAir?.id ?? null;
    for (const question of mine(room)) {
      const before = lastStatus.get(question.id);
      if (before && before !== question.status) {
        announce(t("announce.my_status", { number: question.number, status: statusText(question, room) }));
      }
      lastStatus.set(question.id, question.status);
    }
  });
  // Read again when the phase changes: the speakers see the counts once the session closes.
  const recommendations = byId("recommendations");
  byId("recommendations-hint").textContent = t(`recommendations.room_hint_${me.role === "delegate"
    ? "delegate" : me.role === "speaker" ? "speaker" : "organiser"}`);
  sessionRecommendations(recommendations, sessionId, me);
  let lastPhase = null;
  room.addEventListener("change", () => {
    const phase = room.state?.phase ?? null;
    if (lastPhase !== null && phase !== lastPhase) sessionRecommendations(recommendations, sessionId, me);
    lastPhase = phase;
  });
  room.addEventListener("failed", (event) => {
    byId("ask-status").textContent = errorText(event.detail);
  });
  byId("ask").addEventListener("submit", (event) => {
    event.preventDefault();
    ask(room);
  });
  room.connect();
}

/** The Q&A shows the stage in the player's place while it is live; the screening stays HLS. */
function drawStageArea(room, player) {
  const stage = room.state?.stage;
  const onStage = room.state?.phase === "qa" && Boolean(stage?.available && stage.live);
  byId("player").hidden = onStage;
  byId("stage").hidden = !onStage;
  // Without a stage on this server, the Q&A goes on in writing: say so rather than show nothing.
  byId("stage-unavailable").hidden = !(room.state?.phase === "qa" && stage?.available === false);
  byId("screening-title").textContent = t(onStage ? "stage.title" : "player.title");
  if (onStage && !player.video.paused) player.video.pause();
}

/** The prompt to speak, while my delegation has the floor and I am not speaking yet. */
function drawFloor(stage, controls) {
  const prompt = byId("floor");
  const show = stage.mayPublish() && controls.mode === "idle" && !controls.opening;
  if (!show || !prompt.hidden) {
    prompt.hidden = !show;
    return;
  }
  prompt.hidden = false; // then filled: the alert is read out
  fill(prompt,
    h("p", {}, t(stage.videoAllowed() ? "stage.floor_prompt_video" : "stage.floor_prompt")),
    h("button", { type: "button", id: "speak", onclick: async () => {
      prompt.hidden = true;
      await controls.speak();
      drawFloor(stage, controls);
    } }, t("stage.speak")));
  byId("speak").focus();
}

function mine(room) {
  return room.questions().filter((question) => question.author?.id === me.id);
}

function draw(room) {
  const state = room.state;
  byId("session-phase").textContent = t("home.phase", { phase: t(`phase.${state.phase}`) });
  drawAddressees(state);
  const onAir = room.onAir();
  fill(byId("on-air"), h("h3", {}, t("room.on_air")),
    onAir ? questionItemBlock(onAir) : h("p", { class: "empty" }, t("room.nothing_on_air")));
  const canAsk = state.phase === "screening" || state.phase === "qa";
  byId("ask-submit").disabled = !canAsk || me.role !== "delegate";
  if (!canAsk) byId("ask-status").textContent = t("room.ask_closed");
  else if (byId("ask-status").textContent === t("room.ask_closed")) byId("ask-status").textContent = "";
  fill(byId("my-questions"), ...listOrEmpty(mine(room).map((question) => myQuestion(room, question))));
  fill(byId("queue"), ...listOrEmpty(room.queue().map((question) => questionItem(question))));
  const answered = room.questions().filter((question) => question.status === "answered");
  fill(byId("answered"), ...listOrEmpty(answered.map((question) => questionItem(question))));
}

function questionItemBlock(question) {
  return h("ul", { class: "questions on-air-question" }, questionItem(question));
}

function listOrEmpty(items) {
  return items.length ? items : [h("li", { class: "empty" }, t("room.none"))];
}

function drawAddressees(state) {
  const select = byId("ask-to");
  const chosen = select.value;
  fill(select, h("option", { value: "" }, t("question.panel")),
    ...(state.panel ?? []).map((speaker) =>
      h("option", { value: String(speaker.statement) }, speaker.organisation.name)));
  select.value = chosen;
}

function myQuestion(room, question) {
  const item = questionItem(question);
  item.append(h("p", { class: "status" }, statusText(question, room)));
  if (question.status === "pending" || question.status === "approved") {
    item.append(h("button", { type: "button", class: "secondary",
      onclick: async () => {
        try {
          await room.call("withdraw", { question: question.id });
        } catch (error) {
          announce(errorText(error));
        }
      } }, t("room.withdraw")));
  }
  return item;
}

async function ask(room) {
  const text = byId("ask-text").value.trim();
  const status = byId("ask-status");
  if (!text) return;
  const to = byId("ask-to").value ? Number(byId("ask-to").value) : null;
  // The client id survives a retry (and a reload) until the server has acknowledged it.
  const pending = JSON.parse(sessionStorage.getItem(PENDING_ASK) ?? "null");
  const clientId = pending && pending.text === text ? pending.clientId : newClientId();
  sessionStorage.setItem(PENDING_ASK, JSON.stringify({ clientId, text }));
  byId("ask-submit").disabled = true;
  status.textContent = t("room.sending");
  try {
    const answer = await room.call("ask", { session: room.sessionId, client_id: clientId, text, to });
    sessionStorage.removeItem(PENDING_ASK);
    if (!room.question(answer.question.id)) room.merge({ questions: [answer.question] });
    room.emit("change", { kind: "asked" });
    byId("ask-text").value = "";
    status.textContent = t("room.sent");
  } catch (error) {
    status.textContent = errorText(error);
  } finally {
    byId("ask-submit").disabled = false;
  }
}
