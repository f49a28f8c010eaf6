// What this screen receives of the stage: one multistream subscriber handle (Janus 1.x) that
// follows the publishers Janus announces. Every change (subscribe, unsubscribe) is one
// renegotiation at a time; Janus's own list of the handle's streams says what is received.
// With *Sound only* only the publishers' audio streams are asked for: no video arrives at all.
import { RoomHandle } from "/static/js/janus-link.js";

export class Subscription {
  /**
   * `onTrack(feed, track, on)` is called as a publisher's tracks arrive and go; `onStreams()`
   * after each change of what is received.
   */
  constructor(janus, { room, privateId, soundOnly, onTrack, onStreams, onFailure }) {
    this.janus = janus;
    this.room = room;
    this.privateId = privateId;
    this.soundOnly = soundOnly;
    this.onTrack = onTrack;
    this.onStreams = onStreams;
    this.onFailure = onFailure;
    this.publishers = new Map(); // feed → its streams [{type, mid, disabled}]
    this.streams = []; // Janus's list of what this handle receives
    this.handle = null;
    this.queue = Promise.resolve();
    this.closed = false;
  }

  get pc() {
    return this.handle?.pc ?? null;
  }

  /** Publishers as the participant's `joined` or `event` messages list them. */
  addPublishers(list) {
    for (const publisher of list ?? []) this.publishers.set(publisher.id, publisher.streams ?? []);
    this.schedule();
  }

  removePublisher(feed) {
    if (!this.publishers.delete(feed)) return;
    this.schedule();
  }

  setSoundOnly(soundOnly) {
    if (this.soundOnly === soundOnly) return;
    this.soundOnly = soundOnly;
    this.schedule();
  }

  close() {
    this.closed = true;
    this.publishers.clear();
  }

  /** The feed a track of this handle belongs to (by the handle's own mid). */
  feedOf(mid) {
    return this.streams.find((stream) => stream.mid === mid)?.feed_id ?? null;
  }

  schedule() {
    this.queue = this.queue.then(() => this.reconcile()).catch((error) => {
      if (!this.closed) this.onFailure(error);
    });
  }

  /** Ask Janus for the streams wanted and not received, and drop those no longer wanted. */
  async reconcile() {
    if (this.closed) return;
    const wanted = new Map();
    for (const [feed, streams] of this.publishers) {
      for (const stream of streams) {
        if (stream.disabled || !["audio", "video"].includes(stream.type)) continue;
        if (stream.type === "video" && this.soundOnly) continue;
        wanted.set(`${feed}/${stream.mid}`, { feed, mid: stream.mid });
      }
    }
    const received = new Map(this.streams
      .filter((stream) => stream.active !== false && stream.feed_id)
      .map((stream) => [`${stream.feed_id}/${stream.feed_mid}`, { feed: stream.feed_id, mid: stream.feed_mid }]));
    const add = [...wanted.keys()].filter((key) => !received.has(key)).map((key) => wanted.get(key));
    const drop = [...received.keys()].filter((key) => !wanted.has(key)).map((key) => received.get(key));
    if (!this.handle && add.length) await this.join(add);
    else if (add.length || drop.length) await this.change(add, drop);
  }

  async join(streams) {
    this.handle = await RoomHandle.attach(this.janus, {
      onEvent: (message, jsep) => this.onEvent(message, jsep),
      onRemoteTrack: (track, mid, on) => {
        const feed = this.feedOf(mid);
        if (feed !== null) this.onTrack(feed, track, on);
      },
    });
    const { message, jsep } = await this.handle.ask({ request: "join", ptype: "subscriber",
      room: this.room, private_id: this.privateId, streams }, (m) => m.videoroom === "attached");
    await this.accept(message, jsep);
  }

  async change(add, drop) {
    const request = add.length
      ? { request: "subscribe", streams: add }
      : { request: "unsubscribe", streams: drop };
    try {
      const { message, jsep } = await this.handle.ask(request, (m) => m.videoroom === "updated");
      await this.accept(message, jsep);
    } catch (error) {
      // A publisher that left before we unsubscribed: Janus dropped its streams already.
      if (add.length) throw error;
    }
    if (add.length && drop.length) await this.change([], drop);
  }

  async accept(message, jsep) {
    if (message.streams) this.streams = message.streams;
    if (jsep) {
      const answer = await this.handle.answer(jsep);
      await this.handle.send({ request: "start" }, answer);
    }
    this.onStreams();
  }

  onEvent(message, jsep, awaited) {
    if (awaited || !["attached", "updated"].includes(message.videoroom)) return;
    // Janus renegotiates by itself when a publisher goes: its new offer comes unasked.
    this.queue = this.queue.then(() => this.accept(message, jsep)).catch((error) => {
      if (!this.closed) this.onFailure(error);
    });
  }
}
