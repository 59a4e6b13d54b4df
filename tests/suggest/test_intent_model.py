"""The intent model beside retrieval: everyday questions, what no evidence means, greetings wrapped
around a question, follow-ups read in their conversation, and a phrasebank of zero, one or two phrases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from copilot.store import PhrasePublic
from copilot.suggest.index import SuggestIndex
from copilot.suggest.lexicon import Lexicon, LexiconError, load_training
from copilot.suggest.model import IntentModel, Sample, _Block, capped, fitted, forget_fitted
from copilot.suggest.suggester import Suggester, Turn
from tests.suggest.conftest import VALUES, intents_of

# The table (what retrieval alone got wrong), then messages like them written for this test.
EVERYDAY = [
    ("多久能收到", "delivery_time"),
    ("亲 我的包裹现在在哪", "logistics"),
    ("能不能上门取件", "return_exchange"),
    ("自提点在哪", "delivery_time"),
    ("可以价保吗", "promotion"),
    ("几天能送到北京", "delivery_time"),
    ("快递到哪了 查一下", "logistics"),
    ("我想退货 能上门来拿吗", "return_exchange"),
    ("买贵了 能补差价不", "promotion"),
    ("用京豆能抵多少", "promotion"),
    ("能用白条分期吗", "payment_method"),
    ("售后单提交了 退款啥时候到", "refund"),
    ("仅退款可以吗 东西不要了", "refund"),
    ("有运费险吗", "return_exchange"),
    ("帮我催下单 怎么还不发货", "ship_time"),
    ("退款退到哪了 原路退吗", "refund"),
    ("收到的杯子碎了", "quality_issue"),
    ("是不是正品啊 有防伪码吗", "authenticity"),
    ("地址填错了 帮我改下", "address_change"),
    ("给个好评有返现吗", "review"),
    ("你们客服太慢了 我要投诉", "complaint"),
    ("能开专票吗", "invoice"),
    ("这个有现货吗", "stock"),
    ("便宜点呗 老顾客了", "bargain"),
    ("付款一直失败", "payment_issue"),
]


@pytest.mark.parametrize(("message", "intent"), EVERYDAY)
def test_everyday_questions_get_the_right_first_intent(suggester: Suggester, message: str, intent: str) -> None:
    answer = suggester.suggest(message)
    assert intents_of(answer)[0] == intent, answer["intents"]
    assert answer["suggestions"][0]["intent"] == intent


@pytest.mark.parametrize("message", ["我要", "嗯嗯那个", "那个", "额", "在哪", "多久", "不能", "嗯嗯 那个"])
def test_function_words_alone_are_other_with_no_suggestions(suggester: Suggester, message: str) -> None:
    answer = suggester.suggest(message)
    assert intents_of(answer) == ["other"] and answer["suggestions"] == []


def test_a_function_word_follow_up_asks_about_what_the_conversation_is_about(suggester: Suggester) -> None:
    history = [Turn("customer", "能开发票吗"), Turn("agent", "可以的亲")]
    answer = suggester.suggest("那个呢", history=history)
    assert intents_of(answer) == ["invoice"] and answer["intents"][0]["score"] <= 0.5


@pytest.mark.parametrize(
    ("message", "first"),
    [
        ("哈喽，请问今天能发出吗", "ship_time"),
        ("你好 能开发票吗", "invoice"),
        ("谢谢亲 那券在哪领", "promotion"),
        ("好的谢谢，退款多久到账", "refund"),
    ],
)
def test_a_question_wrapped_in_a_greeting_or_thanks_comes_first(suggester: Suggester, message: str, first: str) -> None:
    answer = suggester.suggest(message)
    assert intents_of(answer)[0] == first
    assert answer["suggestions"][0]["intent"] == first


ALONE = [("在吗", "greeting"), ("好的谢谢", "thanks_bye"), ("你好呀", "greeting")]


@pytest.mark.parametrize(("message", "intent"), ALONE)
def test_a_greeting_or_thanks_alone_leads(suggester: Suggester, message: str, intent: str) -> None:
    assert intents_of(suggester.suggest(message))[0] == intent


def test_a_terse_follow_up_takes_the_conversation_s_intent(suggester: Suggester) -> None:
    refund = [Turn("customer", "退款申请了"), Turn("agent", "亲已经同意了，原路退回")]
    invoice = [Turn("customer", "能开发票吗"), Turn("agent", "可以的，下单后开具")]
    assert intents_of(suggester.suggest("那要多久", history=refund))[0] == "refund"
    assert intents_of(suggester.suggest("那要多久", history=invoice))[0] == "invoice"
    assert intents_of(suggester.suggest("那要多久"))[0] == "other"
    broken = [Turn("customer", "耳机左边没声音"), Turn("agent", "亲可以重置一下试试")]
    assert intents_of(suggester.suggest("试了 还是不行", history=broken))[0] == "quality_issue"


def test_a_clear_question_is_not_pulled_away_by_the_conversation(suggester: Suggester) -> None:
    history = [Turn("customer", "退款什么时候到账"), Turn("agent", "原路退回，1-3天到账")]
    assert intents_of(suggester.suggest("另外能开发票吗", history=history))[0] == "invoice"


def test_a_wrong_first_reading_still_offers_the_runner_up_among_the_first_three(suggester: Suggester) -> None:
    answer = suggester.suggest("sf能发不 怕压坏", limit=3)
    assert {"delivery_time", "ship_time"} & {s["intent"] for s in answer["suggestions"]}
    assert len({s["intent"] for s in answer["suggestions"]}) >= 2


@pytest.mark.parametrize("count", [0, 1, 2])
def test_a_phrasebank_of_zero_one_or_two_phrases_works(
    default_phrases: list[PhrasePublic], lexicon: Lexicon, count: int
) -> None:
    chosen = [p for p in default_phrases if p.intent in ("invoice", "ship_time")]
    phrases = [next(p for p in chosen if p.intent == "invoice"), next(p for p in chosen if p.intent == "ship_time")]
    suggester = Suggester(SuggestIndex(phrases[:count], lexicon), VALUES)
    for message in ["能开发票吗", "什么时候发货", "在吗", "我要", "", "/fp"]:
        answer = suggester.suggest(message)
        assert set(answer) == {"intents", "complaint_type", "suggestions", "hints"}
        assert all(s["id"] in {p.id for p in phrases[:count]} for s in answer["suggestions"])
    # the model knows intents without a phrase to offer for them
    assert intents_of(suggester.suggest("能开发票吗"))[0] == "invoice"
    offered = [s["id"] for s in suggester.suggest("能开发票吗")["suggestions"]]
    assert offered[:1] == ([phrases[0].id] if count else [])
    found = [s["id"] for s in suggester.search("发票")]
    assert found == ([phrases[0].id] if count else [])
    assert [s["id"] for s in suggester.search("", intent="ship_time")] == ([phrases[1].id] if count == 2 else [])


def test_a_new_phrase_s_examples_teach_the_model(default_phrases: list[PhrasePublic], lexicon: Lexicon) -> None:
    paraphrases = ["我的镯子该怎么护理呀", "翡翠镯子要怎么保养"]
    jade = default_phrases[0].model_copy(
        update={
            "id": "jade",
            "title": "翡翠手镯保养",
            "body": "亲,翡翠手镯请避免磕碰~",
            "intent": "product_info",
            "shortcut": None,
            "keywords": ["翡翠手镯"],
            "examples": ["翡翠手镯怎么保养", "手镯平时要怎么护理", "翡翠戴久了会不会变色"],
        }
    )
    after = Suggester(SuggestIndex([*default_phrases, jade], lexicon), VALUES)
    for message in paraphrases:
        answer = after.suggest(message)
        assert intents_of(answer)[0] == "product_info" and answer["suggestions"][0]["id"] == "jade"


def sample(text: str, intent: str) -> Sample:
    return Sample(text, intent, tuple(text.split()))


def test_the_model_learns_its_samples_and_scores_unseen_words_near_the_prior() -> None:
    samples = [sample(t, "invoice") for t in ["开 发票", "发票 抬头", "专票 能 开"]]
    samples += [sample(t, "ship_time") for t in ["什么 时候 发货", "今天 发货 吗", "催 发货"]]
    model = IntentModel().fit(samples)
    assert model.intents == ("invoice", "ship_time")
    invoice = model.probabilities("发票抬头", ["发票", "抬头"])
    assert invoice["invoice"] > 0.7 and abs(sum(invoice.values()) - 1) < 1e-9
    assert model.probabilities("xyz", ["xyz"]) == {}  # nothing it has seen: nothing to say


def test_a_model_of_one_intent_predicts_it_and_an_empty_one_says_nothing() -> None:
    assert IntentModel().fit([sample("开 发票", "invoice")]).probabilities("发票", ["发票"]) == {"invoice": 1.0}
    assert IntentModel().fit([]).probabilities("发票", ["发票"]) == {}


def test_block_rows_built_at_once_equal_rows_built_one_by_one() -> None:
    documents = [["a", "b", "a"], ["c"], [], ["a", "zz"]]
    block = _Block(documents)
    matrix = block.matrix(documents).toarray()
    for i, document in enumerate(documents):
        index, values = block.row(document)
        row = np.zeros(len(block.vocabulary))
        row[index] = values
        assert np.allclose(row, matrix[i])


def test_examples_are_capped_per_intent_the_same_way_every_time() -> None:
    intents = ["invoice"] * 250 + ["refund"] * 3
    picked = capped(intents, per_intent=100)
    assert picked == capped(intents, per_intent=100) and len(picked) == 103
    assert set(range(250, 253)) <= set(picked)


def test_a_fit_is_reused_for_the_same_samples_and_redone_for_others() -> None:
    forget_fitted()
    samples = [sample("开 发票", "invoice"), sample("催 发货", "ship_time")]
    first = fitted(samples)
    assert fitted(list(samples)) is first
    assert fitted([*samples, sample("退款 到账", "refund")]) is not first


def write_training(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_a_message_taught_as_two_intents_is_refused_naming_both_files(tmp_path: Path) -> None:
    write_training(
        tmp_path,
        {
            "invoice.yaml": "intent: invoice\nmessages: [能开发票吗, 发票抬头]\n",
            "more/refund.yaml": "intent: refund\nmessages: ['能开 發票吗？']\n",
        },
    )
    with pytest.raises(LexiconError) as refused:
        load_training(tmp_path)
    message = str(refused.value)
    assert "refund.yaml" in message and "invoice.yaml" in message and "能开 發票吗？" in message


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("intent: nope\nmessages: [你好]\n", "未知的意图 'nope'"),
        ("intent: invoice\nmessages: 能开发票吗\n", "messages 应为消息列表"),
        ("messages: [你好]\n", "训练语料无法读取"),
        ("intent: [unclosed\n", "训练语料无法读取"),
    ],
)
def test_a_bad_training_file_is_refused_with_its_reason(tmp_path: Path, text: str, reason: str) -> None:
    write_training(tmp_path, {"bad.yaml": text})
    with pytest.raises(LexiconError, match=reason):
        load_training(tmp_path)


def test_the_same_message_twice_for_one_intent_is_harmless(tmp_path: Path) -> None:
    write_training(
        tmp_path,
        {
            "a.yaml": "intent: invoice\nmessages: [能开发票吗]\n",
            "b/a.yaml": "intent: invoice\nmessages: [能开发票吗？]\n",
        },
    )
    assert [intent for _, intent in load_training(tmp_path)] == ["invoice", "invoice"]
