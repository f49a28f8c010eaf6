// Messages in the six official languages of the United Nations, a remembered choice, and Intl.
import ar from "/static/i18n/ar.js";
import en from "/static/i18n/en.js";
import es from "/static/i18n/es.js";
import fr from "/static/i18n/fr.js";
import ru from "/static/i18n/ru.js";
import zh from "/static/i18n/zh.js";

const CATALOGS = { ar, zh, en, fr, ru, es };
export const LANGUAGES = Object.keys(CATALOGS);
// Each language by its own name, as the language menus show it.
export const LANGUAGE_NAMES = {
  ar: "العربية", zh: "中文", en: "English", fr: "Français", ru: "Русский", es: "Español",
};
// The languages written from right to left.
const RIGHT_TO_LEFT = new Set(["ar"]);
const STORAGE_KEY = "presession.language";

function chosen() {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored && Object.hasOwn(CATALOGS, stored)) return stored;
  for (const preferred of navigator.languages ?? []) {
    const base = preferred.slice(0, 2).toLowerCase();
    if (Object.hasOwn(CATALOGS, base)) return base;
  }
  return "en";
}

export const lang = chosen();
/** The page's writing direction: "rtl" for Arabic, "ltr" otherwise. */
export const dir = RIGHT_TO_LEFT.has(lang) ? "rtl" : "ltr";
// Set at once, before any page draws, so that nothing is laid out in the wrong direction.
document.documentElement.lang = lang;
document.documentElement.dir = dir;
const catalog = CATALOGS[lang];
// Keys a page asked for that the catalog lacks: the browser tests read this list.
window.presessionMissingKeys = [];

/** The message `key` in the chosen language, with {name} placeholders filled in as text. */
export function t(key, params = {}) {
  let message = catalog[key];
  if (message === undefined) {
    window.presessionMissingKeys.push(`${lang}:${key}`);
    message = en[key] ?? key;
  }
  return message.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ""));
}

/** Whether the catalog has the message `key` (a missing key is not recorded: this asks). */
export function has(key) {
  return Object.hasOwn(catalog, key);
}

export function setLanguage(code) {
  localStorage.setItem(STORAGE_KEY, code);
  window.location.reload();
}

/** Fill every `data-i18n` element's text and every `data-i18n-ATTR` attribute. */
export function translatePage(root = document) {
  document.documentElement.lang = lang;
  document.documentElement.dir = dir;
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const attr of ["aria-label", "placeholder", "title"]) {
    for (const node of root.querySelectorAll(`[data-i18n-${attr}]`)) {
      node.setAttribute(attr, t(node.getAttribute(`data-i18n-${attr}`)));
    }
  }
}

export function formatRange(start, end, timeZone) {
  const day = new Intl.DateTimeFormat(lang, {
    weekday: "short", day: "numeric", month: "short", year: "numeric", timeZone,
  });
  const hour = new Intl.DateTimeFormat(lang, {
    hour: "2-digit", minute: "2-digit", timeZone, timeZoneName: "short",
  });
  return `${day.format(start)}, ${hour.formatRange(start, end)}`;
}

export function formatTime(date) {
  return new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit" }).format(date);
}

export function formatDuration(seconds) {
  const total = Math.max(0, Math.round(seconds));
  const minutes = Math.floor(total / 60);
  return `${minutes}:${String(total % 60).padStart(2, "0")}`;
}

export function formatNumber(value, options) {
  return new Intl.NumberFormat(lang, options).format(value);
}

/** A date and time with its weekday and time zone, e.g. "Tuesday 1 December 2026, 23:59 CET". */
export function formatMoment(date, timeZone) {
  return new Intl.DateTimeFormat(lang, {
    weekday: "long", day: "numeric", month: "long", year: "numeric",
    hour: "2-digit", minute: "2-digit", timeZoneName: "short", timeZone,
  }).format(date);
}

/** The wall-clock time of `date` in `timeZone`, as a datetime-local input's value. */
export function toZonedInput(date, timeZone) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-GB", {
    timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit",
  }).formatToParts(date).map((part) => [part.type, part.value]));
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

/** The instant at which the clocks of `timeZone` show `value` ("YYYY-MM-DDTHH:MM"), as
 * Temporal's "compatible" choice: a time that happens twice (summer time ending) is the first
 * of the two; a time that never happens (summer time starting) moves forward by the gap. */
export function fromZonedInput(value, timeZone) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map((n) => Number(n ?? 0));
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  const DAY = 86_400_000;
  // The zone's offsets a day either side: the instant is the wall time less one of them.
  const before = wall - offsetOf(new Date(wall - DAY), timeZone);
  const after = wall - offsetOf(new Date(wall + DAY), timeZone);
  const shown = value.slice(0, 16);
  const real = [before, after].filter((instant) =>
    toZonedInput(new Date(instant), timeZone) === shown);
  return new Date(real.length ? Math.min(...real) : before);
}

function offsetOf(date, timeZone) {
  const shown = toZonedInput(date, timeZone);
  const [day, time] = shown.split("T");
  const [year, month, dayOfMonth] = day.split("-").map(Number);
  const [hour, minute] = time.split(":").map(Number);
  const asUtc = Date.UTC(year, month - 1, dayOfMonth, hour, minute);
  return asUtc - Math.floor(date.getTime() / 60_000) * 60_000;
}

const regionNames = typeof Intl.DisplayNames === "function"
  ? new Intl.DisplayNames([lang], { type: "region" }) : null;

/** A country's name in the page's language, from its ISO 3166 code (`fallback` — the server's
 * English name — where the browser has none). */
export function countryName(code, fallback = code) {
  try {
    return regionNames?.of(code) ?? fallback;
  } catch {
    return fallback;
  }
}

/** A delegation by its country's name in the page's language (its registered name, e.g.
 * "Permanent Mission of France", where the browser has none); undefined for no mission. */
export function missionName(mission) {
  return mission ? countryName(mission.country, mission.name) : undefined;
}
