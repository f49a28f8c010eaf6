// Speaking on the stage: a preview of my camera, a microphone level meter (Web Audio), a
// microphone and camera picker, Mute and Camera buttons, and going live or leaving. The
// devices are opened only when the person asks (Join the stage, Speak) and released when they
// leave. A moderator's mute turns the microphone off; once they lift it, the person turns it
// on again themselves.
import { announce, errorText } from "/static/js/common.js";
import { fill, h } from "/static/js/dom.js";
import { t } from "/static/js/i18n.js";

const METER_MS = 100;

export class StageControls {
  /**
   * `direct`: no preview step (a delegate given the floor presses *Speak* and is live at
   * once); `onEnd(reason)` when the person is no longer live or previewing.
   */
  constructor(container, stage, { id = "stage-me", direct = false, onEnd = null } = {}) {
    this.stage = stage;
    this.id = id;
    this.direct = direct;
    this.onEnd = onEnd;
    this.mode = "idle"; // idle | preview | live
    this.opening = false; // the devices are being opened
    this.media = null; // MediaStream from getUserMedia
    this.micOn = true;
    this.cameraOn = true;
    this.meterTimer = null;
    this.audioContext = null;
    this.build(container);
    stage.addEventListener("publishing", (event) => this.onPublishing(event.detail));
    stage.addEventListener("change", () => this.draw());
    stage.addEventListener("status", () => this.draw());
    this.draw();
  }

  build(container) {
    const id = this.id;
    this.joinButton = h("button", { type: "button", id: `${id}-join`, onclick: () => this.open() },
      t("stage.join"));
    this.video = h("video", { class: "stage-preview", dir: "ltr", autoplay: true,
      playsinline: true, muted: true, "aria-label": t("stage.preview_label") });
    this.meter = h("meter", { id: `${id}-level`, min: 0, max: 1, low: 0.1, high: 0.8, optimum: 0.5,
      value: 0, "aria-label": t("stage.level") });
    this.microphones = h("select", { id: `${id}-microphone`, onchange: () => this.switchDevice("audio") });
    this.cameras = h("select", { id: `${id}-camera`, onchange: () => this.switchDevice("video") });
    this.cameraField = h("div", { class: "field" },
      h("label", { for: this.cameras.id }, t("stage.camera")), this.cameras);
    this.muteButton = h("button", { type: "button", class: "secondary", id: `${id}-mute`,
      onclick: () => this.toggleMicrophone() });
    this.cameraButton = h("button", { type: "button", class: "secondary", id: `${id}-camera-toggle`,
      onclick: () => this.toggleCamera() });
    this.goLiveButton = h("button", { type: "button", id: `${id}-go-live`, onclick: () => this.goLive() },
      t("stage.go_live"));
    this.leaveButton = h("button", { type: "button", class: "danger", id: `${id}-leave`,
      onclick: () => this.end("left") });
    this.message = h("p", { class: "form-status", role: "status", id: `${id}-message` });
    this.panel = h("div", { class: "stage-me-panel", hidden: true },
      h("div", { class: "stage-preview-frame" }, this.video),
      h("div", { class: "stage-me-tools" },
        h("label", { for: this.meter.id }, t("stage.level")), this.meter,
        h("div", { class: "field" }, h("label", { for: this.microphones.id }, t("stage.microphone")),
          this.microphones),
        this.cameraField,
        h("div", { class: "button-row" }, this.muteButton, this.cameraButton),
        h("div", { class: "button-row" }, this.goLiveButton, this.leaveButton)));
    this.root = h("div", { class: "stage-me", id }, this.joinButton, this.panel, this.message);
    fill(container, this.root);
  }

  draw() {
    const { stage } = this;
    const may = stage.mayPublish();
    const forced = stage.mutedByModerator();
    if (forced && this.micOn) {
      // Muted by a moderator: my microphone is off, and stays off until I turn it on again.
      this.micOn = false;
      this.applyToggles();
    }
    this.root.dataset.mode = this.mode;
    this.joinButton.hidden = this.direct || this.mode !== "idle";
    this.joinButton.disabled = !may;
    this.panel.hidden = this.mode === "idle";
    this.cameraField.hidden = !stage.videoAllowed();
    this.muteButton.textContent = this.micOn ? t("stage.mute") : t("stage.unmute");
    this.muteButton.disabled = forced;
    const video = this.media?.getVideoTracks()[0];
    this.cameraButton.hidden = !video;
    this.cameraButton.textContent = this.cameraOn ? t("stage.camera_off") : t("stage.camera_on");
    this.goLiveButton.hidden = this.mode !== "preview";
    this.goLiveButton.disabled = !may || !stage.joined;
    const leave = this.direct ? "stage.stop_speaking" : "stage.leave";
    this.leaveButton.textContent = this.mode === "live" ? t(leave) : t("stage.close_preview");
    if (forced) this.message.textContent = t("stage.muted_by_moderator");
    else if (this.mode === "live") this.message.textContent = stage.published ? t("stage.you_are_live") : t("stage.joining");
    else if (this.message.textContent === t("stage.muted_by_moderator")) this.message.textContent = "";
  }

  /** Open the camera and microphone for a preview. */
  async open() {
    if (this.mode !== "idle" || this.opening) return this.mode !== "idle";
    this.opening = true;
    try {
      await this.capture();
    } catch (error) {
      this.message.textContent = deviceError(error);
      return false;
    } finally {
      this.opening = false;
    }
    this.mode = "preview";
    this.startMeter();
    await this.listDevices();
    this.draw();
    this.microphones.focus();
    return true;
  }

  /** For a delegate given the floor: open the devices and go live in one press. */
  async speak() {
    if (await this.open()) await this.goLive();
  }

  async capture(kinds = ["audio", "video"]) {
    const wantVideo = kinds.includes("video") && this.stage.videoAllowed();
    const constraints = {
      audio: kinds.includes("audio") ? deviceConstraint(this.microphones.value) : false,
      video: wantVideo ? { ...deviceConstraint(this.cameras.value), width: { ideal: 640 }, height: { ideal: 360 } } : false,
    };
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia(constraints);
    } catch (error) {
      // No camera (or it is refused): speak with the microphone alone.
      if (!constraints.video || !constraints.audio) throw error;
      stream = await navigator.mediaDevices.getUserMedia({ audio: constraints.audio });
    }
    if (!this.media) this.media = new MediaStream();
    for (const track of stream.getTracks()) {
      for (const old of this.media.getTracks().filter((item) => item.kind === track.kind)) {
        old.stop();
        this.media.removeTrack(old);
      }
      this.media.addTrack(track);
    }
    this.applyToggles();
    this.video.srcObject = this.media;
    this.video.play().catch(() => null);
  }

  async listDevices() {
    const devices = await navigator.mediaDevices.enumerateDevices().catch(() => []);
    const current = (kind) => this.media?.getTracks().find((track) => track.kind === kind)?.getSettings().deviceId;
    const options = (kind, select, fallback) => {
      const found = devices.filter((device) => device.kind === kind);
      fill(select, ...found.map((device, index) => h("option", { value: device.deviceId },
        device.label || t(fallback, { number: index + 1 }))));
      const chosen = current(kind === "audioinput" ? "audio" : "video");
      if (chosen) select.value = chosen;
    };
    options("audioinput", this.microphones, "stage.microphone_n");
    options("videoinput", this.cameras, "stage.camera_n");
  }

  async switchDevice(kind) {
    try {
      await this.capture([kind]);
      if (kind === "audio") this.startMeter();
      const track = this.media.getTracks().find((item) => item.kind === kind);
      await this.stage.replaceTrack(kind, track);
    } catch (error) {
      this.message.textContent = deviceError(error);
    }
  }

  async goLive() {
    const audio = this.media?.getAudioTracks()[0];
    if (!audio) return;
    const video = this.stage.videoAllowed() ? this.media.getVideoTracks()[0] ?? null : null;
    this.mode = "live";
    this.draw();
    try {
      await this.stage.publish({ audio, video });
      if (this.stage.published) announce(t("stage.you_are_live"));
    } catch (error) {
      this.mode = "preview";
      this.message.textContent = errorText(error, "stage.publish_failed");
    }
    this.draw();
  }

  toggleMicrophone() {
    this.micOn = !this.micOn;
    this.applyToggles();
    this.draw();
  }

  toggleCamera() {
    this.cameraOn = !this.cameraOn;
    this.applyToggles();
    this.draw();
  }

  applyToggles() {
    const forced = this.stage.mutedByModerator();
    for (const track of this.media?.getAudioTracks() ?? []) track.enabled = this.micOn && !forced;
    for (const track of this.media?.getVideoTracks() ?? []) track.enabled = this.cameraOn;
  }

  onPublishing({ live, reason }) {
    if (live) {
      this.applyToggles();
    } else if (reason !== "connection" && reason !== "left" && this.mode === "live") {
      // The floor was taken back, a moderator removed me, or the stage ended.
      this.release();
      // A delegate is cut off when the floor goes back (the server kicks at once).
      const said = reason === "kicked" && this.stage.me.role === "delegate" ? "floor" : reason;
      this.message.textContent = t(`stage.ended_${said}`);
      announce(this.message.textContent);
      this.onEnd?.(reason);
    }
    this.draw();
  }

  /** Leave the stage (or close the preview) and let go of the devices. */
  async end(reason) {
    const wasLive = this.mode === "live";
    this.release();
    this.draw();
    if (wasLive) await this.stage.leave(reason);
    this.message.textContent = wasLive ? t("stage.left") : "";
    this.onEnd?.(reason);
    this.joinButton.focus();
  }

  release() {
    this.mode = "idle";
    window.clearInterval(this.meterTimer);
    this.meterTimer = null;
    this.audioContext?.close().catch(() => null);
    this.audioContext = null;
    for (const track of this.media?.getTracks() ?? []) track.stop();
    this.media = null;
    this.video.srcObject = null;
    this.meter.value = 0;
  }

  /** The microphone's level, from an AnalyserNode (root mean square of the waveform). */
  startMeter() {
    window.clearInterval(this.meterTimer);
    this.audioContext?.close().catch(() => null);
    const track = this.media?.getAudioTracks()[0];
    if (!track) return;
    this.audioContext = new AudioContext();
    const source = this.audioContext.createMediaStreamSource(new MediaStream([track]));
    const analyser = this.audioContext.createAnalyser();
    analyser.fftSize = 512;
    source.connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    this.meterTimer = window.setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const sample of samples) sum += sample * sample;
      const level = track.enabled ? Math.min(1, Math.sqrt(sum / samples.length) * 4) : 0;
      this.meter.value = level;
      this.meter.dataset.level = level.toFixed(3);
    }, METER_MS);
  }
}

function deviceConstraint(deviceId) {
  return deviceId ? { deviceId: { exact: deviceId } } : {};
}

function deviceError(error) {
  if (error?.name === "NotAllowedError") return t("stage.devices_refused");
  if (error?.name === "NotFoundError" || error?.name === "OverconstrainedError") return t("stage.devices_missing");
  return t("stage.devices_failed");
}
