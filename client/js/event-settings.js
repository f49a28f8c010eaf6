// The event's two deadlines (organisers): when the call for applications closes and when
// statements are due, entered and shown in the event's own time zone. Only a deadline that was
// changed on this form is sent, so the other keeps its exact value (and anyone else's change).
import { announce, errorText } from "/static/js/common.js";
import { api, byId, fill, h } from "/static/js/dom.js";
import { formatMoment, fromZonedInput, t, toZonedInput } from "/static/js/i18n.js";

const DEADLINES = ["application_deadline", "statement_deadline"];

export function eventSettings(container, event) {
  const initial = Object.fromEntries(DEADLINES.map((name) => [name,
    event[name] ? toZonedInput(new Date(event[name]), event.timezone) : ""]));
  const inputs = Object.fromEntries(DEADLINES.map((name) => [name, h("input", {
    type: "datetime-local", id: `event-${name}`, value: initial[name],
    "aria-describedby": `event-${name}-now`,
  })]));
  const status = h("p", { class: "form-status", role: "status" });
  const save = h("button", { type: "submit", class: "secondary", id: "event-save" }, t("event.save"));
  const form = h("form", { class: "event-settings" },
    h("p", { class: "hint" }, t("event.zone_hint", { zone: event.timezone })),
    ...DEADLINES.flatMap((name) => [
      h("label", { for: inputs[name].id }, t(`event.${name}`)), inputs[name],
      h("p", { class: "hint", id: `event-${name}-now` }, event[name]
        ? formatMoment(new Date(event[name]), event.timezone) : t("event.none")),
    ]),
    save, status);
  form.addEventListener("submit", async (submitted) => {
    submitted.preventDefault();
    const body = {};
    for (const name of DEADLINES) {
      const input = inputs[name];
      // A half-typed date reads as "" (not as a cleared field): say so rather than remove it.
      if (input.validity.badInput) {
        status.textContent = t("event.bad_time");
        input.focus();
        return;
      }
      if (input.value === initial[name]) continue;
      const moment = input.value ? fromZonedInput(input.value, event.timezone) : null;
      if (input.value && !moment) {
        status.textContent = t("event.bad_time");
        input.focus();
        return;
      }
      body[name] = moment ? moment.toISOString() : null;
    }
    if (!Object.keys(body).length) {
      status.textContent = t("event.unchanged");
      return;
    }
    try {
      const saved = await api(`/api/events/${event.id}`, { method: "PATCH", json: body });
      eventSettings(container, { ...event, ...saved });
      byId("event-save")?.focus();
      container.querySelector(".form-status").textContent = t("event.saved");
      announce(t("event.saved"));
    } catch (error) {
      status.textContent = errorText(error);
    }
  });
  fill(container, form);
}
