"""Suggestions from the default phrasebank: intents, multi-intent messages, shortcuts, rendering, hints."""

from __future__ import annotations

import pytest

from copilot.store import PhrasePublic
from copilot.suggest.index import SuggestIndex
from copilot.suggest.intents import INTENTS
from copilot.suggest.lexicon import Lexicon
from copilot.suggest.suggester import Suggester, Turn
from tests.suggest.conftest import VALUES, intents_of


@pytest.fixture(scope="module")
def phrases(default_phrases: list[PhrasePublic]) -> list[PhrasePublic]:
    return default_phrases


CUSTOMER_MESSAGES = {
    "greeting": "在吗在吗",
    "product_info": "这件是什么面料的",
    "stock": "还有货吗亲",
    "bargain": "能便宜点吗",
    "promotion": "有优惠券吗",
    "payment_method": "能用花呗分期吗",
    "payment_issue": "付款一直失败怎么回事",
    "invoice": "能开发票吗",
    "ship_time": "什么时候发货啊",
    "delivery_time": "发顺丰几天能到",
    "logistics": "物流三天没更新了",
    "address_change": "地址写错了能改吗",
    "return_exchange": "不合适可以七天无理由退货吗",
    "refund": "退款什么时候到账",
    "quality_issue": "收到的衣服有线头还掉色",
    "authenticity": "是正品吗",
    "review": "好评有返现吗",
    "complaint": "我要投诉你们",
    "thanks_bye": "好的谢谢",
}


def test_the_messages_cover_every_intent_but_other() -> None:
    assert set(CUSTOMER_MESSAGES) == set(INTENTS) - {"other"}


@pytest.mark.parametrize("intent", sorted(CUSTOMER_MESSAGES))
def test_each_intent_is_detected_and_answered(suggester: Suggester, intent: str) -> None:
    answer = suggester.suggest(CUSTOMER_MESSAGES[intent])
    assert intents_of(answer)[0] == intent
    assert answer["suggestions"][0]["intent"] == intent


def test_two_questions_in_one_message_give_both_intents_and_both_answers(suggester: Suggester) -> None:
    answer = suggester.suggest("能开发票吗?什么时候发货", limit=5)
    assert set(intents_of(answer)) >= {"invoice", "ship_time"}
    assert {s["intent"] for s in answer["suggestions"][:2]} == {"invoice", "ship_time"}


def test_traditional_characters_and_typos_still_match(suggester: Suggester) -> None:
    assert intents_of(suggester.suggest("發票怎麼開"))[0] == "invoice"
    assert intents_of(suggester.suggest("退款啥时候到帐"))[0] == "refund"


def test_shortcut_prefix_lists_the_phrases_with_that_code(suggester: Suggester) -> None:
    answer = suggester.suggest("/fp")
    codes = [s["shortcut"] for s in answer["suggestions"]]
    assert codes and all(code.startswith("fp") for code in codes)
    assert codes == sorted(codes)


def test_suggestion_shape_and_rendering(suggester: Suggester) -> None:
    answer = suggester.suggest("在吗")
    assert set(answer) == {"intents", "complaint_type", "suggestions", "hints"}
    first = answer["suggestions"][0]
    assert set(first) == {"id", "title", "text", "intent", "group", "shortcut", "score", "matched", "blocked"}
    texts = " ".join(s["text"] for s in answer["suggestions"])
    assert "{agent_no}" not in texts and "{shop}" not in texts
    assert "8号" in texts or "小熊旗舰店" in texts
    assert 0 < first["score"] <= 1


def test_matched_names_the_words_that_matched(suggester: Suggester) -> None:
    answer = suggester.suggest("能开发票吗")
    matched = answer["suggestions"][0]["matched"]
    assert any("发票" in word for word in matched) and "能" not in matched


def test_angry_customer_gets_a_complaint_type_and_its_steps(suggester: Suggester) -> None:
    answer = suggester.suggest("我不管 东西坏了就是你们的问题 你们就得赔钱")
    assert "complaint" in intents_of(answer)
    assert answer["complaint_type"] == "推卸责任型"
    assert any("原因" in hint for hint in answer["hints"])


def test_calm_customer_has_no_complaint_type(suggester: Suggester) -> None:
    answer = suggester.suggest("能开发票吗")
    assert answer["complaint_type"] is None and answer["hints"] == []


@pytest.mark.parametrize("message", ["", "   ", "😀😀", "???!!!", "。。。"])
def test_empty_or_symbol_only_messages_get_other_and_no_suggestions(suggester: Suggester, message: str) -> None:
    answer = suggester.suggest(message)
    assert intents_of(answer) == ["other"] and answer["suggestions"] == []


@pytest.mark.parametrize("message", ["123", "你是真人吗"])
def test_unrelated_message_is_other(suggester: Suggester, message: str) -> None:
    assert intents_of(suggester.suggest(message)) == ["other"]


def test_history_gives_an_elliptical_message_its_context(suggester: Suggester) -> None:
    history = [Turn("customer", "能开发票吗"), Turn("agent", "可以的亲")]
    assert intents_of(suggester.suggest("那个呢", history=history))[0] == "invoice"


def test_limit_caps_the_suggestions(suggester: Suggester) -> None:
    assert len(suggester.suggest("什么时候发货", limit=2)["suggestions"]) == 2


def test_disabled_phrases_never_appear(phrases: list[PhrasePublic], lexicon: Lexicon) -> None:
    invoice_ids = {p.id for p in phrases if p.intent == "invoice"}
    without = [p.model_copy(update={"enabled": p.id not in invoice_ids}) for p in phrases]
    answer = Suggester(SuggestIndex(without, lexicon), VALUES).suggest("能开发票吗", limit=10)
    assert not {s["id"] for s in answer["suggestions"]} & invoice_ids


def test_a_lead_can_answer_other_messages_with_an_other_phrase(phrases: list[PhrasePublic], lexicon: Lexicon) -> None:
    robot = phrases[0].model_copy(
        update={
            "id": "other-robot",
            "intent": "other",
            "title": "是否机器人",
            "body": "亲,我是真人客服呢~",
            "shortcut": "jqr",
            "keywords": ["机器人"],
            "examples": ["你是机器人吗", "是真人吗", "机器人回复?"],
        }
    )
    answer = Suggester(SuggestIndex([*phrases, robot], lexicon), VALUES).suggest("你是机器人吗")
    assert [s["id"] for s in answer["suggestions"]][:1] == ["other-robot"]
    assert Suggester(SuggestIndex(phrases, lexicon), VALUES).suggest("123")["suggestions"] == []


def test_long_messages_are_answered(suggester: Suggester) -> None:
    answer = suggester.suggest("什么时候发货 " * 1000)
    assert intents_of(answer)[0] == "ship_time"
