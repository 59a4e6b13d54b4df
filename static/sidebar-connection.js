// The sidebar's link to the server: the WebSocket (ReconnectingSocket), what it sends on (re)connecting, the
// header's connection badge with its retry countdown, the offline banner, and a closed login (4401).

import { ConnectionBanner } from "./connection-banner.js";
import { $ } from "./common.js";
import { agentNumber } from "./agent-number.js";
import { ReconnectingSocket } from "./socket.js";
import { toast } from "./toast.js";

const CONNECTION_TEXT = {
  connected: "已连接",
  connecting: "连接中…",
  disconnected: "已断开，正在重连",
};
const CLOSE_LOGIN_REQUIRED = 4401; // the server closes the socket of a browser without a login

/**
 * The socket of the sidebar `app`; frames go to onFrame. On each (re)connect the 工号 goes first (it is the
 * identity the server routes this agent's conversations by), then the watched conversations, the frames
 * queued while offline, and the draft again (rules may have changed while we were away).
 */
export function connect(app, onFrame) {
  const badge = app.el.conn;
  let retryTicker = null;
  const wsUrl = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/agent`;

  function showConnection(connState, retryAt) {
    badge.dataset.state = connState;
    badge.textContent = CONNECTION_TEXT[connState];
    banner.show(connState, retryAt);
    clearInterval(retryTicker);
    badge.title = "";
    if (connState === "disconnected" && retryAt) {
      const tick = () => {
        const left = Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));
        badge.title = `${left} 秒后重连`;
      };
      tick();
      retryTicker = setInterval(tick, 500);
    }
    if (connState !== "connected") app.draft.refresh();
  }

  const socket = new ReconnectingSocket(wsUrl, {
    onState: showConnection,
    onOpen() {
      const number = agentNumber();
      if (number) socket.send({ type: "profile", agent_no: number });
      for (const conv of app.book.items.values()) {
        if (conv.watched) socket.send({ type: "watch", conversation: conv.id });
      }
      app.customer.flushOutbox();
      app.draft.send();
      app.slash.rerun();
    },
    onFrame,
    onClose(event) {
      if (event.code !== CLOSE_LOGIN_REQUIRED) return true;
      banner.hide();
      badge.dataset.state = "unauthorized";
      badge.textContent = "未登录";
      badge.title = event.reason || "";
      toast("登录已失效，请重新登录（草稿已保存在本机）", {
        kind: "error",
        action: "去登录",
        onAction: () => location.reload(),
        ms: 60_000,
      });
      app.draft.refresh();
      return false;
    },
  });
  const banner = new ConnectionBanner($("offline"), () => socket.retryNow());
  return socket;
}
