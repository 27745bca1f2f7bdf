// One WebSocket per page. Hello with the seat token and the last seq seen; the server then sends
// every visible event after it, in order, and each new one live. When the connection drops we
// retry with exponential back-off (capped at 10 s) and resume from the last seq we received.

import { t } from "./i18n.js";

const FATAL = new Set([4401, 4403, 4404]);
const PING_EVERY = 15000;
const SILENT_LIMIT = 45000; // the server sends heartbeats; this long without a word means the link is dead
const MAX_DELAY = 10000;

export class Live {
  /**
   * @param {object} o
   * @param {string} o.exerciseId
   * @param {string} o.token
   * @param {() => number} o.after      the last seq the page has folded
   * @param {(event) => void} o.onEvent
   * @param {(online: string[]) => void} o.onPresence
   * @param {(status: {state, message?, retryIn?}) => void} o.onStatus
   * @param {(skewMs: number) => void} [o.onSkew]
   */
  constructor(o) {
    Object.assign(this, o);
    this.ws = null;
    this.attempt = 0;
    this.stopped = false;
    this.retryTimer = null;
    this.pingTimer = null;
    this.lastHeard = 0;
    this.pingSent = 0;
    this.onOnline = () => this.reconnectNow();
    this.onOffline = () => this.drop(t("Your device is offline."));
    window.addEventListener("online", this.onOnline);
    window.addEventListener("offline", this.onOffline);
  }

  url() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    return `${proto}//${location.host}/ws/exercises/${encodeURIComponent(this.exerciseId)}`;
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    window.removeEventListener("online", this.onOnline);
    window.removeEventListener("offline", this.onOffline);
    if (this.ws) this.ws.close(1000, "bye");
    this.ws = null;
  }

  connect() {
    if (this.stopped || this.ws) return;
    clearTimeout(this.retryTimer);
    this.onStatus({ state: "connecting" });
    let ws;
    try {
      ws = new WebSocket(this.url());
    } catch {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    let fatal = null;
    ws.onopen = () => {
      ws.send(JSON.stringify({ type: "hello", token: this.token, after: this.after() }));
    };
    ws.onmessage = (msg) => {
      if (ws !== this.ws) return;
      this.lastHeard = Date.now();
      let m;
      try {
        m = JSON.parse(msg.data);
      } catch {
        return;
      }
      if (m.type === "event") this.onEvent(m.event);
      else if (m.type === "welcome") {
        this.attempt = 0;
        this.onStatus({ state: "live" });
        this.onPresence(m.online || []);
        this.startPinging();
      } else if (m.type === "presence") this.onPresence(m.online || []);
      else if (m.type === "pong" && this.pingSent && this.onSkew) {
        const now = Date.now();
        if (now - this.pingSent < 2000) this.onSkew(m.time * 1000 - (this.pingSent + now) / 2);
        this.pingSent = 0;
      } else if (m.type === "error") fatal = m;
    };
    ws.onclose = (ev) => {
      if (ws !== this.ws) return;
      this.ws = null;
      clearInterval(this.pingTimer);
      if (this.stopped) return;
      if (FATAL.has(ev.code)) {
        this.stopped = true;
        this.onStatus({ state: "fatal", message: (fatal && fatal.message) || t("The server refused this seat's link.") });
        return;
      }
      this.scheduleRetry();
    };
    ws.onerror = () => { /* onclose follows */ };
  }

  startPinging() {
    clearInterval(this.pingTimer);
    this.lastHeard = Date.now();
    this.ping();
    this.pingTimer = setInterval(() => {
      if (Date.now() - this.lastHeard > SILENT_LIMIT) {
        this.drop(t("The connection went quiet."));
        return;
      }
      this.ping();
    }, PING_EVERY);
  }

  ping() {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.pingSent = Date.now();
      this.ws.send(JSON.stringify({ type: "ping" }));
    }
  }

  /** Close the current socket (if any) and retry with back-off. */
  drop(reason) {
    const ws = this.ws;
    this.ws = null;
    clearInterval(this.pingTimer);
    if (ws) {
      try { ws.close(4000, "client drop"); } catch { /* already closed */ }
    }
    if (!this.stopped) this.scheduleRetry(reason);
  }

  /** Back online: try at once, abandoning an attempt that started while offline. */
  reconnectNow() {
    if (this.stopped) return;
    if (this.ws && this.ws.readyState === WebSocket.OPEN) return;
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      try { ws.close(); } catch { /* never opened */ }
    }
    this.attempt = 0;
    this.connect();
  }

  scheduleRetry(reason) {
    clearTimeout(this.retryTimer);
    const base = Math.min(MAX_DELAY, 500 * 2 ** this.attempt);
    const delay = Math.round(base * (0.75 + Math.random() * 0.25)); // jitter, never above the cap
    this.attempt += 1;
    this.onStatus({ state: "offline", retryIn: delay, message: reason });
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }
}
