// The one connection to the live room (Socket.IO namespace /live), implementing the client
// rules of docs/live-room.md: a personal update merges without moving the version; an old
// version is ignored; a gap (`previous` newer than ours) calls `sync`; otherwise apply.
// A new connection is not in the session's rooms until it joins, so after a reconnect the
// client joins again and takes the snapshot it answers as its resynchronisation.
import { io } from "/static/vendor/socket.io.esm.min.js";
import { RoomState } from "/static/js/room-state.js";

const ACK_TIMEOUT_MS = 10000;

export class LiveRoom extends EventTarget {
  constructor(sessionId) {
    super();
    this.sessionId = sessionId;
    this.state = null; // {version, phase, screening, questions: Map, queue, on_air, ...}
    this.presence = new Map();
    this.status = "connecting";
    this.clockOffsetMs = 0; // server clock minus ours
    this.syncing = false;
    this.held = []; // updates that arrived while a sync was under way
    this.joinedOnce = false;
    this.early = null; // updates that arrived while `join` was being answered
    this.socket = io("/live", { transports: ["websocket", "polling"], autoConnect: false });
    this.socket.on("connect", () => this.onConnect());
    // The server ends a connection itself only when its sign-in has ended (signed out,
    // expired): no reconnecting then, the page says to sign in again.
    this.socket.on("disconnect", (reason) =>
      this.setStatus(reason === "io server disconnect" ? "signed_out" : "offline"));
    this.socket.on("connect_error", () => this.setStatus("offline"));
    this.socket.on("update", (update) => this.onUpdate(update));
    this.socket.on("presence", (message) => this.onPresence(message));
    this.socket.on("progress", (message) => this.emit("progress", message));
    // The browser knows first when the network goes: say so at once, and reconnect as soon
    // as it is back rather than waiting for the next retry.
    window.addEventListener("offline", () => {
      this.socket.disconnect();
      this.setStatus("offline");
    });
    window.addEventListener("online", () => {
      if (!this.socket.connected && this.status !== "signed_out") this.socket.connect();
    });
  }

  connect() {
    this.socket.connect();
    return this;
  }

  setStatus(status) {
    if (this.status === status) return;
    this.status = status;
    this.emit("status", status);
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /** Send an event and resolve to its ack; rejects with the server's {code, message}. */
  async call(event, payload) {
    const answer = await this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck(event, payload)
      .catch(() => ({ ok: false, error: { code: "timeout", message: "" } }));
    if (!answer?.ok) {
      // No message for people without the server's (errorText says it by the code).
      const error = new Error(answer?.error?.message ?? "");
      error.code = answer?.error?.code ?? "unknown";
      throw error;
    }
    return answer;
  }

  async onConnect() {
    const rejoin = this.joinedOnce;
    this.setStatus(rejoin ? "resyncing" : "connecting");
    // The server puts this connection in the session's rooms before it reads the snapshot, so
    // an update can arrive before the snapshot and be newer than it: it is held, then replayed
    // after the snapshot by the same rules (older versions are ignored there).
    this.early = [];
    try {
      const answer = await this.call("join", { session: this.sessionId });
      this.joinedOnce = true;
      const early = this.early.sort((a, b) => a.version - b.version);
      this.early = null;
      this.takeSnapshot(answer.snapshot);
      for (const update of early) {
        if (update.personal && !(update.version > this.state.version)) continue;
        this.applyUpdate(update, false);
      }
      this.setStatus("online");
      if (rejoin) this.emit("resynced");
    } catch (error) {
      this.early = null;
      this.setStatus("offline");
      this.emit("failed", error);
    }
  }

  takeSnapshot(snapshot) {
    this.noteClock(snapshot.server_time);
    this.state = new RoomState(snapshot);
    if (snapshot.presence) {
      this.presence = new Map(snapshot.presence.map((person) => [person.person, person]));
    }
    this.held = [];
    this.emit("change", { kind: "snapshot" });
  }

  noteClock(serverTime) {
    if (serverTime) this.clockOffsetMs = Date.parse(serverTime) - Date.now();
  }

  /** The server's clock now, in milliseconds since the epoch. */
  serverNow() {
    return Date.now() + this.clockOffsetMs;
  }

  onUpdate(update) {
    if (update.session !== this.sessionId) return;
    if (this.early) {
      this.early.push(update);
      return;
    }
    if (!this.state) return;
    if (this.syncing && !update.personal) {
      this.held.push(update);
      return;
    }
    this.applyUpdate(update, false);
  }

  applyUpdate(update, synced) {
    const result = this.state.apply(update, synced);
    if (result === "gap") {
      this.held.push(update);
      this.sync();
      return;
    }
    if (result === "ignored") return;
    if (!update.personal) this.noteClock(update.server_time);
    this.emit("change", update);
  }

  /** Add questions this screen learnt of outside an update (the ack of its own `ask`). */
  merge(update) {
    this.state.merge(update);
  }

  async sync() {
    if (this.syncing) return;
    this.syncing = true;
    this.setStatus("resyncing");
    try {
      const answer = await this.call("sync", { session: this.sessionId, since: this.state.version });
      if (answer.snapshot) {
        const held = this.held;
        this.takeSnapshot(answer.snapshot);
        this.held = held;
      } else {
        for (const update of answer.updates) this.applyUpdate(update, true);
        this.state.version = Math.max(this.state.version, answer.version);
        if (answer.presence) {
          this.presence = new Map(answer.presence.map((person) => [person.person, person]));
        }
        this.noteClock(answer.server_time);
      }
      this.setStatus("online");
      this.emit("resynced");
    } catch {
      this.setStatus("offline");
    } finally {
      this.syncing = false;
    }
    const held = this.held.sort((a, b) => a.version - b.version);
    this.held = [];
    for (const update of held) this.applyUpdate(update, false);
    this.emit("change", { kind: "sync" });
  }

  onPresence(message) {
    if (message.session !== this.sessionId) return;
    if (message.present) this.presence.set(message.person, message.present);
    else this.presence.delete(message.person);
    this.emit("presence", message);
  }

  // -- reading the state -------------------------------------------------------------------

  question(id) {
    return this.state?.questions.get(id) ?? null;
  }

  questions() {
    return [...(this.state?.questions.values() ?? [])].sort((a, b) => a.number - b.number);
  }

  queue() {
    return (this.state?.queue ?? []).map((id) => this.question(id)).filter(Boolean);
  }

  onAir() {
    return this.state?.on_air ? this.question(this.state.on_air) : null;
  }

  /** Where the screening is now: {item, seconds, playing}, from the room's formula. */
  screeningNow() {
    const screening = this.state?.screening;
    if (!screening || screening.item === null || screening.item === undefined) return null;
    let seconds = screening.position ?? 0;
    if (screening.playing && screening.updated_at) {
      seconds += (this.serverNow() - Date.parse(screening.updated_at)) / 1000;
    }
    return { item: screening.item, seconds, playing: screening.playing };
  }
}

/** A client id for `ask`: the idempotency key of one question (kept across retries). */
export function newClientId() {
  return `q-${crypto.randomUUID()}`;
}
