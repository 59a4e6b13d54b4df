// A WebSocket that keeps itself connected: exponential back-off with jitter, a ping every 25 s, and
// a dead-connection check (no answer to a ping within 10 s closes and reconnects).

const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 10_000;
const PING_EVERY_MS = 25_000;
const PONG_WITHIN_MS = 10_000;

/** Back-off before attempt n (0-based): 0.5 s doubling to 10 s, each drawn from [d/2, d]. */
export function backoffDelay(attempt, random = Math.random) {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export class ReconnectingSocket {
  /**
   * @param {string} url
   * @param {{onOpen?: () => void, onFrame?: (frame: object) => void, onClose?: (event: CloseEvent) => boolean|void,
   *          onState?: (state: "connecting"|"connected"|"disconnected", retryAt?: number) => void}} handlers
   *   onClose returning false stops reconnecting.
   */
  constructor(url, handlers) {
    this.url = url;
    this.handlers = handlers;
    this.ws = null;
    this.attempt = 0;
    this.retryTimer = null;
    this.pingTimer = null;
    this.pongTimer = null;
    this.stopped = false;
    window.addEventListener("online", () => this.retryNow());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.retryNow();
    });
  }

  get isOpen() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  /** Skip the rest of a back-off wait (the network came back, the tab became visible). */
  retryNow() {
    if (this.stopped || this.ws !== null) return;
    clearTimeout(this.retryTimer);
    this.connect();
  }

  send(frame) {
    if (!this.isOpen) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  connect() {
    this.retryTimer = null;
    this.handlers.onState?.("connecting");
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.handlers.onState?.("connected");
      this.startPings();
      this.handlers.onOpen?.();
    };
    ws.onmessage = (event) => {
      clearTimeout(this.pongTimer); // any frame proves the connection is alive
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      if (frame && typeof frame.type === "string") this.handlers.onFrame?.(frame);
    };
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.stopPings();
      // the page may decide a close is final (4401: not logged in; retrying cannot help)
      if (this.handlers.onClose?.(event) === false) this.stopped = true;
      if (!this.stopped) this.scheduleRetry();
    };
    // an error is always followed by close, which does the bookkeeping
    ws.onerror = () => {};
  }

  scheduleRetry() {
    const delay = backoffDelay(this.attempt++);
    this.handlers.onState?.("disconnected", Date.now() + delay);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  startPings() {
    this.stopPings();
    this.pingTimer = setInterval(() => {
      if (!this.send({ type: "ping" })) return;
      clearTimeout(this.pongTimer);
      this.pongTimer = setTimeout(() => this.drop(), PONG_WITHIN_MS);
    }, PING_EVERY_MS);
  }

  /** Give up on a connection that stopped answering (close() alone may wait a minute for TCP). */
  drop() {
    const ws = this.ws;
    if (ws === null) return;
    this.ws = null;
    this.stopPings();
    ws.onclose = null;
    ws.close();
    if (!this.stopped) this.scheduleRetry();
  }

  stopPings() {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
  }
}
