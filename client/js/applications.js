// Applications to speak in one country session (moderators): who applied and what they would
// raise, and a decision for each — accept (which invites the speaker and opens their statement
// slot), waiting list or decline — with a message that goes to the applicant by e-mail.
import { announce, errorText } from "/static/js/common.js";
import { api, fill, h } from "/static/js/dom.js";
import { LANGUAGE_NAMES, countryName, formatMoment, t } from "/static/js/i18n.js";

const OPEN_DECISIONS = new Set(["pending", "waitlisted"]);
// Messages being written, by application: a redraw (after another decision) keeps them.
const drafts = new Map();

/** Draw the panel into `container`; `onAccepted` runs after a speaker was accepted. */
export async function applicationsPanel(container, sessionId, onAccepted = () => null,
  said = "", focusId = null) {
  let applications;
  let session;
  try {
    [{ applications }, session] = await Promise.all([
      api(`/api/sessions/${sessionId}/applications`), api(`/api/sessions/${sessionId}`)]);
  } catch (error) {
    fill(container, h("p", {}, errorText(error)));
    return;
  }
  const redraw = (message, focus) => applicationsPanel(container, sessionId, onAccepted, message,
    focus);
  const speakers = session.statements.length;
  const full = speakers >= session.max_speakers;
  fill(container,
    h("p", { class: "form-status", id: `applications-status-${sessionId}`, tabindex: "-1" }, said),
    h("p", { class: full ? "cap full" : "cap" },
      t("applications.cap", { count: speakers, max: session.max_speakers })),
    capForm(session, redraw),
    applications.length
      ? h("ul", { class: "application-list" }, ...applications.map((application) =>
        applicationItem(application, sessionId, full, redraw, onAccepted)))
      : h("p", { class: "empty" }, t("applications.none")));
  // After a redraw, focus goes back where the moderator was (or to what was said).
  if (focusId) document.getElementById(focusId)?.focus();
}

function applicationItem(application, sessionId, full, redraw, onAccepted) {
  const item = h("li", { class: `application decision-${application.decision}`,
    dataset: { application: String(application.application) } },
  h("h4", {}, application.organisation),
  h("p", { class: "application-meta" }, [t(`kind.${application.kind}`), t(`scope.${application.scope}`),
    application.country && countryName(application.country)].filter(Boolean).join(" · ")),
  h("p", { class: "application-meta" }, t("applications.contact", {
    name: application.contact_name, email: application.contact_email,
    language: LANGUAGE_NAMES[application.language] ?? application.language.toUpperCase() })),
  h("p", { class: "application-summary" }, application.summary),
  h("p", { class: "application-meta" }, t("applications.submitted", {
    date: formatMoment(new Date(application.submitted_at)) })),
  h("p", { class: "decision" }, t(`decision.${application.decision}`),
    application.message ? ` — ${application.message}` : ""));
  if (!OPEN_DECISIONS.has(application.decision)) return item;
  const messageId = `application-message-${application.application}`;
  const message = h("textarea", { id: messageId, rows: 2, maxlength: 2000 });
  message.value = drafts.get(application.application) ?? "";
  message.addEventListener("input", () => drafts.set(application.application, message.value));
  const status = h("p", { class: "form-status", role: "status" });
  const buttons = [];
  const decide = async (decision) => {
    for (const button of buttons) button.disabled = true;
    status.textContent = t("applications.saving");
    try {
      const decided = await api(`/api/applications/${application.application}/review`, {
        json: { session: sessionId, decision, message: message.value.trim() || null } });
      const key = decision !== "accepted" ? "applications.decided"
        : decided.mailed ? "applications.accepted_mailed" : "applications.accepted_not_mailed";
      const said = t(key, { organisation: application.organisation });
      drafts.delete(application.application);
      announce(said);
      if (decision === "accepted") onAccepted();
      redraw(said, `applications-status-${sessionId}`);
    } catch (error) {
      for (const button of buttons) button.disabled = false;
      status.textContent = errorText(error);
    }
  };
  buttons.push(
    h("button", { type: "button", class: "accept-application", disabled: full,
      onclick: () => decide("accepted") }, t("applications.accept")),
    h("button", { type: "button", class: "secondary", onclick: () => decide("waitlisted"),
      disabled: application.decision === "waitlisted" }, t("applications.waitlist")),
    h("button", { type: "button", class: "secondary", onclick: () => decide("rejected") },
      t("applications.reject")));
  item.append(h("label", { for: messageId }, t("applications.message_label")), message,
    h("div", { class: "button-row" }, ...buttons), status);
  return item;
}

/** How many speakers the session takes (never fewer than it has: the server says so). */
function capForm(session, redraw) {
  const inputId = `max-speakers-${session.id}`;
  const input = h("input", { type: "number", id: inputId, min: 1, max: 50, step: 1,
    value: String(session.max_speakers), class: "narrow" });
  const status = h("p", { class: "form-status", role: "status" });
  const form = h("form", { class: "cap-form" },
    h("label", { for: inputId }, t("applications.cap_label")), input,
    h("button", { type: "submit", class: "secondary" }, t("applications.cap_save")), status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const saved = await api(`/api/sessions/${session.id}`, { method: "PATCH",
        json: { max_speakers: Number(input.value) } });
      const said = t("applications.cap_saved", { max: saved.max_speakers });
      announce(said);
      redraw(said, inputId);
    } catch (error) {
      status.textContent = errorText(error);
    }
  });
  return form;
}
