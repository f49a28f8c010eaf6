// Watching the stage: one tile per feed received, the active speaker large (the delegation that
// has the floor, else whoever is speaking by audio level, else the first speaker), the others
// small; each captioned with the name and organisation (or mission) the server gives for its
// feed. Tiles are never moved in the document (a moved <video> pauses): the large one is
// chosen by a class. What arrives is also written on the container as data attributes.
import { errorText } from "/static/js/common.js";
import { fill, h } from "/static/js/dom.js";
import { missionName, t } from "/static/js/i18n.js";
import { SOUND_ONLY_KEY, soundOnlyChosen } from "/static/js/stage.js";
import { OverflowPlayer } from "/static/js/stage-overflow.js";

const SPEAKING_LEVEL = 0.03; // inbound-rtp audioLevel above which someone is speaking
const SPEAKER_HOLD_MS = 2000; // the large tile does not flicker between two voices

export class StageView {
  /** `context()` → {panel, offer} of the room, for the addressed speaker's highlight. */
  constructor(container, stage, { id = "stage-view", onSoundOnly = null, context = () => ({}) } = {}) {
    this.stage = stage;
    this.context = context;
    this.onSoundOnly = onSoundOnly;
    this.tiles = new Map(); // feed → {tile, video, caption, badges, trackIds}
    this.active = null;
    this.activeSince = 0;
    this.status = h("p", { class: "stage-status", id: `${id}-status` });
    // Everyone on the page knows when what is said on the stage is recorded.
    this.recording = h("p", { class: "stage-recording", id: `${id}-recording`, hidden: true },
      t("stage.recording"));
    this.grid = h("div", { class: "stage-tiles", role: "list", "aria-label": t("stage.on_stage") });
    this.empty = h("p", { class: "empty stage-empty" }, t("stage.nobody"));
    this.soundOnly = h("input", { type: "checkbox", id: `${id}-sound-only`, checked: stage.soundOnly,
      onchange: () => this.chooseSoundOnly(this.soundOnly.checked) });
    this.startSound = h("button", { type: "button", class: "secondary", hidden: true,
      onclick: () => this.playAll() }, t("stage.start_sound"));
    this.overflow = new OverflowPlayer();
    this.overflow.onBlocked = () => { this.startSound.hidden = false; };
    this.root = h("div", { class: "stage-view", id, dataset: { status: stage.status } },
      this.status, this.recording, this.grid, this.overflow.root, this.empty,
      h("div", { class: "player-tools" },
        h("label", { class: "choice", for: this.soundOnly.id }, this.soundOnly, " ", t("stage.sound_only")),
        this.startSound));
    fill(container, this.root);
    stage.addEventListener("feeds", () => this.draw());
    stage.addEventListener("change", () => this.draw());
    stage.addEventListener("status", () => this.draw());
    stage.addEventListener("levels", () => this.pickActive());
    stage.addEventListener("publishing", () => this.draw());
    this.draw();
  }

  chooseSoundOnly(soundOnly) {
    localStorage.setItem(SOUND_ONLY_KEY, soundOnly ? "audio" : "auto");
    this.soundOnly.checked = soundOnly;
    this.stage.setSoundOnly(soundOnly);
    this.onSoundOnly?.(soundOnly);
    this.draw();
  }

  /** The page's Quality menu changed: follow its *Sound only*. */
  followQuality() {
    const soundOnly = soundOnlyChosen();
    this.soundOnly.checked = soundOnly;
    this.stage.setSoundOnly(soundOnly);
    this.draw();
  }

  statusText() {
    const { stage } = this;
    if ((stage.state?.removed ?? []).includes(stage.me.id)) return t("stage.removed_you");
    if (stage.status === "refused") {
      return errorText(stage.refusal, "stage.status_refused");
    }
    return t(`stage.status_${stage.status}`);
  }

  draw() {
    const { stage } = this;
    this.root.dataset.status = stage.status;
    this.status.textContent = this.statusText();
    this.recording.hidden = !stage.state?.recording;
    const overflow = stage.status === "live" ? stage.overflow : null;
    this.overflow.show(overflow ? (stage.soundOnly ? overflow.audio : overflow.hls) : null);
    this.overflow.root.classList.toggle("sound-only", Boolean(overflow && stage.soundOnly));
    this.root.dataset.overflow = overflow ? (stage.soundOnly ? "audio" : "hls") : "";
    const feeds = stage.feeds();
    const seen = new Set();
    for (const feed of feeds) {
      seen.add(feed.feed);
      this.drawTile(feed);
    }
    for (const [feed, tile] of this.tiles) {
      if (seen.has(feed)) continue;
      tile.video.srcObject = null;
      tile.tile.remove();
      this.tiles.delete(feed);
    }
    const onStage = (stage.state?.on_stage ?? []).length > 0;
    this.empty.hidden = feeds.length > 0 || stage.status !== "live" || (overflow && onStage);
    this.empty.textContent = t(stage.published ? "stage.nobody_else" : "stage.nobody");
    this.pickActive();
    this.writeStats();
  }

  drawTile({ feed, tracks, who }) {
    let tile = this.tiles.get(feed);
    if (!tile) {
      const video = h("video", { dir: "ltr", autoplay: true, playsinline: true });
      const caption = h("figcaption", {});
      const element = h("figure", { class: "stage-tile", role: "listitem", dataset: { feed: String(feed) } },
        h("div", { class: "stage-picture" }, video), caption);
      this.grid.append(element);
      tile = { tile: element, video, caption, trackIds: "" };
      this.tiles.set(feed, tile);
    }
    const ids = tracks.map((track) => track.id).sort().join(",");
    if (ids !== tile.trackIds) {
      tile.trackIds = ids;
      tile.video.srcObject = new MediaStream(tracks);
      this.play(tile.video);
    }
    const hasVideo = tracks.some((track) => track.kind === "video");
    tile.tile.classList.toggle("sound-only", !hasVideo);
    const name = who?.name ?? t("stage.someone");
    const belongsTo = who?.organisation ?? missionName(who?.mission) ?? (who ? t("account.organiser") : "");
    tile.video.setAttribute("aria-label", t("stage.tile_label", { name }));
    tile.tile.dataset.person = who ? String(who.person) : "";
    const floor = this.stage.state?.floor;
    const hasFloor = Boolean(who?.mission && floor?.mission?.id === who.mission.id);
    const addressed = this.isAddressed(who);
    tile.tile.classList.toggle("has-floor", hasFloor);
    tile.tile.classList.toggle("addressed", addressed);
    fill(tile.caption,
      h("strong", { class: "stage-name" }, name),
      belongsTo ? h("span", { class: "stage-belongs" }, belongsTo) : null,
      who?.muted ? h("span", { class: "badge" }, t("stage.muted_badge")) : null,
      hasFloor ? h("span", { class: "badge live" }, t("stage.floor_badge")) : null,
      addressed ? h("span", { class: "badge addressed" }, t("stage.addressed_badge")) : null);
  }

  /** The speaker the question on air is addressed to (or every speaker, for the panel). */
  isAddressed(who) {
    const { offer, panel } = this.context();
    if (!offer || !who || who.role !== "speaker") return false;
    if (offer.to === null || offer.to === undefined) return false;
    const addressee = (panel ?? []).find((speaker) => speaker.statement === offer.to);
    return Boolean(addressee && addressee.organisation?.name === who.organisation);
  }

  pickActive() {
    const feeds = [...this.tiles.keys()];
    const floor = this.stage.state?.floor;
    const holder = feeds.find((feed) => {
      const who = this.stage.whoIs(feed);
      return who?.mission && floor?.mission?.id === who.mission.id;
    });
    let active = holder;
    if (active === undefined) {
      let loudest = null;
      for (const [feed, level] of this.stage.levels) {
        if (this.tiles.has(feed) && level > SPEAKING_LEVEL && (!loudest || level > loudest[1])) {
          loudest = [feed, level];
        }
      }
      const holding = this.tiles.has(this.active) && Date.now() - this.activeSince < SPEAKER_HOLD_MS;
      active = holding ? this.active : loudest?.[0] ?? (this.tiles.has(this.active) ? this.active : feeds[0]);
    }
    if (active !== this.active) {
      this.active = active;
      this.activeSince = Date.now();
    }
    for (const [feed, tile] of this.tiles) tile.tile.classList.toggle("active", feed === this.active);
    this.grid.classList.toggle("several", this.tiles.size > 1);
    this.writeStats();
  }

  play(video) {
    video.play().then(() => { this.startSound.hidden = true; }).catch((error) => {
      // The browser wants a gesture before sound: one button starts every tile.
      if (error?.name === "NotAllowedError") this.startSound.hidden = false;
    });
  }

  playAll() {
    this.startSound.hidden = true;
    for (const tile of this.tiles.values()) this.play(tile.video);
    if (this.overflow.url) this.overflow.play();
  }

  /** What arrives, for the connection's sake and the browser tests. */
  writeStats() {
    const { stats } = this.stage;
    Object.assign(this.root.dataset, {
      feeds: String(this.tiles.size),
      active: this.active === null || this.active === undefined ? "" : String(this.active),
      audioBytes: String(stats.audioBytes),
      videoBytes: String(stats.videoBytes),
      videoTracks: String(stats.videoTracks),
    });
  }
}
