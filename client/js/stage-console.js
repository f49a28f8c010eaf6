// The moderator's Stage panel: go live and end the stage, who is on stage (mute, unmute,
// remove, let back), and the floor: given to the delegation of the question on air (camera
// allowed or not) and taken back. Each control is one `stage` call on the live room; the
// panel redraws from the room's state, never from the answer.
import { announce, errorText } from "/static/js/common.js";
import { fill, h, keepFocus } from "/static/js/dom.js";
import { missionName, t } from "/static/js/i18n.js";

const OPEN_PHASES = ["screening", "qa"];

export function stageConsole(container, room) {
  const context = { room, cameraAllowed: false };
  const draw = () => room.state && keepFocus(() => drawConsole(container, context));
  room.addEventListener("change", draw);
  room.addEventListener("presence", draw);
  draw();
}

async function act(room, action, extra = {}) {
  try {
    await room.call("stage", { session: room.sessionId, action, ...extra });
  } catch (error) {
    announce(errorText(error));
  }
}

function drawConsole(container, context) {
  const { room } = context;
  const stage = room.state.stage;
  if (!stage?.available) {
    fill(container, h("p", { class: "notice" }, t("stage.status_unavailable")));
    return;
  }
  const canOpen = OPEN_PHASES.includes(room.state.phase) && !stage.live;
  fill(container,
    h("div", { class: "button-row" },
      h("p", { class: stage.live ? "badge live" : "hint", id: "stage-live-state" },
        t(stage.live ? "stage.live_now" : "stage.not_live")),
      stage.live
        ? h("button", { type: "button", class: "danger", id: "stage-close",
          onclick: () => act(room, "close") }, t("stage.close"))
        : h("button", { type: "button", id: "stage-open", disabled: !canOpen,
          onclick: () => act(room, "open") }, t("stage.open"))),
    stage.live ? floorControls(context, stage) : null,
    stage.live ? people(room, stage) : null);
}

function floorControls(context, stage) {
  const { room } = context;
  if (stage.floor) {
    const mission = missionName(stage.floor.mission) ?? "";
    return h("div", { class: "button-row floor" },
      h("p", { id: "stage-floor" }, t(stage.floor.video ? "stage.floor_holder_video" : "stage.floor_holder", { mission })),
      h("button", { type: "button", class: "secondary", id: "stage-take-floor",
        onclick: () => act(room, "take_floor") }, t("stage.take_floor")));
  }
  if (!stage.offer) return h("p", { class: "hint", id: "stage-floor" }, t("stage.no_offer"));
  const mission = missionName(stage.offer.mission) ?? "";
  const camera = h("input", { type: "checkbox", id: "stage-camera-allowed", checked: context.cameraAllowed,
    onchange: () => { context.cameraAllowed = camera.checked; } });
  return h("div", { class: "button-row floor" },
    h("p", { id: "stage-floor" }, t("stage.offer", { mission })),
    h("label", { class: "choice", for: camera.id }, camera, " ", t("stage.camera_allowed")),
    h("button", { type: "button", id: "stage-give-floor",
      onclick: () => act(room, "give_floor", { mission: stage.offer.mission?.id, video: camera.checked }) },
    t("stage.give_floor", { mission })));
}

function people(room, stage) {
  const onStage = stage.on_stage ?? [];
  const removed = stage.removed ?? [];
  const nameOf = (person) => room.presence.get(person)?.name ?? t("stage.person_n", { number: person });
  return h("div", { class: "stage-people-block" },
    h("h3", { id: "stage-people-title" }, t("stage.people")),
    h("ul", { class: "stage-people", id: "stage-people", "aria-labelledby": "stage-people-title" },
      ...(onStage.length ? onStage.map((entry) => personRow(room, entry))
        : [h("li", { class: "empty" }, t("stage.nobody_console"))])),
    removed.length ? h("h3", { id: "stage-removed-title" }, t("stage.removed_people")) : null,
    removed.length ? h("ul", { class: "stage-people", "aria-labelledby": "stage-removed-title" },
      ...removed.map((person) => h("li", {},
        h("span", { class: "stage-who" }, nameOf(person)),
        h("button", { type: "button", class: "secondary", id: `stage-let-back-${person}`,
          "aria-label": t("stage.let_back_person", { name: nameOf(person) }),
          onclick: () => act(room, "remove", { person, removed: false }) }, t("stage.let_back"))))) : null);
}

function personRow(room, entry) {
  const belongsTo = entry.organisation ?? missionName(entry.mission) ?? t("account.organiser");
  const muted = entry.muted || (room.state.stage.muted ?? []).includes(entry.person);
  return h("li", { dataset: { person: String(entry.person), feed: String(entry.feed) } },
    h("span", { class: "stage-who" }, h("strong", {}, entry.name), " · ", belongsTo,
      muted ? h("span", { class: "badge" }, t("stage.muted_badge")) : null),
    h("button", { type: "button", class: "secondary", id: `stage-mute-${entry.person}`,
      "aria-label": t(muted ? "stage.unmute_person" : "stage.mute_person", { name: entry.name }),
      onclick: () => act(room, "mute", { person: entry.person, muted: !muted }) },
    t(muted ? "stage.unmute" : "stage.mute")),
    h("button", { type: "button", class: "danger", id: `stage-remove-${entry.person}`,
      "aria-label": t("stage.remove_person", { name: entry.name }),
      onclick: () => act(room, "remove", { person: entry.person }) }, t("stage.remove")));
}
