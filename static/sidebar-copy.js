// 复制: the draft to the clipboard once it was checked under the rules in force now, with a question first
// when it is not checked or must not be sent; then the reply counts as sent and the box empties.

import { $, h } from "./common.js";
import { toast } from "./toast.js";

const RECHECK_BEFORE_COPY_MS = 1500; // the copy path waits this long for the verdict under today's rules
const CLIPBOARD_WAIT_MS = 1500;

/** The text onto the clipboard; false when no way worked. */
export async function writeClipboard(text) {
  try {
    // a pending permission prompt can leave writeText unsettled: don't wait on it for long
    await Promise.race([
      navigator.clipboard.writeText(text),
      new Promise((_, reject) => setTimeout(() => reject(new Error("clipboard timeout")), CLIPBOARD_WAIT_MS)),
    ]);
    return true;
  } catch {
    // not a secure context, or permission refused: the old way still works from a user gesture
    const active = document.activeElement;
    const scratch = h("textarea", { class: "offscreen", readonly: true, "aria-hidden": "true" });
    scratch.value = text;
    document.body.append(scratch);
    scratch.select();
    let ok = false;
    try {
      ok = document.execCommand("copy");
    } catch {
      ok = false;
    }
    scratch.remove();
    active?.focus?.();
    return ok;
  }
}

export function copier(app) {
  const { el, book } = app;
  let settleConfirm = null;

  async function copyDraft() {
    if (el.confirm.open) return;
    const field = app.draft;
    const text = el.draft.value;
    if (!text.trim()) {
      toast("草稿是空的");
      return;
    }
    const conversation = book.activeId;
    if (app.socket.isOpen) {
      // the verdict on screen may predate a rule a lead just added: check again under the rules in force now
      field.send();
      await field.waitForLint(RECHECK_BEFORE_COPY_MS);
    }
    // the agent kept typing, or switched conversation: let them press again
    if (el.draft.value !== text || book.activeId !== conversation) return;
    if (!field.current) {
      const ok = await confirmCopy("草稿还没检查完", ["暂时无法检查草稿（可能已断开连接）。"]);
      if (!ok) return el.draft.focus();
    } else if (field.lint.verdict === "block") {
      const errors = field.view.filter((v) => v.d.severity === "error").map((v) => `「${v.d.text}」${v.d.message}`);
      const ok = await confirmCopy("草稿含有禁止发送的内容", errors);
      if (!ok) return el.draft.focus(); // 返回修改
    }
    if (book.activeId !== conversation) {
      // the chat window switched conversations while the question was open: this draft is not for the front one
      toast("会话已切换，草稿未复制，请在原会话中重新复制");
      return;
    }
    if (!(await writeClipboard(text))) {
      toast("复制失败，请手动选中草稿复制", { kind: "error" });
      return;
    }
    if (conversation !== null) {
      app.socket.send({ type: "sent", conversation, text });
      app.conv.markReplied(conversation);
      book.setSent(conversation, text);
    }
    // the reply is on its way: empty the box for the next one (Ctrl+Z or 恢复 brings it back)
    field.replace(0, el.draft.value.length, "");
    el.draft.blur();
    toast("已复制，请粘贴到聊天窗口发送", {
      action: "恢复草稿",
      onAction: () => {
        if (el.draft.value === "" && book.activeId === conversation) field.replace(0, 0, text);
      },
    });
  }

  function confirmCopy(title, lines) {
    return new Promise((resolve) => {
      const dialog = el.confirm;
      dialog.querySelector("h2").textContent = title;
      el.confirmList.replaceChildren(...lines.map((line) => h("li", {}, line)));
      settleConfirm = resolve;
      dialog.showModal();
      $("confirm-cancel").focus();
    });
  }

  // The answer is taken from the button press itself, not the dialog's `close` event: that event is
  // queued, so the close of one confirmation could otherwise be read as the answer to the next.
  function answerConfirm(ok) {
    const resolve = settleConfirm;
    settleConfirm = null;
    resolve?.(ok);
  }

  function wire() {
    el.confirm.querySelector("form").addEventListener("submit", (e) => answerConfirm(e.submitter?.value === "ok"));
    el.confirm.addEventListener("cancel", () => answerConfirm(false)); // Esc
    el.confirm.addEventListener("close", () => {
      if (!el.confirm.open) answerConfirm(false); // closed some other way (a stale event finds it open again)
    });
    el.copy.addEventListener("click", copyDraft);
  }

  return { copyDraft, wire };
}
