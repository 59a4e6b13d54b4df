// The banner an agent cannot miss while the server is unreachable: what is wrong, when the next try is,
// and a 立即重连 button (a tooltip on the status dot alone went unnoticed).

import { h } from "./common.js";

export class ConnectionBanner {
  /**
   * @param {HTMLElement} banner
   * @param {() => void} retryNow
   */
  constructor(banner, retryNow) {
    this.banner = banner;
    this.text = h("span", { class: "banner-text" });
    this.button = h("button", { type: "button", class: "btn", onclick: () => retryNow() }, "立即重连");
    banner.replaceChildren(this.text, this.button);
    this.ticker = null;
    this.failed = false;
  }

  /** Follow the socket's state: shown from the first failed attempt until a connection opens. */
  show(state, retryAt) {
    clearInterval(this.ticker);
    if (state === "connected") this.failed = false;
    if (state === "disconnected") this.failed = true;
    this.banner.hidden = !this.failed;
    if (!this.failed) return;
    this.button.disabled = state === "connecting";
    if (state === "connecting") {
      this.text.textContent = "无法连接服务器，正在重连…";
      return;
    }
    const tick = () => {
      const left = Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));
      this.text.textContent = `无法连接服务器，${left} 秒后重连`;
    };
    tick();
    this.ticker = setInterval(tick, 500);
  }

  /** Final: the server refused this browser (login expired); retrying cannot help. */
  hide() {
    clearInterval(this.ticker);
    this.failed = false;
    this.banner.hidden = true;
  }
}
