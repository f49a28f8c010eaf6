// The programme: every country session with its time in Geneva and in the viewer's time zone,
// its phase and a live badge; the signed-in person's sessions link to their page.
import { setupPage } from "/static/js/common.js";
import { api, byId, fill, h } from "/static/js/dom.js";
import { countryName, formatMoment, formatRange, t } from "/static/js/i18n.js";

const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
const LIVE_PHASES = new Set(["screening", "qa"]);

function sessionItem(session, event, me) {
  const startsAt = new Date(session.starts_at);
  const endsAt = new Date(session.ends_at);
  const country = countryName(session.country, session.country_name);
  const title = h("h2", { class: "country" }, country);
  if (LIVE_PHASES.has(session.phase)) {
    title.append(" ", h("span", { class: "badge live" }, t("home.live")));
  }
  const times = h("dl", { class: "times" },
    h("dt", {}, t("home.geneva")),
    h("dd", { class: "geneva" }, formatRange(startsAt, endsAt, event.timezone)));
  if (viewerZone !== event.timezone) {
    times.append(h("dt", {}, t("home.your_time")),
      h("dd", { class: "local" }, formatRange(startsAt, endsAt, viewerZone)));
  }
  return h("li", { class: "session", dataset: { session: String(session.id) } },
    title,
    h("p", { class: "sur" }, t("home.sur", {
      name: countryName(session.state_under_review.country, session.state_under_review.name) })),
    times,
    h("p", { class: `phase phase-${session.phase}` },
      t("home.phase", { phase: t(`phase.${session.phase}`) })),
    enterLink(session, country, me),
    h("p", {}, h("a", { href: `/api/sessions/${session.id}.ics`, class: "calendar" },
      t("home.calendar_session", { country }))));
}

function enterLink(session, country, me) {
  if (!me) return null;
  const organiser = me.role === "admin" || me.role === "moderator";
  if (!organiser && !(me.sessions ?? []).includes(session.id)) return null;
  const href = organiser ? `/moderator?session=${session.id}`
    : me.role === "speaker" ? "/speaker" : `/sessions/${session.id}`;
  return h("p", {}, h("a", { href, class: "enter" },
    t("home.enter", { country })));
}

async function showProgramme(me) {
  const status = byId("status");
  let programme;
  try {
    programme = await api("/api/sessions");
  } catch {
    status.textContent = t("home.failed");
    return;
  }
  const event = programme.events.at(-1);
  if (!event) {
    status.textContent = t("home.no_event");
    return;
  }
  byId("event-name").textContent = event.name;
  document.title = `Presession: ${event.name}`;
  byId("timezones").textContent = t("home.timezones", { geneva: event.timezone, local: viewerZone });
  const sessions = programme.sessions.filter((session) => session.event === event.id);
  fill(byId("sessions"), ...sessions.map((session) => sessionItem(session, event, me)));
  status.textContent = t("home.count", { count: sessions.length });
  byId("calendar").href = "/api/sessions.ics";
  byId("calendar").hidden = false;
  const closesAt = event.application_deadline ? new Date(event.application_deadline) : null;
  if (closesAt && Date.now() <= closesAt.getTime()) {
    const link = byId("apply-link");
    link.textContent = t("home.apply", { time: formatMoment(closesAt, event.timezone) });
    link.hidden = false;
  }
}

const me = await setupPage();
if (!me) {
  byId("main").prepend(h("p", { class: "notice sign-in-hint" }, t("home.sign_in_hint")));
}
await showProgramme(me);
