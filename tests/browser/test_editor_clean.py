"""Clean phrases in the editor, in chromium against a real server: a body the rules block needs 仍然保存,
and a 千牛 sheet with Chinese intent labels previews a field-by-field diff and merges its keywords."""

from __future__ import annotations

import httpx2 as httpx
import pytest
from playwright.sync_api import expect

from tests.browser.test_editor import NewContext, api_phrase, new_context, open_editor, server  # noqa: F401
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser

DIRTY = "亲，明天一定到，有事加我微信kefu888~"
QIANNIU = (
    "分组,快捷编码,短语内容,意图,关键词,示例问题\n"
    "售中,fh1,亲，付款后48小时内为您安排发货，请您耐心等待~,发货时间/催发货,催单|发货,怎么还不发货\n"
    "售后,thh9,亲，退货请在订单页申请，我们收到后尽快处理~,退换货,退货,怎么退货\n"
)


def test_a_blocked_phrase_needs_force_and_a_qianniu_sheet_previews_a_diff_and_merges(
    new_context: NewContext,  # noqa: F811
    server: LiveServer,  # noqa: F811
) -> None:
    page = open_editor(new_context(), server, "wang")

    # a body the rules block: refused with its problems in Chinese, saved only after 仍然保存
    page.click("#p-new")
    page.fill("#f-title", "到货承诺")
    page.select_option("#f-group", "售中")
    page.select_option("#f-intent", "delivery_time")
    page.click("#f-body")
    page.keyboard.insert_text(DIRTY)
    page.click("#p-save")
    problems = page.locator("#p-form-error")
    expect(problems).to_contain_text("禁止发送")
    expect(problems.locator("#p-blocked li")).to_have_count(2)
    expect(problems.locator("#p-blocked")).to_contain_text("明天一定到")
    expect(problems.locator("#p-blocked")).to_contain_text("加我微信")
    assert "promise." not in problems.inner_text() and "contact." not in problems.inner_text()  # no rule ids
    assert httpx.get(f"{server.url}/v1/phrases", params={"q": "kefu888"}).json() == []
    page.click("#p-force")
    expect(page.locator("#toast")).to_contain_text("已新建")
    [saved] = httpx.get(f"{server.url}/v1/phrases", params={"q": "kefu888"}).json()
    history = httpx.get(f"{server.url}/v1/phrases/{saved['id']}/history").json()
    assert [p["text"] for p in history[0]["overridden"]] == ["明天一定到", "加我微信"]
    page.click("#p-history")  # and the history dialog says so
    forced = page.locator("#history-list .h-entry").first
    expect(forced.locator(".chip.forced")).to_have_text("仍然保存")
    expect(forced.locator(".h-forced")).to_contain_text("「明天一定到」")
    page.keyboard.press("Escape")

    # a 千牛 sheet: 确认导入 looks disabled until a preview allows it
    page.click('.tab[data-tab="io"]')
    apply = page.locator("#i-apply")
    expect(apply).to_be_disabled()
    assert apply.evaluate("b => getComputedStyle(b).cursor") == "not-allowed"
    assert apply.evaluate("b => getComputedStyle(b).backgroundColor") != page.evaluate(
        "getComputedStyle(document.querySelector('#p-save') || document.body).backgroundColor"
    )
    before = api_phrase(server, "ship-01")
    page.set_input_files(
        "#i-file", {"name": "千牛快捷短语.csv", "mimeType": "text/csv", "buffer": QIANNIU.encode("gb18030")}
    )
    preview = page.locator("#i-preview")
    expect(preview).to_contain_text("尚未导入")
    expect(preview).to_contain_text("合并")
    expect(preview.locator('[data-kind="added"] .count')).to_have_text("1")
    expect(preview.locator('[data-kind="updated"] .count')).to_have_text("1")
    diff = preview.locator('#i-diff .diff-item[data-id="ship-01"]')
    expect(diff.locator('tr[data-field="body"] td.before')).to_contain_text("尽快为您安排发货")
    expect(diff.locator('tr[data-field="body"] td.after')).to_contain_text("48小时内为您安排发货")
    expect(diff.locator('tr[data-field="keywords"] ins')).to_have_text("催单")  # only the new keyword is new
    expect(diff.locator('tr[data-field="examples"] ins')).to_have_text("怎么还不发货")
    expect(diff.locator('tr[data-field="keywords"] del')).to_have_count(0)  # merging drops nothing
    expect(apply).to_be_enabled()

    # ticking 整列替换 previews again: the keywords the sheet lacks would go
    page.check("#i-replace")
    expect(diff.locator('tr[data-field="keywords"] del').first).to_be_visible()
    page.uncheck("#i-replace")
    expect(diff.locator('tr[data-field="keywords"] del')).to_have_count(0)
    apply.click()
    # the server rebuilds its phrase index before answering: on a loaded machine that takes a while
    expect(preview).to_contain_text("已导入", timeout=20_000)
    after = api_phrase(server, "ship-01")
    assert after["keywords"] == [*before["keywords"], "催单"]
    assert after["examples"] == [*before["examples"], "怎么还不发货"]
    [added] = httpx.get(f"{server.url}/v1/phrases", params={"q": "thh9"}).json()
    assert added["intent"] == "return_exchange"
