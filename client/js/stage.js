// The live stage of one session, the browser side (docs/stage.md). It follows the live room's
// `stage` state: while the stage is live (and this person may watch it in this phase) it asks
// the live room for a stage pass, opens a Janus session through our server (/stage/janus),
// joins the session's VideoRoom as a participant, receives the on-stage feeds, and publishes
// this person's microphone (then camera) when they choose to and may. After an error, a kick
// or a reconnection of the live room it rebuilds itself (new pass, new Janus session) with
// backoff, and says "reconnecting" meanwhile.
import { JanusFailure, RoomHandle, closeSession, openSession, webrtcSupported } from "/static/js/janus-link.js";
import { Subscription } from "/static/js/stage-subscription.js";

const BACKOFF_S = [1, 2, 4, 8, 15, 30];
const STATS_MS = 1000;
const ID_EXISTS = 436; // Janus: that participant id is in the room already (another tab)
// Refusals a retry does not change; the stage waits for the room's state to change instead.
const WAIT_FOR_STATE = new Set(["stage_closed", "not_in_qa", "stage_unavailable", "removed"]);
const REFUSED = new Set(["forbidden", "not_found", "unauthenticated", "removed"]);

export const SOUND_ONLY_KEY = "presession.quality";

/** Whether the screen's remembered quality is *Sound only* (the room's Quality menu). */
export function soundOnlyChosen() {
  return localStorage.getItem(SOUND_ONLY_KEY) === "audio";
}

/**
 * Events: "status" (off | connecting | live | reconnecting | unavailable | refused),
 * "feeds" (what is received changed), "levels" (audio levels per feed, about once a second),
 * "publishing" (this screen started or stopped publishing: detail {live, reason}),
 * "change" (the room's stage state changed).
 */
export class Stage extends EventTarget {
  constructor(room, me) {
    super();
    this.room = room;
    this.me = me;
    this.status = "off";
    this.refusal = null; // the last refusal shown (an Error with a code)
    this.generation = 0;
    this.link = null; // {pass, janus, participant, subscription, privateId, id}
    this.building = false;
    this.failures = 0;
    this.retryTimer = null;
    this.statsTimer = null;
    this.soundOnly = soundOnlyChosen();
    this.tracks = new Map(); // feed → Map(track id → track)
    this.levels = new Map(); // feed → audio level 0..1
    this.stats = { audioBytes: 0, videoBytes: 0, videoTracks: 0 };
    this.outgoing = null; // {audio, video} tracks this screen wants live, or null
    this.published = false;
    this.roomDropped = false;
    this.unreachable = false;
    room.addEventListener("change", () => this.follow());
    room.addEventListener("status", (event) => {
      if (event.detail === "offline") this.roomDropped = true;
      if (event.detail === "online" && this.roomDropped) {
        this.roomDropped = false;
        this.rebuild();
      }
    });
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  setStatus(status) {
    if (this.status === status) return;
    this.status = status;
    this.emit("status", status);
  }

  // -- what the room says ------------------------------------------------------------------

  /** The overflow's playlists ({hls, audio}) when this screen watches the stage as HLS. */
  get overflow() {
    return this.link?.overflow ?? null;
  }

  /** In the room now (able to publish), whatever the status says. */
  get joined() {
    return Boolean(this.link?.joined);
  }

  get state() {
    return this.room.state?.stage ?? null;
  }

  /** May this person watch the stage now (the server decides again for the pass)? */
  mayWatch() {
    const state = this.state;
    const phase = this.room.state?.phase;
    if (!state?.available || !state.live || !webrtcSupported()) return false;
    if ((state.removed ?? []).includes(this.me.id)) return false;
    return phase === "qa" || (phase === "screening" && this.me.role !== "delegate");
  }

  /** Does my delegation have the floor (delegates), or may I always speak (others)? */
  mayPublish() {
    if (!this.mayWatch()) return false;
    if (this.me.role !== "delegate") return true;
    const floor = this.state?.floor;
    return Boolean(floor && this.me.mission && floor.mission?.id === this.me.mission.id);
  }

  /** May my camera go with my microphone? Delegates only when the floor allows it. */
  videoAllowed() {
    return this.me.role !== "delegate" || Boolean(this.state?.floor?.video);
  }

  mutedByModerator() {
    return (this.state?.muted ?? []).includes(this.me.id);
  }

  /** Who a feed is, from the server's list (never from what a browser calls itself). */
  whoIs(feed) {
    return (this.state?.on_stage ?? []).find((entry) => entry.feed === feed) ?? null;
  }

  follow() {
    const state = this.state;
    // Janus back after an outage: retry at once rather than at the end of the backoff.
    const cameBack = this.unreachable && state?.reachable !== false;
    this.unreachable = state?.reachable === false;
    if (!this.mayWatch()) {
      this.stop((state?.removed ?? []).includes(this.me.id) ? "removed" : "closed");
      if (!state?.available) this.setStatus("unavailable");
      else if ((state.removed ?? []).includes(this.me.id)) this.setStatus("refused");
      else this.setStatus("off");
    } else if (!this.link && !this.building && !this.retryTimer) {
      this.build();
    } else if (this.retryTimer && cameBack) {
      this.retryNow();
    } else if (this.link?.overflow && this.mayPublish()) {
      this.rebuild(); // given the floor: a WebRTC pass, to speak
    } else if (this.link?.joined || this.link?.overflow) {
      this.setStatus(state.reachable === false ? "reconnecting" : "live");
    }
    if (this.outgoing && !this.mayPublish()) this.leave("floor");
    if (this.published && this.mutedByModerator()) this.setMicrophone(false);
    this.emit("change", state);
  }

  // -- building and rebuilding ---------------------------------------------------------------

  async build() {
    const generation = ++this.generation;
    this.building = true;
    this.setStatus(this.failures ? "reconnecting" : "connecting");
    try {
      const { pass } = await this.room.call("stage_pass", { session: this.room.sessionId });
      if (generation !== this.generation) return;
      if (pass.overflow) {
        // More viewers than the stage takes by WebRTC: the stage as HLS (stage-overflow.js).
        this.link = { pass, overflow: pass.overflow, joined: false };
        this.failures = 0;
        this.refusal = null;
        this.setStatus(this.state?.reachable === false ? "reconnecting" : "live");
        this.emit("feeds");
        return;
      }
      const janus = await openSession(pass, (reason) => this.lost(generation, reason));
      if (generation !== this.generation) {
        closeSession(janus);
        return;
      }
      const link = { pass, janus, participant: null, subscription: null, privateId: null, id: null,
        joined: false };
      this.link = link;
      link.participant = await RoomHandle.attach(janus, {
        onEvent: (message) => generation === this.generation && this.onParticipantEvent(message),
      });
      const joined = await this.join(link);
      if (generation !== this.generation) return;
      link.id = joined.id;
      link.privateId = joined.private_id;
      link.joined = true;
      link.subscription = new Subscription(janus, {
        room: pass.room, privateId: joined.private_id, soundOnly: this.soundOnly,
        onTrack: (feed, track, on) => generation === this.generation && this.onTrack(feed, track, on),
        onStreams: () => generation === this.generation && this.emit("feeds"),
        onFailure: (error) => this.lost(generation, error.message),
      });
      link.subscription.addPublishers(joined.publishers);
      this.failures = 0;
      this.refusal = null;
      this.setStatus(this.state?.reachable === false ? "reconnecting" : "live");
      this.startStats(generation);
      // Back after an error while live: go on speaking, if still allowed.
      if (this.outgoing && this.mayPublish()) await this.publish(this.outgoing);
    } catch (error) {
      if (generation === this.generation) this.failed(error);
    } finally {
      if (generation === this.generation) this.building = false;
    }
  }

  /** Join as a participant with one of the pass's seats (another tab may hold the first). */
  async join(link) {
    const seats = link.pass.participants ?? [link.pass.participant];
    for (const [index, id] of seats.entries()) {
      try {
        const { message } = await link.participant.ask({ request: "join", ptype: "publisher",
          room: link.pass.room, id, token: link.pass.token }, (m) => m.videoroom === "joined");
        return message;
      } catch (error) {
        if (error.code !== ID_EXISTS || index === seats.length - 1) throw error;
      }
    }
    throw new JanusFailure("no seat");
  }

  failed(error) {
    this.teardown();
    this.refusal = error;
    if (REFUSED.has(error.code)) {
      this.setStatus("refused");
      return;
    }
    if (WAIT_FOR_STATE.has(error.code)) {
      this.setStatus(error.code === "stage_unavailable" ? "unavailable" : "off");
      return;
    }
    const delay = BACKOFF_S[Math.min(this.failures, BACKOFF_S.length - 1)];
    this.failures += 1;
    this.setStatus("reconnecting");
    this.retryTimer = window.setTimeout(() => {
      this.retryTimer = null;
      if (this.mayWatch()) this.build();
    }, delay * 1000);
  }

  lost(generation, reason) {
    if (generation !== this.generation) return;
    this.failed(new JanusFailure(reason));
  }

  retryNow() {
    window.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.build();
  }

  /** Start again from a new pass and a new Janus session (after a kick, a reconnection). */
  rebuild() {
    if (!this.mayWatch()) return;
    this.teardown();
    window.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.build();
  }

  teardown() {
    this.generation += 1;
    this.building = false;
    window.clearInterval(this.statsTimer);
    this.statsTimer = null;
    if (this.link) {
      this.link.subscription?.close();
      if (this.link.janus) closeSession(this.link.janus);
      this.link = null;
    }
    const hadFeeds = this.tracks.size > 0;
    this.tracks.clear();
    this.levels.clear();
    this.stats = { audioBytes: 0, videoBytes: 0, videoTracks: 0 };
    if (this.published) {
      this.published = false;
      this.emit("publishing", { live: false, reason: "connection" });
    }
    if (hadFeeds) this.emit("feeds");
  }

  stop(reason = "closed") {
    window.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.failures = 0;
    if (this.outgoing) this.leave(reason);
    if (this.link || this.building) this.teardown();
  }

  // -- Janus's news ---------------------------------------------------------------------------

  onParticipantEvent(message) {
    const subscription = this.link?.subscription;
    if (message.videoroom === "destroyed") {
      this.teardown();
      this.setStatus("off");
      return;
    }
    if (message.publishers) subscription?.addPublishers(message.publishers);
    const self = this.link?.id;
    const kicked = (message.leaving === "ok" && message.reason === "kicked")
      || (message.kicked !== undefined && message.kicked === self);
    if (kicked) {
      // The floor was taken back, or a moderator removed me: watch again, from scratch.
      const wasSpeaking = Boolean(this.outgoing || this.published);
      this.outgoing = null;
      this.published = false;
      if (wasSpeaking) this.emit("publishing", { live: false, reason: "kicked" });
      this.rebuild();
      return;
    }
    for (const key of ["unpublished", "leaving", "kicked"]) {
      const feed = message[key];
      if (feed !== undefined && feed !== "ok" && feed !== self) {
        subscription?.removePublisher(feed);
        this.dropFeed(feed);
      }
    }
  }

  onTrack(feed, track, on) {
    for (const [other, tracks] of this.tracks) {
      if (tracks.delete(track.id) && !tracks.size) this.tracks.delete(other);
    }
    if (on && track.readyState !== "ended") {
      if (!this.tracks.has(feed)) this.tracks.set(feed, new Map());
      this.tracks.get(feed).set(track.id, track);
    }
    this.emit("feeds");
  }

  dropFeed(feed) {
    if (this.tracks.delete(feed)) this.emit("feeds");
  }

  /** The feeds received now: [{feed, tracks: [MediaStreamTrack], who}] in the server's order. */
  feeds() {
    const order = (this.state?.on_stage ?? []).map((entry) => entry.feed);
    return [...this.tracks.entries()]
      .map(([feed, tracks]) => ({ feed, tracks: [...tracks.values()], who: this.whoIs(feed) }))
      .sort((a, b) => (order.indexOf(a.feed) + 1 || Infinity) - (order.indexOf(b.feed) + 1 || Infinity));
  }

  setSoundOnly(soundOnly) {
    this.soundOnly = soundOnly;
    this.link?.subscription?.setSoundOnly(soundOnly);
  }

  // -- publishing ---------------------------------------------------------------------------

  /** Go live with these tracks (audio first: the server mutes by the audio's mid, "0"). */
  async publish(outgoing) {
    this.outgoing = outgoing;
    const participant = this.link?.participant;
    if (!participant || !this.link.joined) return false; // published once joined
    const tracks = [{ type: "audio", capture: outgoing.audio, recv: false, dontStop: true }];
    if (outgoing.video) tracks.push({ type: "video", capture: outgoing.video, recv: false, dontStop: true });
    try {
      const offer = await participant.offer(tracks);
      const { jsep } = await participant.ask({ request: "publish" }, (m) => m.configured === "ok", offer);
      if (jsep) await participant.takeAnswer(jsep);
    } catch (error) {
      this.outgoing = null;
      participant.hangup();
      throw error;
    }
    this.published = true;
    if (this.mutedByModerator()) this.setMicrophone(false);
    this.emit("publishing", { live: true });
    return true;
  }

  /** Stop publishing (the person left, the floor went, the stage closed); watching goes on. */
  async leave(reason = "left") {
    const wasLive = this.published;
    if (!this.outgoing && !wasLive) return;
    this.outgoing = null;
    this.published = false;
    this.emit("publishing", { live: false, reason });
    const participant = this.link?.participant;
    if (participant && wasLive) {
      await participant.ask({ request: "unpublish" }, (m) => m.unpublished === "ok").catch(() => null);
      participant.hangup();
    }
  }

  /** Replace the microphone or camera while live (the device picker). */
  async replaceTrack(kind, track) {
    if (!this.outgoing) return;
    this.outgoing = { ...this.outgoing, [kind]: track };
    if (this.published) await this.link?.participant?.replaceTrack(kind, kind === "audio" ? "0" : "1", track);
  }

  setMicrophone(on) {
    const audio = this.outgoing?.audio;
    if (audio) audio.enabled = on && !this.mutedByModerator();
  }

  // -- what arrives ---------------------------------------------------------------------------

  startStats(generation) {
    window.clearInterval(this.statsTimer);
    this.statsTimer = window.setInterval(() => this.readStats(generation), STATS_MS);
  }

  async readStats(generation) {
    const pc = this.link?.subscription?.pc;
    if (!pc) return;
    const report = await pc.getStats().catch(() => null);
    if (!report || generation !== this.generation) return;
    const feedOfTrack = new Map();
    for (const [feed, tracks] of this.tracks) for (const id of tracks.keys()) feedOfTrack.set(id, feed);
    const stats = { audioBytes: 0, videoBytes: 0, videoTracks: 0 };
    this.levels.clear();
    report.forEach((entry) => {
      if (entry.type !== "inbound-rtp") return;
      if (entry.kind === "video") {
        stats.videoBytes += entry.bytesReceived ?? 0;
      } else if (entry.kind === "audio") {
        stats.audioBytes += entry.bytesReceived ?? 0;
        const feed = feedOfTrack.get(entry.trackIdentifier);
        if (feed !== undefined) this.levels.set(feed, entry.audioLevel ?? 0);
      }
    });
    stats.videoTracks = this.feeds().flatMap((feed) => feed.tracks)
      .filter((track) => track.kind === "video").length;
    this.stats = stats;
    this.emit("levels", this.levels);
  }
}
