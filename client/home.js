// The programme: every country session with its time in Geneva and in the viewer's time zone.
// Every name and text is inserted with textContent, never as HTML.

const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function formatRange(startsAt, endsAt, timeZone) {
  const day = new Intl.DateTimeFormat(undefined, {
    weekday: "short", day: "numeric", month: "short", year: "numeric", timeZone,
  });
  const hour = new Intl.DateTimeFormat(undefined, {
    hour: "2-digit", minute: "2-digit", timeZone, timeZoneName: "short",
  });
  return `${day.format(startsAt)}, ${hour.formatRange(startsAt, endsAt)}`;
}

function sessionItem(session, event) {
  const startsAt = new Date(session.starts_at);
  const endsAt = new Date(session.ends_at);
  const item = element("li", "session");
  item.dataset.session = String(session.id);
  const title = element("h2", "country", session.country_name);
  if (session.phase === "screening" || session.phase === "qa") {
    title.append(" ", element("span", "badge live", "Live"));
  }
  item.append(title);
  item.append(element("p", "sur", `State under Review: ${session.state_under_review.name}`));
  const times = element("dl", "times");
  times.append(element("dt", "", "Geneva"));
  times.append(element("dd", "geneva", formatRange(startsAt, endsAt, event.timezone)));
  if (viewerZone !== event.timezone) {
    times.append(element("dt", "", "Your time"));
    times.append(element("dd", "local", formatRange(startsAt, endsAt, viewerZone)));
  }
  item.append(times);
  item.append(element("p", `phase phase-${session.phase}`, `Phase: ${session.phase}`));
  return item;
}

async function showAccount() {
  const account = document.getElementById("account");
  const response = await fetch("/api/me", { credentials: "same-origin" });
  if (!response.ok) {
    account.textContent = "Sign in with the invitation link you received.";
    return;
  }
  const me = await response.json();
  const belongsTo = me.organisation?.name ?? me.mission?.name ?? "UPR Info";
  account.append(element("span", "who", `${me.name} · ${me.role} · ${belongsTo}`));
  const signOut = element("button", "sign-out", "Sign out");
  signOut.type = "button";
  signOut.addEventListener("click", async () => {
    await fetch("/api/logout", { method: "POST", credentials: "same-origin" });
    window.location.assign("/");
  });
  account.append(" ", signOut);
}

async function showProgramme() {
  const status = document.getElementById("status");
  const response = await fetch("/api/sessions");
  if (!response.ok) {
    status.textContent = "The programme could not be loaded. Try again in a moment.";
    return;
  }
  const programme = await response.json();
  const event = programme.events.at(-1);
  if (!event) {
    status.textContent = "No event has been scheduled yet.";
    return;
  }
  document.getElementById("event-name").textContent = event.name;
  document.title = `Presession: ${event.name}`;
  document.getElementById("timezones").textContent =
    `Times in Geneva (${event.timezone}) and in your time zone (${viewerZone}).`;
  const list = document.getElementById("sessions");
  list.replaceChildren(
    ...programme.sessions.filter((s) => s.event === event.id).map((s) => sessionItem(s, event)),
  );
  status.textContent = `${list.children.length} country sessions.`;
}

showAccount();
showProgramme();
