// What every page has: the header (who is signed in, sign-out, language), the connection
// indicator, and one polite live region that announces changes to screen readers.
import { api, byId, fill, h } from "/static/js/dom.js";
import {
  LANGUAGES, LANGUAGE_NAMES, has, lang, missionName, setLanguage, t, translatePage,
} from "/static/js/i18n.js";

/** Translate the page, draw the header; resolves to the signed-in person or null. */
export async function setupPage() {
  translatePage();
  languageSwitch();
  let me = null;
  try {
    me = await api("/api/me");
  } catch {
    me = null;
  }
  account(me);
  return me;
}

function languageSwitch() {
  const select = byId("language");
  if (!select) return;
  fill(select, ...LANGUAGES.map((code) =>
    h("option", { value: code, lang: code, selected: code === lang }, LANGUAGE_NAMES[code])));
  select.addEventListener("change", () => setLanguage(select.value));
}

function account(me) {
  const box = byId("account");
  if (!box) return;
  if (!me) {
    fill(box, h("span", { class: "who" }, t("account.signed_out")));
    return;
  }
  const belongsTo = me.organisation?.name ?? missionName(me.mission) ?? t("account.organiser");
  const signOut = h("button", { type: "button", class: "secondary", id: "sign-out" },
    t("account.sign_out"));
  signOut.addEventListener("click", async () => {
    await api("/api/logout", { method: "POST" }).catch(() => null);
    window.location.assign("/");
  });
  fill(box,
    h("span", { class: "who" }, `${me.name} · ${t(`role.${me.role}`)} · ${belongsTo}`),
    homeLink(me), signOut);
}

function homeLink(me) {
  const page = me.role === "speaker" ? "/speaker"
    : me.role === "delegate" ? (me.sessions?.length ? `/sessions/${me.sessions[0]}` : null)
      : "/moderator";
  if (!page || window.location.pathname === page) return null;
  return h("a", { href: page, class: "my-page" }, t("account.my_page"));
}

/** Say something to screen readers: each message is added to the live region as a line of its
 * own (several changes at once are all read), and only the last few are kept. */
export function announce(message) {
  const region = byId("announcer");
  if (!region) return;
  region.append(h("p", {}, message));
  while (region.children.length > 5) region.firstElementChild.remove();
}

/** Keep the header's connection indicator in step with a LiveRoom (and its live stage: while
 * the room is connected and the stage rebuilds itself, the indicator says so). */
export function showConnection(room, stage = null) {
  const indicator = byId("connection");
  if (!indicator) return;
  indicator.hidden = false;
  const draw = () => {
    const status = room.status === "online" && stage?.status === "reconnecting"
      ? "stage_reconnecting" : room.status;
    indicator.dataset.status = status;
    indicator.textContent = t(`connection.${status}`);
  };
  draw();
  room.addEventListener("status", draw);
  stage?.addEventListener("status", draw);
  room.addEventListener("resynced", () => announce(t("connection.resynced")));
}

export function requireSignIn(me, roles) {
  if (me && roles.includes(me.role)) return true;
  fill(byId("main"), h("section", { class: "notice" },
    h("h1", {}, t(me ? "notice.wrong_role_title" : "notice.sign_in_title")),
    h("p", {}, t(me ? "notice.wrong_role" : "notice.sign_in")),
    h("p", {}, h("a", { href: "/" }, t("notice.home")))));
  return false;
}

/**
 * What went wrong, for the person, from an error of our server (`{code, message}`): on an
 * English page the server's own message (written for people, and the most precise); on
 * another, the catalog's text for the code (`error.code.<code>`), else the server's message
 * (English beats nothing); else the `fallback` message. An error that is not our server's
 * (Janus, the browser: their codes are numbers) says `fallback`.
 */
export function errorText(error, fallback = "error.unknown") {
  if (typeof error?.code !== "string") return t(fallback);
  const key = `error.code.${error.code}`;
  if (lang === "en" && error.message) return error.message;
  return has(key) ? t(key) : error.message || t(fallback);
}
