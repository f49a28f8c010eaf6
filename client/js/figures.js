// The event's figures for organisers (GET /api/events/{id}/figures): tables, and horizontal
// bar charts drawn in SVG. The tables carry every figure; each chart has its own text
// alternative (role=img + aria-label). Text goes in as text nodes, never as markup.
import { errorText } from "/static/js/common.js";
import { api, fill, h, keepFocus } from "/static/js/dom.js";
import { countryName, dir, formatNumber, formatTime, t } from "/static/js/i18n.js";
import { themeName } from "/static/js/recommendations.js";

const SVG = "http://www.w3.org/2000/svg";
const KINDS = ["cso", "nhri", "coalition"];
const SCOPES = ["national", "international", "unknown"];
const OPEN = ["pending", "approved", "on_air"];
const MISSIONS_CHARTED = 10;

/** Load the figures into `details` every time it is opened (they change during a session). */
export function figuresPanel(details, body, eventId) {
  const load = async () => {
    // A refresh keeps the figures on screen (and focus on its button) until the new ones come.
    if (!body.childElementCount) fill(body, h("p", { class: "hint" }, t("figures.loading")));
    try {
      drawFigures(body, await api(`/api/events/${eventId}/figures`), load);
    } catch (error) {
      fill(body, h("p", { class: "error", role: "alert" },
        t("figures.failed", { message: errorText(error) })));
    }
  };
  details.addEventListener("toggle", () => { if (details.open) load(); });
  if (details.open) load();
}

function drawFigures(body, figures, reload) {
  const { speakers, questions, sessions } = figures;
  const totals = [["speakers", speakers.total], ["organisations", speakers.organisations],
    ["sessions", sessions.length], ["questions", questions.asked], ["answered", questions.answered],
    ["recommendations", figures.recommendations.total]];
  keepFocus(() => fill(body,
    h("p", {}, t("figures.of_event", { event: figures.event.name, time: formatTime(new Date()) })),
    h("dl", { class: "figures-totals" }, ...totals.map(([name, value]) => h("div", {},
      h("dt", {}, t(`figures.total_${name}`)), h("dd", {}, formatNumber(value))))),
    h("p", { class: "hint" }, t("figures.note")),
    sessionsSection(figures),
    h("div", { class: "figures-grid" }, speakersSection(speakers), missionsSection(figures)),
    recommendationsSection(figures),
    h("p", {}, h("button", { type: "button", class: "secondary", id: "figures-refresh",
      onclick: reload }, t("figures.refresh")))));
}

function speakersSection(speakers) {
  const kinds = (label) => KINDS.map((kind) => [t(`figures.${label}_${kind}`), speakers.by_kind[kind] ?? 0]);
  return h("section", { class: "figures-speakers" },
    h("h3", {}, t("figures.speakers")),
    speakers.total ? barChart(t("figures.by_kind"), kinds("short")) : null,
    table(t("figures.by_kind"), [t("figures.kind"), t("figures.speakers")], kinds("kind"),
      "figures-by-kind"),
    table(t("figures.by_scope"), [t("figures.scope"), t("figures.speakers")],
      SCOPES.map((scope) => [t(`figures.scope_${scope}`), speakers.by_scope[scope] ?? 0]),
      "figures-by-scope"));
}

function sessionsSection({ sessions, questions }) {
  const rows = sessions.map((session) => ({
    name: countryName(session.country, session.country_name), ...session }));
  const open = (counts) => OPEN.reduce((sum, status) => sum + counts[status], 0);
  return h("section", { class: "figures-sessions" },
    h("h3", {}, t("figures.per_session")),
    questions.asked
      ? barChart(t("figures.per_session"), rows.map((row) => [row.name, row.questions.asked]))
      : h("p", { class: "empty" }, t("figures.no_questions")),
    table(t("figures.per_session"),
      [t("figures.session"), t("figures.speakers"), t("figures.asked"), t("figures.answered"),
        t("figures.open"), t("figures.rejected"), t("figures.withdrawn")],
      rows.map(({ name, speakers, questions: counts }) => [name, speakers, counts.asked,
        counts.answered, open(counts), counts.rejected, counts.withdrawn]),
      "figures-per-session", { captionHidden: true }));
}

function missionsSection({ missions }) {
  const rows = missions.map((mission) => [countryName(mission.country, mission.name),
    mission.questions]);
  const charted = rows.slice(0, MISSIONS_CHARTED);
  return h("section", { class: "figures-missions" },
    h("h3", {}, t("figures.per_mission")),
    rows.length
      ? barChart(t("figures.mission_chart", { count: charted.length }), charted)
      : h("p", { class: "empty" }, t("figures.no_questions")),
    rows.length
      ? table(t("figures.per_mission"), [t("figures.mission"), t("figures.questions")], rows,
        "figures-per-mission", { captionHidden: true })
      : null);
}

/** Recommendations per UPR theme (every theme) and per session (those that have any). */
function recommendationsSection({ recommendations, sessions }) {
  const listed = sessions.filter((session) => session.recommendations > 0);
  return h("section", { class: "figures-recommendations" },
    h("h3", {}, t("figures.recommendations")),
    recommendations.total ? null : h("p", { class: "empty" }, t("figures.no_recommendations")),
    h("div", { class: "figures-grid" },
      table(t("figures.by_theme"), [t("figures.theme"), t("figures.recommendations")],
        Object.entries(recommendations.by_theme).map(([theme, count]) => [themeName(theme), count]),
        "figures-by-theme"),
      listed.length
        ? table(t("figures.recommendations_per_session"), [t("figures.session"),
          t("figures.recommendations")], listed.map((session) => [
          countryName(session.country, session.country_name), session.recommendations]),
        "figures-recommendations-per-session")
        : null));
}

/** A table whose first column names the row; numbers are formatted in the page's language.
 * It scrolls sideways on a narrow screen: the box takes focus so that a keyboard can scroll.
 * A caption that repeats the section's heading is there for screen readers only. */
function table(caption, headings, rows, id, { captionHidden = false } = {}) {
  return h("div", { class: "table-scroll", tabindex: "0", role: "region",
    "aria-labelledby": `${id}-caption` },
  h("table", { class: "figures-table", id },
    h("caption", { id: `${id}-caption`, class: captionHidden ? "visually-hidden" : null }, caption),
    h("thead", {}, h("tr", {}, ...headings.map((heading) => h("th", { scope: "col" }, heading)))),
    h("tbody", {}, ...rows.map(([name, ...counts]) => h("tr", {},
      h("th", { scope: "row" }, name),
      ...counts.map((count) => h("td", {}, formatNumber(count))))))));
}

function svg(tag, attributes = {}, text = undefined) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Horizontal bars, one per [label, value], scaled to the largest value. Drawn at its own
 * size in CSS pixels (text stays legible) and shrunk only to fit a narrow screen. Right to
 * left, the chart is mirrored: labels on the right, bars growing leftwards. The text anchors
 * need no change, as SVG reads "start" and "end" in the text's own direction. */
export function barChart(title, rows) {
  const rowHeight = 26;
  const labels = rows.map(([label]) => shorten(label));
  const labelWidth = Math.min(180, Math.max(48, ...labels.map((label) => label.length * 8.5))) + 12;
  const barSpace = 200;
  const width = labelWidth + barSpace + 48;
  const height = rows.length * rowHeight;
  const largest = Math.max(1, ...rows.map(([, value]) => value));
  const described = rows.map(([label, value]) => `${label} ${formatNumber(value)}`).join(", ");
  const chart = svg("svg", { class: "bar-chart", width, height, viewBox: `0 0 ${width} ${height}`,
    direction: dir, role: "img",
    "aria-label": t("figures.chart_label", { title, values: described }) });
  // Distances from the chart's start edge: the left one, or the right one right to left.
  const at = (x) => (dir === "rtl" ? width - x : x).toFixed(1);
  rows.forEach(([label, value], index) => {
    const middle = index * rowHeight + rowHeight / 2;
    const length = (value / largest) * barSpace;
    const name = svg("text", { class: "bar-label", x: at(labelWidth - 8), y: middle,
      "text-anchor": "end", "dominant-baseline": "central" }, labels[index]);
    name.append(svg("title", {}, label));
    chart.append(name,
      svg("rect", { class: "bar", x: at(dir === "rtl" ? labelWidth + length : labelWidth),
        y: middle - rowHeight / 2 + 5, width: length.toFixed(1), height: rowHeight - 10 }),
      svg("text", { class: "bar-value", x: at(labelWidth + length + 6), y: middle,
        "dominant-baseline": "central" }, formatNumber(value)));
  });
  return chart;
}

function shorten(label, longest = 22) {
  return label.length > longest ? `${label.slice(0, longest - 1)}…` : label;
}
