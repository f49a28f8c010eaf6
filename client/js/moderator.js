// The moderator console: phases, screening, question moderation, queue order, presence,
// statements awaiting review, counters, applications to speak, the live stage; and the
// event's figures.
import { applicationsPanel } from "/static/js/applications.js";
import { announce, errorText, requireSignIn, setupPage, showConnection } from "/static/js/common.js";
import { api, byId, fill, h, keepFocus } from "/static/js/dom.js";
import { eventSettings } from "/static/js/event-settings.js";
import { figuresPanel } from "/static/js/figures.js";
import { countryName, formatDuration, lang, missionName, t } from "/static/js/i18n.js";
import { LiveRoom } from "/static/js/live.js";
import { ScreeningPlayer } from "/static/js/player.js";
import { questionItem } from "/static/js/questions.js";
import { reviewPanel } from "/static/js/review.js";
import { Stage } from "/static/js/stage.js";
import { stageConsole } from "/static/js/stage-console.js";
import { StageControls } from "/static/js/stage-controls.js";
import { StageView } from "/static/js/stage-view.js";

const PHASES = ["scheduled", "screening", "qa", "closed"];
const me = await setupPage();

if (requireSignIn(me, ["moderator", "admin"])) {
  const programme = await api("/api/sessions");
  const sessions = programme.sessions.filter((session) => session.event === me.event);
  const wanted = Number(new URLSearchParams(window.location.search).get("session"));
  const sessionId = sessions.some((s) => s.id === wanted) ? wanted : sessions[0]?.id;
  const picker = byId("session-picker");
  fill(picker, ...sessions.map((session) => h("option", { value: String(session.id),
    selected: session.id === sessionId }, countryName(session.country, session.country_name))));
  picker.addEventListener("change", () => window.location.assign(`/moderator?session=${picker.value}`));
  figuresPanel(byId("figures"), byId("figures-body"), me.event);
  const event = programme.events.find((item) => item.id === me.event);
  if (event) eventSettings(byId("event-settings"), event);
  if (sessionId) startConsole(sessionId);
}

function startConsole(sessionId) {
  const room = new LiveRoom(sessionId);
  const stage = new Stage(room, me);
  showConnection(room, stage);
  stageConsole(byId("stage-console"), room);
  new StageView(byId("stage"), stage, {
    context: () => ({ offer: room.state?.stage?.offer, panel: room.state?.panel }) });
  new StageControls(byId("stage-me"), stage);
  const player = new ScreeningPlayer(byId("player"), room);
  const context = { room, player, editing: new Set(), rejecting: new Set(), drafts: new Map() };
  player.loadPlaylist().then(() => drawScreening(context));
  const refreshPlaylist = () => player.loadPlaylist().then(() => drawScreening(context));
  const refreshReview = () => reviewPanel(byId("review"), sessionId, refreshPlaylist);
  refreshReview();
  applicationsPanel(byId("applications"), sessionId, refreshReview);
  room.addEventListener("change", () => draw(context));
  room.addEventListener("presence", () => drawPresence(room));
  room.addEventListener("progress", (event) => {
    if (["ready", "failed"].includes(event.detail.state)) refreshReview();
  });
  // The printable record in the page's language.
  byId("record-link").href = `/sessions/${sessionId}/record?lang=${lang}`;
  window.setInterval(() => room.state && drawCounters(room), 1000);
  room.connect();
}

async function act(room, event, payload) {
  try {
    return await room.call(event, payload);
  } catch (error) {
    announce(errorText(error));
    return null;
  }
}

function draw(context) {
  const { room } = context;
  keepFocus(() => {
    drawPhases(room);
    drawScreening(context);
    drawQuestions(context);
  });
  drawPresence(room);
  drawCounters(room);
}

function drawPhases(room) {
  const current = PHASES.indexOf(room.state.phase);
  fill(byId("phases"), ...PHASES.map((phase, index) => h("button", {
    type: "button", class: index === current ? "current" : "secondary",
    "aria-pressed": String(index === current), disabled: index <= current,
    dataset: { phase },
    onclick: () => act(room, "phase", { session: room.sessionId, phase }),
  }, t(`phase.${phase}`))));
}

function drawScreening({ room, player }) {
  if (!room.state) return;
  const screening = room.state.screening ?? {};
  const items = [...player.items.values()];
  const seek = (delta) => {
    const now = room.screeningNow();
    if (now) act(room, "screening", { session: room.sessionId, action: "seek",
      position: Math.max(0, now.seconds + delta) });
  };
  const index = items.findIndex((item) => item.statement === screening.item);
  const next = items[index + 1];
  fill(byId("screening-controls"),
    h("button", { type: "button", id: "screening-play", disabled: screening.item == null || screening.playing,
      onclick: () => act(room, "screening", { session: room.sessionId, action: "play" }) },
    t("screening.play")),
    h("button", { type: "button", id: "screening-pause", class: "secondary", disabled: !screening.playing,
      onclick: () => act(room, "screening", { session: room.sessionId, action: "pause" }) },
    t("screening.pause")),
    h("button", { type: "button", class: "secondary", disabled: screening.item == null,
      onclick: () => seek(-10) }, t("screening.back")),
    h("button", { type: "button", class: "secondary", disabled: screening.item == null,
      onclick: () => seek(10) }, t("screening.forward")),
    h("button", { type: "button", class: "secondary", id: "screening-next", disabled: !next,
      onclick: () => act(room, "screening", { session: room.sessionId, action: "goto", item: next.statement }) },
    t("screening.next")));
  fill(byId("playlist"), ...(items.length ? items.map((item, position) => h("li", {
    class: item.statement === screening.item ? "current" : "",
    dataset: { statement: String(item.statement) } },
  h("span", {}, `${item.organisation.name} — ${item.title ?? ""} (${formatDuration(item.duration_s ?? 0)})`),
  h("span", { class: "button-row" },
    h("button", { type: "button", class: "secondary screening-goto",
      onclick: () => act(room, "screening", { session: room.sessionId, action: "goto", item: item.statement }) },
    t("screening.goto")),
    h("button", { type: "button", class: "secondary", disabled: position === 0,
      "aria-label": t("playlist.up_label", { name: item.organisation.name }),
      onclick: () => reorder(room, player, items, position, -1) }, "↑"),
    h("button", { type: "button", class: "secondary", disabled: position === items.length - 1,
      "aria-label": t("playlist.down_label", { name: item.organisation.name }),
      onclick: () => reorder(room, player, items, position, 1) }, "↓"))))
    : [h("li", { class: "empty" }, t("moderator.playlist_empty"))]));
}

async function reorder(room, player, items, position, delta) {
  // The server takes every statement of the session in order; the playlist shows only the
  // approved, ready ones, so the two neighbours swap places in the full order.
  const moved = items[position].statement;
  const neighbour = items[position + delta].statement;
  try {
    const session = await api(`/api/sessions/${room.sessionId}`);
    const order = [...session.statements].sort((a, b) => a.position - b.position)
      .map((statement) => statement.id);
    const from = order.indexOf(moved);
    const to = order.indexOf(neighbour);
    [order[from], order[to]] = [order[to], order[from]];
    await api(`/api/sessions/${room.sessionId}/playlist`, { method: "PUT", json: { statements: order } });
  } catch (error) {
    announce(errorText(error));
  }
  await player.loadPlaylist();
  drawScreening({ room, player });
}

function drawQuestions(context) {
  const { room } = context;
  const questions = room.questions();
  const onAir = room.onAir();
  fill(byId("on-air"), h("h3", {}, t("room.on_air")), onAir
    ? h("ul", { class: "questions" }, withButtons(questionItem(onAir, { withAuthor: true }),
      h("button", { type: "button", class: "mark-answered",
        onclick: () => act(room, "moderate", { question: onAir.id, action: "answered" }) },
      t("moderator.answered_button"))))
    : h("p", { class: "empty" }, t("room.nothing_on_air")));
  const pending = questions.filter((question) => question.status === "pending");
  fill(byId("pending"), ...listOrEmpty(pending.map((question) => pendingItem(context, question))));
  const queue = room.queue();
  fill(byId("queue"), ...listOrEmpty(queue.map((question, index) => queueItem(context, question, index, queue.length))));
  fill(byId("answered"), ...listOrEmpty(questions.filter((q) => q.status === "answered")
    .map((question) => questionItem(question, { withAuthor: true }))));
  fill(byId("closed"), ...listOrEmpty(questions.filter((q) => q.status === "rejected" || q.status === "withdrawn")
    .map((question) => withButtons(questionItem(question, { withAuthor: true }),
      h("span", { class: "status" }, question.status === "rejected"
        ? t("status.rejected_reason", { reason: question.rejection_reason ?? "" })
        : t("status.withdrawn"))))));
}

function listOrEmpty(items) {
  return items.length ? items : [h("li", { class: "empty" }, t("room.none"))];
}

function withButtons(item, ...buttons) {
  item.append(h("div", { class: "button-row" }, ...buttons));
  return item;
}

function pendingItem(context, question) {
  const { room } = context;
  const item = questionItem(question, { withAuthor: true });
  const redraw = () => drawQuestions(context);
  if (context.editing.has(question.id)) {
    const field = h("textarea", { id: `edit-${question.id}`, rows: 3, maxlength: 1000 });
    field.value = context.drafts.get(field.id) ?? question.text;
    field.addEventListener("input", () => context.drafts.set(field.id, field.value));
    item.append(h("label", { for: field.id }, t("moderator.edit_label")), field);
    return withButtons(item,
      h("button", { type: "button", onclick: async () => {
        if (await act(room, "moderate", { question: question.id, action: "edit", text: field.value })) {
          context.editing.delete(question.id);
          redraw();
        }
      } }, t("moderator.save")),
      h("button", { type: "button", class: "secondary",
        onclick: () => { context.editing.delete(question.id); redraw(); } }, t("moderator.cancel")));
  }
  if (context.rejecting.has(question.id)) {
    const field = h("input", { id: `reason-${question.id}`, type: "text", maxlength: 500, required: true });
    field.value = context.drafts.get(field.id) ?? "";
    field.addEventListener("input", () => context.drafts.set(field.id, field.value));
    item.append(h("label", { for: field.id }, t("moderator.reason_label")), field);
    return withButtons(item,
      h("button", { type: "button", class: "danger confirm-reject", onclick: async () => {
        if (!field.value.trim()) { field.focus(); return; }
        if (await act(room, "moderate", { question: question.id, action: "reject", reason: field.value.trim() })) {
          context.rejecting.delete(question.id);
          redraw();
        }
      } }, t("moderator.confirm_reject")),
      h("button", { type: "button", class: "secondary",
        onclick: () => { context.rejecting.delete(question.id); redraw(); } }, t("moderator.cancel")));
  }
  return withButtons(item,
    h("button", { type: "button", class: "approve",
      onclick: () => act(room, "moderate", { question: question.id, action: "approve" }) },
    t("moderator.approve")),
    h("button", { type: "button", class: "secondary edit",
      onclick: () => { context.editing.add(question.id); redraw(); byId(`edit-${question.id}`)?.focus(); } },
    t("moderator.edit")),
    h("button", { type: "button", class: "secondary reject",
      onclick: () => { context.rejecting.add(question.id); redraw(); byId(`reason-${question.id}`)?.focus(); } },
    t("moderator.reject")));
}

function queueItem(context, question, index, length) {
  const { room } = context;
  const move = (position) => act(room, "moderate", { question: question.id, action: "move", position })
    .then(() => byId(`handle-${question.id}`)?.focus());
  const item = questionItem(question, { withAuthor: true });
  item.draggable = true;
  // Keyboard: the handle takes focus; Arrow up/down move the question one place.
  const handle = h("button", { type: "button", class: "handle secondary", id: `handle-${question.id}`,
    "aria-label": t("moderator.move_label", { number: question.number, place: index + 1, count: length }),
    onkeydown: (event) => {
      if (event.key === "ArrowUp" && index > 0) { event.preventDefault(); move(index); }
      if (event.key === "ArrowDown" && index < length - 1) { event.preventDefault(); move(index + 2); }
    } }, "⇅");
  item.prepend(handle);
  item.addEventListener("dragstart", (event) => {
    event.dataTransfer.setData("text/plain", String(question.id));
    event.dataTransfer.effectAllowed = "move";
  });
  item.addEventListener("dragover", (event) => { event.preventDefault(); item.classList.add("drop-target"); });
  item.addEventListener("dragleave", () => item.classList.remove("drop-target"));
  item.addEventListener("drop", (event) => {
    event.preventDefault();
    item.classList.remove("drop-target");
    const dragged = Number(event.dataTransfer.getData("text/plain"));
    if (dragged && dragged !== question.id) {
      act(room, "moderate", { question: dragged, action: "move", position: index + 1 });
    }
  });
  const onAirAllowed = room.state.phase === "qa" && !room.state.on_air;
  return withButtons(item,
    h("button", { type: "button", class: "put-on-air", disabled: !onAirAllowed,
      onclick: () => act(room, "moderate", { question: question.id, action: "on_air" }) },
    t("moderator.on_air")),
    h("button", { type: "button", class: "secondary", disabled: index === 0,
      onclick: () => move(index) }, t("moderator.up")),
    h("button", { type: "button", class: "secondary", disabled: index === length - 1,
      onclick: () => move(index + 2) }, t("moderator.down")),
    h("button", { type: "button", class: "secondary reject",
      onclick: () => { context.rejecting.add(question.id); drawQuestions(context); } },
    t("moderator.reject")));
}

function drawPresence(room) {
  const groups = new Map();
  for (const person of room.presence.values()) {
    const group = missionName(person.mission) ?? person.organisation?.name ?? t("account.organiser");
    if (!groups.has(group)) groups.set(group, []);
    groups.get(group).push(person);
  }
  const sorted = [...groups.entries()].sort(([a], [b]) => a.localeCompare(b, lang));
  fill(byId("presence"),
    h("p", {}, t("moderator.present_count", { count: room.presence.size })),
    h("ul", { class: "presence" }, ...sorted.map(([group, people]) => h("li", {},
      h("strong", {}, group), " ",
      people.map((person) => `${person.name} (${t(`role.${person.role}`)})`).join(", ")))));
}

function drawCounters(room) {
  const perMission = new Map();
  let usedSeconds = 0;
  const now = room.serverNow();
  for (const question of room.questions()) {
    const name = missionName(question.mission) ?? "";
    perMission.set(name, (perMission.get(name) ?? 0) + 1);
    if (question.on_air_at) {
      const end = question.answered_at ? Date.parse(question.answered_at) : now;
      usedSeconds += Math.max(0, (end - Date.parse(question.on_air_at)) / 1000);
    }
  }
  const byStatus = (status) => room.questions().filter((q) => q.status === status).length;
  fill(byId("counters"),
    h("p", {}, t("counters.summary", { pending: byStatus("pending"), queued: byStatus("approved"),
      answered: byStatus("answered"), time: formatDuration(usedSeconds) })),
    h("ul", { class: "per-mission", "aria-label": t("counters.per_mission") },
      ...[...perMission.entries()].sort((a, b) => b[1] - a[1])
        .map(([name, count]) => h("li", {}, `${name}: ${count}`))));
}
