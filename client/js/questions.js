// How a question reads on every screen: number, mission, addressee, text (always as text).
import { h } from "/static/js/dom.js";
import { missionName, t } from "/static/js/i18n.js";

export function addressee(question) {
  return question.to ? question.to.organisation.name : t("question.panel");
}

/** The lines every question shows; callers append their own controls. */
export function questionItem(question, { withAuthor = false } = {}) {
  const mission = missionName(question.mission) ?? "";
  const who = withAuthor && question.author?.name ? `${mission} (${question.author.name})` : mission;
  const item = h("li", { class: `question status-${question.status}`,
    dataset: { question: String(question.id), status: question.status } },
    h("p", { class: "question-meta" },
      h("span", { class: "number" }, `#${question.number}`), " ",
      h("span", { class: "mission" }, who),
      question.mission?.state_under_review
        ? h("span", { class: "badge sur-badge" }, t("question.sur")) : null,
      // An arrow is not mirrored by the bidi algorithm: it points to the addressee either way.
      document.documentElement.dir === "rtl" ? " ← " : " → ",
      h("span", { class: "to" }, addressee(question))),
    h("p", { class: "question-text" }, question.text));
  if (question.edited && question.original_text) {
    item.append(h("p", { class: "original" }, t("question.original", { text: question.original_text })));
  }
  for (const answer of question.answers ?? []) {
    item.append(h("p", { class: "written-answer" },
      h("strong", {}, `${answer.organisation.name}: `), answer.text));
  }
  return item;
}

export function statusText(question, room) {
  if (question.status === "approved") {
    const place = (room.state?.queue ?? []).indexOf(question.id) + 1;
    return place > 0 ? t("status.approved_place", { place }) : t("status.approved");
  }
  if (question.status === "rejected") {
    return question.rejection_reason
      ? t("status.rejected_reason", { reason: question.rejection_reason })
      : t("status.rejected");
  }
  return t(`status.${question.status}`);
}
