// The agent's 工号: set in ⚙ 设置, or asked once on the first visit (before a greeting can render the
// placeholder 客服01号). Kept in localStorage and sent with a `profile` frame on every connection; it is
// also the identity the server routes conversations by when the sidebar has no login.

import { $ } from "./common.js";
import { storage } from "./storage.js";

const KEY_AGENT = "kefu.agentNo";
const KEY_ASKED = "kefu.agentNoAsked";

export function agentNumber() {
  return storage.get(KEY_AGENT, "");
}

/**
 * @param {{send: (frame: object) => boolean, toast: (message: string) => void,
 *          closeSettings: () => void}} deps
 */
export function setupAgentNumber({ send, toast, closeSettings }) {
  const ask = $("ask-agent");
  let announce = false;

  function save(value) {
    const agentNo = value.trim();
    storage.set(KEY_AGENT, agentNo || null);
    storage.set(KEY_ASKED, "1");
    $("agent-no").value = agentNo;
    ask.hidden = true;
    announce = Boolean(agentNo && send({ type: "profile", agent_no: agentNo }));
    if (!announce) toast(agentNo ? `工号 ${agentNo} 已保存，连接后生效` : "已清除工号");
  }

  $("agent-no").value = agentNumber();
  $("settings-form").addEventListener("submit", (e) => {
    e.preventDefault();
    closeSettings();
    save($("agent-no").value);
  });

  ask.hidden = Boolean(agentNumber() || storage.get(KEY_ASKED));
  $("ask-agent-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const value = $("ask-agent-no").value;
    if (!value.trim()) {
      $("ask-agent-no").focus();
      return;
    }
    save(value);
  });
  $("ask-agent-skip").addEventListener("click", () => {
    storage.set(KEY_ASKED, "1");
    ask.hidden = true;
  });

  return {
    /** The server confirmed a profile frame: say so when the agent just set it (not on every reconnect). */
    confirmed(agentNo) {
      if (announce) toast(`工号已设置为 ${agentNo}`);
      announce = false;
    },
  };
}
