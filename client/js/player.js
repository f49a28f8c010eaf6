// The screening player: hls.js (always, even where the browser plays HLS itself, so that every
// screen behaves alike and offers the same quality menu), following the room's screening state.
// Drift: every second the player compares its time with the room's formula
// (position + server now - updated_at); beyond DRIFT_SEEK_S it seeks, beyond DRIFT_NUDGE_S it
// plays 5 % faster or slower until it is back.
import Hls from "/static/vendor/hls.esm.js";
import { api, fill, h } from "/static/js/dom.js";
import { t } from "/static/js/i18n.js";

const DRIFT_SEEK_S = 1.0;
const DRIFT_NUDGE_S = 0.25;
const AUDIO_ONLY = "audio";

export class ScreeningPlayer {
  constructor(container, room, { follow = true } = {}) {
    this.room = room;
    this.follow = follow;
    this.items = new Map();
    this.current = null; // statement id loaded
    this.hls = null;
    this.quality = localStorage.getItem("presession.quality") ?? "auto";
    this.video = h("video", { class: "screen", dir: "ltr", playsinline: true, preload: "auto",
      "aria-describedby": "player-caption" });
    this.video.controls = !follow;
    this.caption = h("p", { id: "player-caption", class: "player-caption" }, t("player.waiting"));
    this.qualitySelect = h("select", { id: "quality" });
    this.qualitySelect.addEventListener("change", () => this.chooseQuality(this.qualitySelect.value));
    this.soundButton = h("button", { type: "button", class: "secondary", hidden: true,
      onclick: () => this.startWithGesture() }, t("player.start"));
    fill(container,
      h("div", { class: "video-frame" }, this.video),
      this.caption,
      h("div", { class: "player-tools" },
        h("label", { for: "quality" }, t("player.quality")), this.qualitySelect,
        this.soundButton));
    this.drawQualities();
    room.addEventListener("change", () => this.follow && this.align());
    window.setInterval(() => this.follow && this.correctDrift(), 1000);
  }

  async loadPlaylist() {
    try {
      const playlist = await api(`/api/sessions/${this.room.sessionId}/playlist`);
      this.items = new Map(playlist.items.map((item) => [item.statement, item]));
    } catch {
      this.items = new Map();
    }
    if (this.follow) this.align();
    return [...this.items.values()];
  }

  /** Load a statement's recording (without playing it). */
  load(statementId) {
    const item = this.items.get(statementId);
    if (!item || this.current === statementId) return item ?? null;
    this.current = statementId;
    this.hls?.destroy();
    this.video.replaceChildren();
    for (const caption of item.captions ?? []) {
      this.video.append(h("track", { kind: "captions", src: caption.url,
        srclang: caption.language, label: caption.language }));
    }
    this.video.poster = item.poster ?? "";
    if (Hls.isSupported()) {
      this.hls = new Hls({ workerPath: "/static/vendor/hls.worker.js", capLevelToPlayerSize: true });
      this.video.dataset.engine = "hls.js";
      this.hls.on(Hls.Events.MANIFEST_PARSED, () => {
        this.drawQualities();
        this.chooseQuality(this.quality);
      });
      this.hls.loadSource(item.hls);
      this.hls.attachMedia(this.video);
    } else {
      this.video.src = item.mp4 ?? item.hls;
    }
    this.caption.textContent = t("player.now", {
      organisation: item.organisation?.name ?? "", title: item.title ?? "" });
    return item;
  }

  drawQualities() {
    const levels = this.hls?.levels ?? [];
    const options = [h("option", { value: "auto" }, t("player.auto"))];
    levels.forEach((level, index) => {
      if (level.height) options.push(h("option", { value: String(index) }, `${level.height}p`));
    });
    options.push(h("option", { value: AUDIO_ONLY }, t("player.audio_only")));
    fill(this.qualitySelect, ...options);
    this.qualitySelect.value = options.some((o) => o.value === this.quality) ? this.quality : "auto";
  }

  chooseQuality(value) {
    this.quality = value;
    localStorage.setItem("presession.quality", value);
    this.video.classList.toggle("audio-only", value === AUDIO_ONLY);
    if (!this.hls) return;
    if (value === "auto") {
      this.hls.currentLevel = -1;
    } else if (value === AUDIO_ONLY) {
      // An audio-only rendition when the ladder has one, else the lightest, picture hidden.
      const levels = this.hls.levels;
      const audio = levels.findIndex((level) => !level.height && !level.videoCodec);
      let lightest = 0;
      levels.forEach((level, index) => {
        if (level.bitrate < levels[lightest].bitrate) lightest = index;
      });
      this.hls.currentLevel = audio >= 0 ? audio : lightest;
    } else {
      this.hls.currentLevel = Number(value);
    }
  }

  /** Bring the player to where the room is. */
  align() {
    const now = this.room.screeningNow();
    if (!now) {
      this.caption.textContent = t("player.waiting");
      if (!this.video.paused) this.video.pause();
      return;
    }
    if (!this.items.has(now.item)) {
      this.caption.textContent = t("player.waiting");
      // A statement approved since the playlist was read: read it again, once per statement.
      if (this.lookedFor !== now.item) {
        this.lookedFor = now.item;
        this.loadPlaylist();
      }
      return;
    }
    this.load(now.item);
    const duration = this.items.get(now.item)?.duration_s ?? Infinity;
    const target = Math.min(now.seconds, duration);
    if (Math.abs(this.video.currentTime - target) > DRIFT_SEEK_S || !now.playing) {
      this.video.currentTime = target;
    }
    if (now.playing && target < duration) this.play();
    else if (!this.video.paused) this.video.pause();
  }

  play() {
    if (!this.video.paused) return;
    this.video.play().then(() => { this.soundButton.hidden = true; }).catch(() => {
      // The browser wants a gesture before sound: offer one button.
      this.soundButton.hidden = false;
    });
  }

  startWithGesture() {
    this.soundButton.hidden = true;
    this.align();
    this.video.play().catch(() => null);
  }

  correctDrift() {
    const now = this.room.screeningNow();
    if (!now || !now.playing || now.item !== this.current || this.video.paused) {
      this.video.playbackRate = 1;
      return;
    }
    const drift = this.video.currentTime - now.seconds;
    this.video.dataset.drift = drift.toFixed(3); // read by the browser tests
    if (Math.abs(drift) > DRIFT_SEEK_S) {
      this.video.currentTime = now.seconds;
      this.video.playbackRate = 1;
    } else if (Math.abs(drift) > DRIFT_NUDGE_S) {
      this.video.playbackRate = drift > 0 ? 0.95 : 1.05;
    } else {
      this.video.playbackRate = 1;
    }
  }

  /** The room's drift as this screen sees it, in seconds (for tests and the console). */
  drift() {
    const now = this.room.screeningNow();
    return now ? this.video.currentTime - now.seconds : null;
  }
}

/** A plain player for one recording (the speaker's preview, the moderator's review). */
export function previewPlayer(media, label) {
  const video = h("video", { class: "preview", dir: "ltr", controls: true, preload: "metadata",
    "aria-label": label, poster: media.poster ?? undefined });
  if (Hls.isSupported() && media.hls) {
    const hls = new Hls({ workerPath: "/static/vendor/hls.worker.js" });
    hls.loadSource(media.hls);
    hls.attachMedia(video);
  } else {
    video.src = media.mp4 ?? media.hls;
  }
  return video;
}
