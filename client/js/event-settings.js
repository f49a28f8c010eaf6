// The event's two deadlines (organisers): when the call for applications closes and when
// statements are due, entered and shown in the event's own time zone.
import { errorText } from "/static/js/common.js";
import { api, fill, h } from "/static/js/dom.js";
import { formatMoment, fromZonedInput, t, toZonedInput } from "/static/js/i18n.js";

const DEADLINES = ["application_deadline", "statement_deadline"];

export function eventSettings(container, event) {
  const inputs = Object.fromEntries(DEADLINES.map((name) => [name, h("input", {
    type: "datetime-local", id: `event-${name}`,
    value: event[name] ? toZonedInput(new Date(event[name]), event.timezone) : "",
  })]));
  const status = h("p", { class: "form-status", role: "status" });
  const form = h("form", { class: "event-settings" },
    h("p", { class: "hint" }, t("event.zone_hint", { zone: event.timezone })),
    ...DEADLINES.flatMap((name) => [
      h("label", { for: inputs[name].id }, t(`event.${name}`)), inputs[name],
      h("p", { class: "hint", id: `event-${name}-now` }, event[name]
        ? formatMoment(new Date(event[name]), event.timezone) : t("event.none")),
    ]),
    h("button", { type: "submit", class: "secondary" }, t("event.save")), status);
  form.addEventListener("submit", async (submitted) => {
    submitted.preventDefault();
    const body = {};
    for (const name of DEADLINES) {
      const value = inputs[name].value;
      const moment = value ? fromZonedInput(value, event.timezone) : null;
      if (value && !moment) {
        status.textContent = t("event.bad_time");
        inputs[name].focus();
        return;
      }
      body[name] = moment ? moment.toISOString() : null;
    }
    try {
      const saved = await api(`/api/events/${event.id}`, { method: "PATCH", json: body });
      eventSettings(container, { ...event, ...saved });
      container.querySelector(".form-status").textContent = t("event.saved");
    } catch (error) {
      status.textContent = errorText(error);
    }
  });
  fill(container, form);
}
