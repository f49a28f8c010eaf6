// The public call for applications: an organisation applies to speak in one or more country
// sessions of the event. The deadlines show in the event's time zone and in the applicant's;
// after the application deadline the form gives way to a notice (the API refuses as well).
import { announce, errorText, setupPage } from "/static/js/common.js";
import { api, byId, fill, h } from "/static/js/dom.js";
import {
  LANGUAGES, LANGUAGE_NAMES, countryName, formatMoment, formatRange, lang, t,
} from "/static/js/i18n.js";

const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
const KINDS = ["cso", "nhri", "coalition"];
const SCOPES = ["national", "international"];
const SUMMARY_MAX = 2000;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
// setTimeout's longest wait; a deadline further away is not watched by an open page.
const LONGEST_TIMER = 2 ** 31 - 1;

// The server's error codes, and the field each one is about.
const CODE_FIELDS = {
  missing_organisation: "organisation",
  missing_contact_name: "contact_name",
  missing_contact_email: "contact_email",
  bad_email: "contact_email",
  missing_summary: "summary",
  missing_sessions: "sessions",
  bad_session: "sessions",
  consent_required: "consent",
  bad_country: "country",
  bad_kind: "kind",
  bad_scope: "scope",
  bad_language: "language",
  too_long_organisation: "organisation",
  too_long_contact_name: "contact_name",
  too_long_contact_email: "contact_email",
  too_long_summary: "summary",
};
// What the page says, in its language, for each of those codes (the server's message is in
// English; it is shown only for a refusal the page has no words for).
const CODE_MESSAGES = {
  missing_organisation: "apply.error_organisation",
  missing_contact_name: "apply.error_contact_name",
  missing_contact_email: "apply.error_email",
  bad_email: "apply.error_email",
  missing_summary: "apply.error_summary",
  missing_sessions: "apply.error_sessions",
  bad_session: "apply.error_bad_session",
  consent_required: "apply.error_consent",
  bad_country: "apply.error_country",
  bad_kind: "apply.error_kind",
  bad_scope: "apply.error_scope",
  bad_language: "apply.error_language",
  too_long_organisation: "apply.error_too_long",
  too_long_contact_name: "apply.error_too_long",
  too_long_contact_email: "apply.error_too_long",
  too_long_summary: "apply.error_too_long",
};

await setupPage();
await showCall();

async function showCall() {
  const status = byId("status");
  let programme;
  let countries;
  try {
    [programme, countries] = await Promise.all([api("/api/sessions"), api("/api/countries")]);
  } catch {
    status.textContent = t("apply.failed");
    return;
  }
  const wanted = new URLSearchParams(window.location.search).get("event");
  const event = programme.events.find((item) => String(item.id) === wanted || item.slug === wanted)
    ?? programme.events.at(-1);
  if (!event) {
    status.textContent = t("apply.no_event");
    return;
  }
  byId("event-name").textContent = event.name;
  document.title = `${t("apply.title")}: ${event.name}`;
  fill(byId("deadlines"), deadlines(event));
  const sessions = programme.sessions.filter((session) => session.event === event.id);
  const closesAt = event.application_deadline ? new Date(event.application_deadline) : null;
  status.textContent = "";
  if (closesAt && Date.now() > closesAt.getTime()) {
    showClosed(event);
    return;
  }
  const form = applicationForm(event, sessions, countries.countries);
  fill(byId("call"), form);
  keepDraft(form, event);
  watchDeadline(event);
}

/** Someone filling in the form at the last minute sees it close rather than find out on
 * sending; what they wrote stays on screen. The deadline is read again when it comes, in case
 * the organisers moved it meanwhile. */
function watchDeadline(event) {
  const closesAt = event.application_deadline ? Date.parse(event.application_deadline) : null;
  if (closesAt === null || closesAt - Date.now() >= LONGEST_TIMER) return;
  window.setTimeout(async () => {
    const now = await latest(event);
    const moved = now.application_deadline ? Date.parse(now.application_deadline) : null;
    if (moved === null || moved > Date.now()) watchDeadline(now);
    else closeForm(now);
  }, Math.max(0, closesAt - Date.now()) + 500);
}

function deadlines(event) {
  const rows = [];
  for (const [key, value] of [["apply.application_deadline", event.application_deadline],
    ["apply.statement_deadline", event.statement_deadline]]) {
    if (!value) continue;
    const moment = new Date(value);
    rows.push(h("dt", {}, t(key)),
      h("dd", { class: "event-time" }, t("apply.in_event_zone", {
        time: formatMoment(moment, event.timezone), zone: event.timezone })));
    if (viewerZone !== event.timezone) {
      rows.push(h("dd", { class: "local-time" }, t("apply.in_your_zone", {
        time: formatMoment(moment, viewerZone), zone: viewerZone })));
    }
  }
  return rows.length ? h("dl", { class: "deadlines" }, ...rows) : null;
}

function showClosed(event) {
  fill(byId("call"), h("section", { class: "notice call-closed", role: "status" },
    h("h2", {}, t("apply.closed_title")),
    event.application_deadline ? h("p", {}, t("apply.closed", {
      time: formatMoment(new Date(event.application_deadline), event.timezone) })) : null,
    h("p", {}, h("a", { href: "/" }, t("notice.home")))));
}

/** The event as the server has it now (the organisers may have moved the deadline). */
async function latest(event) {
  try {
    const programme = await api("/api/sessions");
    return programme.events.find((item) => item.id === event.id) ?? event;
  } catch {
    return event;
  }
}

function closeForm(event) {
  const form = byId("application");
  if (!form) return;
  for (const control of form.elements) control.disabled = true;
  if (form.previousElementSibling?.classList.contains("call-closed")) return;
  const notice = h("div", { class: "notice call-closed", role: "alert", tabindex: "-1" },
    h("h2", {}, t("apply.closed_title")),
    event.application_deadline ? h("p", {}, t("apply.closed", {
      time: formatMoment(new Date(event.application_deadline), event.timezone) })) : null);
  form.before(notice);
  notice.focus();
}

// -- the form --------------------------------------------------------------------------------

function field(name, labelKey, control, hintKey) {
  control.id = `field-${name}`;
  control.name = name;
  const hint = hintKey ? h("p", { class: "hint", id: `hint-${name}` }, t(hintKey)) : null;
  const error = h("p", { class: "error field-error", id: `error-${name}`, hidden: true });
  control.setAttribute("aria-describedby", [hint?.id, error.id].filter(Boolean).join(" "));
  return h("div", { class: "field", dataset: { field: name } },
    h("label", { for: control.id }, t(labelKey)), hint, control, error);
}

function choices(name, legendKey, options, labelOf, type = "radio") {
  const error = h("p", { class: "error field-error", id: `error-${name}`, hidden: true });
  return h("fieldset", { class: "field choices", dataset: { field: name },
    "aria-describedby": error.id },
  h("legend", {}, t(legendKey)), error,
  ...options.map(([value, label], index) => h("label", { class: "choice" },
    h("input", { type, name, value, id: index === 0 ? `field-${name}` : null }),
    " ", labelOf ? labelOf(label) : label)));
}

function applicationForm(event, sessions, countries) {
  const countryOptions = countries
    .map(({ code, name }) => ({ code, name: countryName(code, name) }))
    .sort((a, b) => a.name.localeCompare(b.name, lang));
  const summary = h("textarea", { rows: 6, maxlength: SUMMARY_MAX });
  const summaryCount = h("p", { class: "hint", id: "summary-count", "aria-live": "polite" });
  const countSummary = () => {
    summaryCount.textContent = t("apply.summary_count", {
      count: summary.value.length, max: SUMMARY_MAX });
  };
  summary.addEventListener("input", countSummary);
  countSummary();
  const summaryField = field("summary", "apply.summary", summary, "apply.summary_hint");
  summaryField.append(summaryCount);

  const form = h("form", { id: "application", class: "application", novalidate: true },
    h("div", { id: "problems", class: "error-summary", tabindex: "-1", hidden: true }),
    h("fieldset", { class: "group" },
      h("legend", {}, t("apply.organisation_group")),
      field("organisation", "apply.organisation", h("input", { type: "text", maxlength: 200,
        autocomplete: "organization" })),
      choices("kind", "apply.kind", KINDS.map((kind) => [kind, t(`kind.${kind}`)])),
      choices("scope", "apply.scope", SCOPES.map((scope) => [scope, t(`scope.${scope}`)])),
      field("country", "apply.country", h("select", {},
        h("option", { value: "" }, t("apply.country_none")),
        ...countryOptions.map(({ code, name }) => h("option", { value: code }, name))),
      "apply.country_hint")),
    choices("sessions", "apply.sessions", sessions.map((session) => [String(session.id),
      `${countryName(session.country, session.country_name)} · ${formatRange(new Date(session.starts_at),
        new Date(session.ends_at), event.timezone)}`]), null, "checkbox"),
    h("fieldset", { class: "group" },
      h("legend", {}, t("apply.contact_group")),
      field("contact_name", "apply.contact_name", h("input", { type: "text", maxlength: 200,
        autocomplete: "name" })),
      field("contact_email", "apply.contact_email", h("input", { type: "email", maxlength: 320,
        autocomplete: "email", spellcheck: "false" })),
      field("language", "apply.language", h("select", {},
        ...LANGUAGES.map((code) => h("option", { value: code, lang: code,
          selected: code === lang }, LANGUAGE_NAMES[code]))), "apply.language_hint")),
    summaryField,
    h("div", { class: "field consent", dataset: { field: "consent" } },
      h("p", { class: "terms" }, t("apply.terms")),
      h("p", { class: "error field-error", id: "error-consent", hidden: true }),
      h("label", { class: "choice" },
        h("input", { type: "checkbox", name: "consent", id: "field-consent",
          "aria-describedby": "error-consent" }),
        " ", t("apply.consent"))),
    h("p", { class: "form-status", id: "form-status", role: "status" }),
    h("button", { type: "submit", id: "apply-submit" }, t("apply.submit")));
  form.addEventListener("submit", (submitted) => {
    submitted.preventDefault();
    send(form, event);
  });
  return form;
}

// -- the draft: what was typed survives a reload, and sending again is sending the same -------

function draftKey(event) {
  return `presession.apply.${event.id}`;
}

function loadDraft(event) {
  try {
    return JSON.parse(sessionStorage.getItem(draftKey(event)) ?? "null");
  } catch {
    return null;
  }
}

function newClientId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return [...crypto.getRandomValues(new Uint8Array(16))]
    .map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Fill the form from this tab's draft and keep the draft as the applicant types. The draft's
 * `client_id` goes with the application, so a reload or a retry never records it twice. */
function keepDraft(form, event) {
  const draft = loadDraft(event) ?? { client_id: newClientId(), values: {} };
  for (const control of form.elements) {
    if (!control.name || !(control.name in draft.values)) continue;
    const saved = draft.values[control.name];
    if (control.type === "radio" || control.type === "checkbox") {
      control.checked = [saved].flat().includes(control.value);
    } else {
      control.value = saved;
    }
  }
  form.querySelector("textarea")?.dispatchEvent(new Event("input"));
  const save = () => {
    const values = {};
    const data = new FormData(form);
    for (const name of new Set(data.keys())) {
      const all = data.getAll(name);
      values[name] = all.length > 1 || name === "sessions" ? all : all[0];
    }
    try {
      sessionStorage.setItem(draftKey(event), JSON.stringify({ client_id: draft.client_id, values }));
    } catch {
      // A full or disabled storage only loses the draft, never the application.
    }
  };
  form.addEventListener("input", save);
  form.addEventListener("change", save);
  form.dataset.clientId = draft.client_id;
  save();
}

function read(form, event) {
  const data = new FormData(form);
  return {
    event: event.id,
    client_id: form.dataset.clientId,
    organisation: (data.get("organisation") ?? "").trim(),
    kind: data.get("kind"),
    scope: data.get("scope"),
    country: data.get("country") || null,
    sessions: data.getAll("sessions").map(Number),
    contact_name: (data.get("contact_name") ?? "").trim(),
    contact_email: (data.get("contact_email") ?? "").trim(),
    language: data.get("language"),
    summary: (data.get("summary") ?? "").trim(),
    consent: data.get("consent") === "on",
  };
}

/** The fields to fix before sending, each with its message: the server checks the same. */
function problems(application) {
  const found = [];
  if (!application.organisation) found.push(["organisation", t("apply.error_organisation")]);
  if (!application.kind) found.push(["kind", t("apply.error_kind")]);
  if (!application.scope) found.push(["scope", t("apply.error_scope")]);
  if (!application.sessions.length) found.push(["sessions", t("apply.error_sessions")]);
  if (!application.contact_name) found.push(["contact_name", t("apply.error_contact_name")]);
  if (!EMAIL.test(application.contact_email)) found.push(["contact_email", t("apply.error_email")]);
  if (!application.summary) found.push(["summary", t("apply.error_summary")]);
  if (!application.consent) found.push(["consent", t("apply.error_consent")]);
  return found;
}

function showProblems(form, found) {
  for (const node of form.querySelectorAll(".field-error")) {
    node.hidden = true;
    node.textContent = "";
  }
  for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
  const summary = byId("problems");
  if (!found.length) {
    summary.hidden = true;
    fill(summary);
    return;
  }
  for (const [name, message] of found) {
    if (!name) continue;
    const error = byId(`error-${name}`);
    if (error) {
      error.textContent = message;
      error.hidden = false;
    }
    for (const control of form.querySelectorAll(`[name="${name}"]`)) {
      control.setAttribute("aria-invalid", "true");
    }
  }
  fill(summary,
    h("h2", {}, t("apply.problems", { count: found.length })),
    h("ul", {}, ...found.map(([name, message]) => h("li", {}, name
      ? h("a", { href: `#field-${name}`, onclick: (click) => {
        click.preventDefault();
        byId(`field-${name}`)?.focus();
      } }, message)
      : message))));
  summary.hidden = false;
  summary.focus();
}

async function send(form, event) {
  const application = read(form, event);
  const found = problems(application);
  showProblems(form, found);
  if (found.length) return;
  const button = byId("apply-submit");
  const status = byId("form-status");
  button.disabled = true;
  status.textContent = t("apply.sending");
  let received;
  try {
    received = await api("/api/applications", { json: application });
  } catch (error) {
    button.disabled = false;
    status.textContent = "";
    if (error.code === "applications_closed") {
      // What was typed stays on screen (disabled), under the notice.
      closeForm(await latest(event));
      return;
    }
    // What the server found, in the page's language where the page knows the code; a field
    // only when the code names one.
    const known = CODE_MESSAGES[error.code];
    const message = !error.status ? t("apply.offline") : known ? t(known) : errorText(error);
    showProblems(form, [[CODE_FIELDS[error.code] ?? null, message]]);
    return;
  }
  sessionStorage.removeItem(draftKey(event));
  showReceived(received, application);
}

function showReceived(received, application) {
  const heading = h("h2", { tabindex: "-1" }, t("apply.received_title"));
  fill(byId("call"), h("section", { class: "notice received", id: "received" },
    heading,
    h("p", {}, t("apply.received", { number: received.id, organisation: application.organisation })),
    h("p", {}, received.mailed !== false
      ? t("apply.received_mailed", { email: application.contact_email })
      : t("apply.received_not_mailed", { number: received.id })),
    h("p", {}, t("apply.received_next"))));
  heading.focus();
  announce(t("apply.received_title"));
}
