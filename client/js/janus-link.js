// janus.js, promised: one Janus session over our server's path to Janus (/stage/janus, long
// polling), its VideoRoom handles, and requests whose answers come back as plugin events.
// Nothing here knows the live room or the page; stage.js drives it.
import Janus from "/static/vendor/janus.es.js";

const PLUGIN = "janus.plugin.videoroom";
const ANSWER_TIMEOUT_MS = 15000;
let initialised = null;

/** A Janus refusal or failure, with Janus's numeric code when it gave one. */
export class JanusFailure extends Error {
  constructor(message, code = null) {
    super(String(message ?? "Janus error"));
    this.code = code;
  }
}

// janus.js polls again at once when a long poll answers a Janus error (the session is gone
// after a Janus restart, or our server no longer knows it): that would spin. Such an answer is
// made a failed request instead, so that janus.js gives up after its retries and reports the
// lost connection, and the stage rebuilds itself.
async function watchedFetch(url, options) {
  const response = await fetch(url, options);
  if (options?.method !== "GET" || !response.ok) return response;
  const body = await response.clone().json().catch(() => null);
  if (body && !Array.isArray(body) && body.janus === "error") {
    await new Promise((resolve) => { window.setTimeout(resolve, 500); });
    throw new JanusFailure(body.error?.reason, body.error?.code);
  }
  return response;
}

function init() {
  initialised ??= new Promise((resolve) => {
    Janus.init({
      debug: false,
      // adapter.js is a classic script the page loads first (it sets window.adapter).
      dependencies: Janus.useDefaultDependencies({ adapter: window.adapter, fetch: watchedFetch }),
      callback: resolve,
    });
  });
  return initialised;
}

/** Whether this browser can take part at all. */
export function webrtcSupported() {
  return Boolean(window.RTCPeerConnection && navigator.mediaDevices);
}

/**
 * Open a Janus session with a stage pass. `onLost(reason)` is called once if the session is
 * lost afterwards (Janus down, the session gone).
 */
export async function openSession(pass, onLost) {
  await init();
  return new Promise((resolve, reject) => {
    let opened = false;
    const janus = new Janus({
      server: pass.janus,
      iceServers: pass.ice_servers ?? [],
      withCredentials: true, // the sign-in cookie goes with every request
      destroyOnUnload: true,
      success: () => {
        opened = true;
        resolve(janus);
      },
      error: (reason) => {
        if (opened) onLost(String(reason));
        else reject(new JanusFailure(reason));
      },
    });
  });
}

/** A VideoRoom handle whose plugin events go to `onEvent(message, jsep)`; tracks to the hooks. */
export class RoomHandle {
  static async attach(janus, hooks = {}) {
    const handle = new RoomHandle(hooks);
    handle.plugin = await new Promise((resolve, reject) => {
      janus.attach({
        plugin: PLUGIN,
        success: resolve,
        error: (reason) => reject(new JanusFailure(reason)),
        onmessage: (message, jsep) => handle.received(message, jsep),
        onremotetrack: (track, mid, on) => hooks.onRemoteTrack?.(track, mid, on),
        webrtcState: (up) => hooks.onWebrtc?.(up),
        oncleanup: () => hooks.onCleanup?.(),
      });
    });
    return handle;
  }

  constructor(hooks) {
    this.hooks = hooks;
    this.waiting = [];
    this.plugin = null;
  }

  get pc() {
    return this.plugin?.webrtcStuff?.pc ?? null;
  }

  received(message, jsep) {
    let awaited = false;
    for (const waiter of [...this.waiting]) {
      if (message.error_code) waiter.reject(new JanusFailure(message.error, message.error_code));
      else if (waiter.matches(message)) waiter.resolve({ message, jsep });
      else continue;
      awaited = true;
      this.drop(waiter);
    }
    // An answer someone awaits is theirs to handle; the rest (and its facts) go to onEvent.
    if (!message.error_code) this.hooks.onEvent?.(message, jsep, awaited);
  }

  /** Send a request; resolves to the plugin's synchronous answer. */
  send(message, jsep) {
    return new Promise((resolve, reject) => {
      this.plugin.send({ message, jsep, success: resolve,
        error: (reason) => reject(new JanusFailure(reason, Number.parseInt(reason, 10) || null)) });
    });
  }

  /** Send an asynchronous request; resolves to the first event `matches` accepts. */
  async ask(message, matches, jsep) {
    let waiter;
    const answer = new Promise((resolve, reject) => {
      waiter = { matches, resolve, reject };
    });
    waiter.timer = window.setTimeout(() => {
      this.drop(waiter);
      waiter.reject(new JanusFailure(`no answer to ${message.request}`));
    }, ANSWER_TIMEOUT_MS);
    this.waiting.push(waiter);
    try {
      await this.send(message, jsep);
    } catch (error) {
      this.drop(waiter);
      throw error;
    }
    return answer;
  }

  drop(waiter) {
    window.clearTimeout(waiter.timer);
    const index = this.waiting.indexOf(waiter);
    if (index >= 0) this.waiting.splice(index, 1);
  }

  offer(tracks) {
    return new Promise((resolve, reject) => {
      this.plugin.createOffer({ tracks, success: resolve,
        error: (error) => reject(new JanusFailure(error?.message ?? error)) });
    });
  }

  answer(jsep) {
    return new Promise((resolve, reject) => {
      this.plugin.createAnswer({ jsep, tracks: [], success: resolve,
        error: (error) => reject(new JanusFailure(error?.message ?? error)) });
    });
  }

  takeAnswer(jsep) {
    return new Promise((resolve, reject) => {
      this.plugin.handleRemoteJsep({ jsep, success: resolve,
        error: (error) => reject(new JanusFailure(error?.message ?? error)) });
    });
  }

  replaceTrack(kind, mid, track) {
    return new Promise((resolve, reject) => {
      this.plugin.replaceTracks({ tracks: [{ type: kind, mid, capture: track, dontStop: true }],
        success: resolve, error: (error) => reject(new JanusFailure(error?.message ?? error)) });
    });
  }

  hangup() {
    this.plugin?.hangup();
  }
}

/** End a Janus session without waiting for it (its handles go with it). */
export function closeSession(janus) {
  try {
    janus?.destroy({ cleanupHandles: true, notifyDestroyed: false });
  } catch {
    // Already gone.
  }
}
