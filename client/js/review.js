// Statements awaiting review (moderators): state, preview, approve or reject with a reason.
import { announce, errorText } from "/static/js/common.js";
import { api, fill, h } from "/static/js/dom.js";
import { formatMoment, fromZonedInput, t } from "/static/js/i18n.js";
import { previewPlayer } from "/static/js/player.js";
import { recommendationList } from "/static/js/recommendations.js";

const deadlineDrafts = new Map(); // statement id → the date and time being entered
const openDeadlines = new Set(); // statements whose deadline section the moderator opened

export async function reviewPanel(container, sessionId, onReviewed = () => null) {
  let session;
  try {
    session = await api(`/api/sessions/${sessionId}`);
  } catch (error) {
    fill(container, h("p", {}, errorText(error)));
    return;
  }
  const waiting = session.statements.filter((statement) => statement.review !== "approved");
  if (!waiting.length) {
    fill(container, h("p", { class: "empty" }, t("review.none")));
    return;
  }
  const details = await Promise.all(waiting.map((statement) =>
    api(`/api/statements/${statement.id}`).catch(() => statement)));
  const lists = await Promise.all(waiting.map((statement) =>
    api(`/api/statements/${statement.id}/recommendations`).then((answer) => answer.items)
      .catch(() => null)));
  fill(container, h("ul", { class: "review-list" },
    ...details.map((statement, index) => reviewItem(waiting[index], statement, lists[index], session.event, () => {
      reviewPanel(container, sessionId, onReviewed);
      onReviewed();
    }))));
}

function reviewItem(slot, statement, recommendations, event, reviewed) {
  const name = slot.organisation.name;
  const item = h("li", { class: "review-item", dataset: { statement: String(slot.id) } },
    h("p", {}, h("strong", {}, name), slot.title ? ` — ${slot.title}` : ""),
    h("p", { class: "state" }, t("statement.state", { state: t(`state.${statement.state ?? slot.state}`) }),
      statement.review === "rejected" ? ` · ${t("review.rejected")}` : ""));
  item.append(deadlineForm(slot, statement, event, reviewed));
  // Reviewed with the statement: approving it shows them to the session's delegates.
  if (recommendations) {
    item.append(h("section", { class: "review-recommendations" },
      h("h4", {}, t("recommendations.title")), recommendationList(recommendations)));
  }
  if (statement.state !== "ready" || !statement.media) return item;
  item.append(previewPlayer(statement.media, t("review.preview_label", { name })));
  const reasonId = `review-reason-${slot.id}`;
  const reason = h("input", { id: reasonId, type: "text", maxlength: 2000 });
  const send = async (action) => {
    if (action === "reject" && !reason.value.trim()) {
      reason.focus();
      announce(t("review.reason_needed"));
      return;
    }
    try {
      await api(`/api/statements/${slot.id}/review`, { method: "POST",
        json: action === "reject" ? { action, reason: reason.value.trim() } : { action } });
      announce(t(action === "approve" ? "review.approved" : "review.rejected"));
      reviewed();
    } catch (error) {
      announce(errorText(error));
    }
  };
  item.append(
    h("label", { for: reasonId }, t("review.reason_label")), reason,
    h("div", { class: "button-row" },
      h("button", { type: "button", class: "approve-statement", onclick: () => send("approve") },
        t("review.approve")),
      h("button", { type: "button", class: "secondary", onclick: () => send("reject") },
        t("review.reject"))));
  return item;
}

/** A later deadline for this one speaker (the event's applies to everyone else). The time is
 * entered in the event's time zone, and said back with its zone. */
function deadlineForm(slot, statement, event, changed) {
  const name = slot.organisation.name;
  // In the event's time zone, as the event's own deadlines are.
  const zone = event?.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const inputId = `deadline-${slot.id}`;
  const input = h("input", { type: "datetime-local", id: inputId });
  // The panel is redrawn when any statement changes: what was being typed, and whether the
  // section was open, survive that.
  input.value = deadlineDrafts.get(slot.id) ?? "";
  input.addEventListener("input", () => deadlineDrafts.set(slot.id, input.value));
  const status = h("p", { class: "form-status", role: "status" });
  const save = async (until) => {
    try {
      await api(`/api/statements/${slot.id}/deadline`, { method: "PUT", json: { until } });
      deadlineDrafts.delete(slot.id);
      announce(until ? t("review.deadline_saved", { name, date: formatMoment(new Date(until), zone) })
        : t("review.deadline_cleared", { name }));
      changed();
    } catch (error) {
      status.textContent = errorText(error);
    }
  };
  const give = () => {
    const chosen = input.value ? fromZonedInput(input.value, zone) : null;
    if (!chosen || input.validity.badInput) {
      status.textContent = t("review.deadline_needed");
      input.focus();
      return;
    }
    save(chosen.toISOString());
  };
  const details = h("details", { class: "deadline-extension",
    open: statement.deadline || openDeadlines.has(slot.id) ? true : null },
    h("summary", {}, statement.deadline
      ? t("review.deadline_current", { date: formatMoment(new Date(statement.deadline), zone) })
      : t("review.deadline_title")),
    h("label", { for: inputId }, t("review.deadline_label", { zone })), input,
    h("div", { class: "button-row" },
      h("button", { type: "button", class: "secondary give-deadline", onclick: give },
        t("review.deadline_give")),
      statement.deadline ? h("button", { type: "button", class: "secondary",
        onclick: () => save(null) }, t("review.deadline_clear")) : null),
    status);
  details.addEventListener("toggle", () => {
    if (details.open) openDeadlines.add(slot.id);
    else openDeadlines.delete(slot.id);
  });
  return details;
}
