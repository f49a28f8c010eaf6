// The overflow: the stage as low-latency HLS, for delegates beyond the WebRTC viewers a stage
// takes (docs/stage.md). hls.js plays the pass's playlist (the sound-only one with *Sound
// only*), close to the live edge, and starts again by itself when the playlist is not there
// yet (nobody on stage) or the stream breaks (ffmpeg started again, Janus restarted).
import Hls from "/static/vendor/hls.esm.js";
import { h } from "/static/js/dom.js";
import { t } from "/static/js/i18n.js";

const RETRY_MS = 2000;

export class OverflowPlayer {
  constructor() {
    this.video = h("video", { dir: "ltr", autoplay: true, playsinline: true, class: "stage-overflow",
      "aria-label": t("stage.overflow_label") });
    this.root = h("figure", { class: "stage-tile active stage-overflow-tile", hidden: true },
      h("div", { class: "stage-picture" }, this.video),
      h("figcaption", {}, h("span", { class: "stage-belongs" }, t("stage.overflow_caption"))));
    this.url = null;
    this.hls = null;
    this.retryTimer = null;
    this.onBlocked = null; // the browser wants a gesture before sound
  }

  /** Play `url` (null: stop). The same url again changes nothing. */
  show(url) {
    if (url === this.url) return;
    this.stop();
    this.url = url;
    this.root.hidden = !url;
    if (url) this.load();
  }

  load() {
    window.clearTimeout(this.retryTimer);
    this.hls?.destroy();
    this.hls = null;
    if (!this.url) return;
    if (!Hls.isSupported()) {
      this.video.src = this.url;
      this.play();
      return;
    }
    const hls = new Hls({ workerPath: "/static/vendor/hls.worker.js", liveSyncDurationCount: 2,
      liveMaxLatencyDurationCount: 5, maxLiveSyncPlaybackRate: 1.2, backBufferLength: 10,
      manifestLoadingMaxRetry: 2, xhrSetup: (xhr) => { xhr.withCredentials = true; } });
    this.hls = hls;
    hls.on(Hls.Events.MANIFEST_PARSED, () => this.play());
    hls.on(Hls.Events.ERROR, (_, data) => {
      if (!data.fatal) return;
      // Not there yet, or broken: again in a moment, from the live edge.
      this.retryTimer = window.setTimeout(() => this.load(), RETRY_MS);
    });
    hls.loadSource(this.url);
    hls.attachMedia(this.video);
  }

  play() {
    this.video.play().catch((error) => {
      if (error?.name === "NotAllowedError") this.onBlocked?.();
    });
  }

  stop() {
    window.clearTimeout(this.retryTimer);
    this.hls?.destroy();
    this.hls = null;
    this.video.removeAttribute("src");
    this.url = null;
    this.root.hidden = true;
  }
}
