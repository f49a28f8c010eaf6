// Recommendations beside a statement: the speaker's editor, the moderators' read-only list,
// and the room's list by organisation, where a delegate marks those their mission intends to
// raise. Every text goes in as text (dom.js `h`), never as HTML.
import { announce, errorText } from "/static/js/common.js";
import { api, fill, h, keepFocus } from "/static/js/dom.js";
import { missionName, t } from "/static/js/i18n.js";

export const MAX_ITEMS = 10;
const MAX_TEXT = 600;
const MAX_PREVIOUS = 40;

export function themeName(theme) {
  return t(`recommendation.theme.${theme}`);
}

/** One recommendation as read: number, text, theme and the previous cycle's reference. */
function reading(item) {
  return [
    h("p", { class: "recommendation-text" }, item.text),
    h("p", { class: "recommendation-meta" },
      h("span", { class: "theme" }, themeName(item.theme)),
      item.previous ? ` · ${t("recommendations.previous_ref", { reference: item.previous })}` : ""),
  ];
}

/** The moderators' view of a statement's list, in review. */
export function recommendationList(items) {
  if (!items.length) return h("p", { class: "empty" }, t("recommendations.none"));
  return h("ol", { class: "recommendation-list" },
    ...items.map((item) => h("li", { class: "recommendation" }, ...reading(item))));
}

// -- the speaker's editor ---------------------------------------------------------------------

const drafts = new Map(); // statement id → {rows, themes, said, errors}: kept across redraws

/** The speaker's list beside their statement: rows to add and remove, each with its theme
 * and an optional previous-cycle reference; one save sends the whole list. */
export function recommendationEditor(statementId, { open }) {
  const section = h("section", { class: "recommendations", id: `recommendations-${statementId}`,
    "aria-labelledby": `recommendations-title-${statementId}` });
  const draft = drafts.get(statementId);
  if (!draft) {
    fill(section, h("h5", { id: `recommendations-title-${statementId}` }, t("recommendations.title")));
    load(section, statementId, open);
    return section;
  }
  drawEditor(section, statementId, draft, open);
  return section;
}

/** The statement's list as saved, as a fresh draft. */
async function fetchDraft(statementId) {
  const answer = await api(`/api/statements/${statementId}/recommendations`);
  const draft = { rows: answer.items.map((item) => ({ ...item, previous: item.previous ?? "" })),
    themes: answer.themes, said: "", errors: {} };
  drafts.set(statementId, draft);
  return draft;
}

async function load(section, statementId, open) {
  try {
    await fetchDraft(statementId);
  } catch (error) {
    section.append(h("p", { class: "error" }, errorText(error)));
    return;
  }
  keepFocus(() => drawEditor(section, statementId, drafts.get(statementId), open));
}

function drawEditor(section, statementId, draft, open) {
  const title = h("h5", { id: `recommendations-title-${statementId}` }, t("recommendations.title"));
  if (!open) {
    fill(section, title, h("p", {}, t("recommendations.closed")), recommendationList(draft.rows));
    return;
  }
  const redraw = () => keepFocus(() => drawEditor(section, statementId, draft, open));
  const add = h("button", { type: "button", class: "secondary", id: `recommendation-add-${statementId}`,
    disabled: draft.rows.length >= MAX_ITEMS ? true : null, onclick: () => {
      draft.rows.push({ id: null, text: "", theme: "", previous: "" });
      draft.said = "";
      redraw();
      section.querySelector(`#rec-text-${statementId}-${draft.rows.length - 1}`)?.focus();
    } }, t("recommendations.add"));
  const save = h("button", { type: "button", id: `recommendations-save-${statementId}`,
    onclick: () => send(section, statementId, draft, open) }, t("recommendations.save"));
  fill(section, title,
    h("p", { class: "hint" }, t("recommendations.hint", { max: MAX_ITEMS, length: MAX_TEXT })),
    draft.rows.length
      ? h("ol", { class: "recommendation-editor" },
        ...draft.rows.map((row, index) => editorRow(statementId, draft, row, index, redraw)))
      : h("p", { class: "empty" }, t("recommendations.none")),
    draft.errors.items ? h("p", { class: "error field-error", id: `rec-error-${statementId}`,
      role: "alert", tabindex: "-1" }, draft.errors.items) : null,
    h("div", { class: "button-row" }, add, save),
    h("p", { class: "form-status", role: "status", id: `recommendations-status-${statementId}` }, draft.said));
}

function editorRow(statementId, draft, row, index, redraw) {
  const base = `rec-${statementId}-${index}`;
  const number = index + 1;
  // An error about the row itself or its id (listed twice) is shown in its text's slot.
  const fieldError = (name) => draft.errors[`items[${index}].${name}`] ?? (name === "text"
    ? draft.errors[`items[${index}]`] ?? draft.errors[`items[${index}].id`] : undefined);
  const described = (name) => (fieldError(name) ? `${base}-${name}-error` : null);
  const errorLine = (name) => (fieldError(name)
    ? h("p", { class: "error field-error", id: `${base}-${name}-error` }, fieldError(name)) : null);
  const text = h("textarea", { id: `rec-text-${statementId}-${index}`, rows: 3, maxlength: MAX_TEXT,
    "aria-invalid": fieldError("text") ? "true" : null, "aria-describedby": described("text") });
  text.value = row.text;
  text.addEventListener("input", () => { row.text = text.value; });
  const theme = h("select", { id: `rec-theme-${statementId}-${index}`,
    "aria-invalid": fieldError("theme") ? "true" : null, "aria-describedby": described("theme") },
    h("option", { value: "" }, t("recommendations.choose_theme")),
    ...draft.themes.map((id) => h("option", { value: id }, themeName(id))));
  theme.value = row.theme;
  theme.addEventListener("change", () => { row.theme = theme.value; });
  const previous = h("input", { type: "text", id: `rec-previous-${statementId}-${index}`,
    maxlength: MAX_PREVIOUS, "aria-invalid": fieldError("previous") ? "true" : null,
    "aria-describedby": described("previous") });
  previous.value = row.previous;
  previous.addEventListener("input", () => { row.previous = previous.value; });
  const remove = h("button", { type: "button", class: "secondary remove-recommendation",
    "aria-label": t("recommendations.remove_label", { number }), onclick: () => {
      draft.rows.splice(index, 1);
      draft.errors = {};
      draft.said = "";
      redraw();
      announce(t("recommendations.removed", { number }));
    } }, t("recommendations.remove"));
  return h("li", { class: "recommendation-row" },
    h("fieldset", {},
      h("legend", {}, t("recommendations.item", { number })),
      h("label", { for: text.id }, t("recommendations.text", { length: MAX_TEXT })), text, errorLine("text"),
      h("label", { for: theme.id }, t("recommendations.theme")), theme, errorLine("theme"),
      h("label", { for: previous.id }, t("recommendations.previous")), previous, errorLine("previous"),
      remove));
}

async function send(section, statementId, draft, open) {
  const items = draft.rows.map((row) => ({ ...(row.id ? { id: row.id } : {}), text: row.text,
    theme: row.theme, previous: row.previous.trim() || null }));
  draft.errors = {};
  try {
    const answer = items.length
      ? await api(`/api/statements/${statementId}/recommendations`, { method: "PUT", json: { items } })
      : await api(`/api/statements/${statementId}/recommendations`, { method: "DELETE" });
    draft.rows = answer.items.map((item) => ({ ...item, previous: item.previous ?? "" }));
    draft.said = t(items.length ? "recommendations.saved" : "recommendations.withdrawn");
  } catch (error) {
    draft.said = "";
    if (error.code === "unknown_recommendation") {
      // Changed elsewhere (another tab, an organiser): what is saved now replaces this draft.
      try {
        draft = await fetchDraft(statementId);
      } catch {
        drafts.delete(statementId);
      }
      draft.errors = { items: fieldMessage(error) };
    } else {
      draft.errors[error.field ?? "items"] = fieldMessage(error);
    }
  }
  keepFocus(() => drawEditor(section, statementId, draft, open));
  const [field] = Object.keys(draft.errors);
  if (field) focusField(section, statementId, field);
  else announce(draft.said);
}

/** The message for a field, in the page's language where the rule is one we know. */
function fieldMessage(error) {
  const known = { empty_text: "recommendations.error_empty", text_too_long: "recommendations.error_too_long",
    unknown_theme: "recommendations.error_theme", too_many: "recommendations.error_too_many",
    unknown_recommendation: "recommendations.error_reloaded", duplicate: "recommendations.error_duplicate" };
  const max = error.field?.endsWith(".previous") ? MAX_PREVIOUS : MAX_TEXT;
  return known[error.code] ? t(known[error.code], { max: error.code === "too_many" ? MAX_ITEMS : max })
    : errorText(error);
}

function focusField(section, statementId, field) {
  const match = /^items\[(\d+)\](?:\.(text|theme|previous|id))?$/.exec(field);
  const target = match
    ? section.querySelector(`#rec-${match[2] && match[2] !== "id" ? match[2] : "text"}-${statementId}-${match[1]}`)
    : section.querySelector(`#rec-error-${statementId}`);
  target?.focus();
}

// -- the room: the session's recommendations by organisation -----------------------------------

/** Draw the session's lists as this person may see them; delegates get the mark toggle. */
export async function sessionRecommendations(container, sessionId, me) {
  let listing;
  try {
    listing = await api(`/api/sessions/${sessionId}/recommendations`);
  } catch (error) {
    fill(container, h("p", { class: "error" }, errorText(error)));
    return;
  }
  keepFocus(() => drawSession(container, listing, me));
}

function drawSession(container, listing, me) {
  if (!listing.organisations.length) {
    fill(container, h("p", { class: "empty" }, t("recommendations.room_none")));
    return;
  }
  fill(container, ...listing.organisations.map((group) => h("section", { class: "recommendation-group",
    dataset: { statement: String(group.statement) } },
  h("h3", {}, group.organisation.name),
  h("ol", { class: "recommendation-list" }, ...group.recommendations.map((item) =>
    h("li", { class: "recommendation", dataset: { recommendation: String(item.id) } },
      ...reading(item), seenBy(container, listing, item, me)))))));
}

function seenBy(container, listing, item, me) {
  if (me.role === "delegate") return intentToggle(container, listing, item, me);
  if (item.missions) {
    return h("p", { class: "intending" }, item.missions.length
      ? t("recommendations.missions", { count: item.intending,
        missions: item.missions.map(missionName).join(", ") })
      : t("recommendations.no_missions"));
  }
  if (item.intending !== null && item.intending !== undefined) {
    return h("p", { class: "intending" }, t("recommendations.count", { count: item.intending }));
  }
  return null;
}

function intentToggle(container, listing, item, me) {
  return h("button", { type: "button", class: "secondary intent", id: `intent-${item.id}`,
    "aria-pressed": item.ours ? "true" : "false", onclick: async () => {
      const intends = !item.ours;
      try {
        await api(`/api/recommendations/${item.id}/intent`, { method: intends ? "PUT" : "DELETE" });
        item.ours = intends;
        keepFocus(() => drawSession(container, listing, me));
        announce(t(intends ? "recommendations.marked" : "recommendations.unmarked"));
      } catch (error) {
        announce(errorText(error));
      }
    } }, t("recommendations.intend"));
}
