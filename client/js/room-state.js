// What a screen keeps of the room, and the client rules of docs/live-room.md, as a pure class
// (no network): the same rules as tests/live_client.py's RoomState, tested in the browser.

export class RoomState {
  constructor(snapshot) {
    Object.assign(this, snapshot);
    this.questions = new Map(snapshot.questions.map((question) => [question.id, question]));
  }

  /**
   * Apply one update: "applied", "ignored" (already have it) or "gap" (one is missing before
   * it: the caller syncs). A personal update only merges the author's question, keeping the
   * version. Updates answered by `sync` come complete and in order (`synced`).
   */
  apply(update, synced = false) {
    if (update.personal) {
      this.merge(update);
      return "applied";
    }
    if (update.version <= this.version) return "ignored";
    if (!synced && update.previous > this.version) return "gap";
    this.version = update.version;
    this.merge(update);
    return "applied";
  }

  merge(update) {
    if ("phase" in update) this.phase = update.phase;
    if ("screening" in update) this.screening = update.screening;
    if ("stage" in update) this.stage = update.stage; // the whole stage, every time (docs/stage.md)
    for (const question of update.questions ?? []) {
      if (question.removed) this.questions.delete(question.id);
      else this.questions.set(question.id, question);
    }
    if ("queue" in update) {
      this.queue = update.queue;
      this.on_air = update.on_air;
    }
  }
}
