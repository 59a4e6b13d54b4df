"""Mining chat turns: agent replies that are phrases make sightings of the customer message they answer;
questions neither a phrase reply nor the suggester answers become gaps; cancellation stops the work."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from copilot.config import PROJECT_ROOT
from copilot.learn.candidates import Sighting
from copilot.learn.matching import ReplyMatcher
from copilot.learn.mine import MiningCancelled, mine, pick_question
from copilot.learn.turns import ChatTurn
from copilot.suggest.index import SuggestIndex
from copilot.suggest.lexicon import load_lexicon
from copilot.suggest.suggester import Suggester


@dataclass
class Phrase:
    id: str
    title: str
    body: str
    intent: str
    group: str = "售前"
    shortcut: str | None = None
    keywords: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    enabled: bool = True


PHRASES = [
    Phrase(
        "hello",
        "在的请讲",
        "亲，在的呢，客服{agent_no}号一直在线，您有任何问题都可以直接留言，我会第一时间为您解答~",
        "greeting",
        keywords=["在吗", "在不在"],
        examples=["在吗", "有人吗"],
    ),
    Phrase(
        "ship",
        "发货时间",
        "亲，付款后我们会尽快为您安排发货，正常情况下48小时内发出，发货后可以在订单中查看物流信息呢~",
        "ship_time",
        keywords=["发货", "几天发"],
        examples=["什么时候发货", "多久发货", "几天发货"],
    ),
    Phrase(
        "free-shipping",
        "包邮说明",
        "亲，这款宝贝是包邮的呢，运费由我们承担，您下单后我们会尽快为您安排发货，请您放心购买~",
        "promotion",
        keywords=["包邮", "运费"],
        examples=["包邮吗", "包不包邮", "运费多少"],
    ),
]
SHIP_BODY = PHRASES[1].body
ENGRAVE_REPLY = "可以免费刻字的，下单时备注要刻的内容就行"


@pytest.fixture(scope="module")
def lexicon():
    return load_lexicon(PROJECT_ROOT / "phrasebank" / "lexicon")


@pytest.fixture(scope="module")
def suggester(lexicon) -> Suggester:
    # retrieval only (no intent model to fit): the tests are about mining, not about the suggester
    return Suggester(SuggestIndex(PHRASES, lexicon, train=False), {"agent_no": "1"})


@pytest.fixture(scope="module")
def matcher() -> ReplyMatcher:
    return ReplyMatcher(PHRASES)


def chat(conversation: str, *turns: tuple[str, str], agent: str = "小美") -> list[ChatTurn]:
    return [
        ChatTurn(conversation, float(i), role, text, agent if role == "agent" else None)
        for i, (role, text) in enumerate(turns)
    ]


def test_question_picked_is_the_last_with_substance() -> None:
    assert pick_question(["在吗", "什么时候发货呀", "在吗"]) == "什么时候发货呀"
    assert pick_question(["你好", "在吗"]) == "在吗"  # only greetings: the last one
    assert pick_question([]) is None


def test_phrase_replies_become_sightings_per_phrase_message_and_agent(suggester, matcher) -> None:
    turns = [
        *chat(
            "c1",
            ("customer", "在吗"),
            ("agent", PHRASES[0].body.replace("{agent_no}", "3")),
            ("customer", "你好"),
            ("customer", "什么时候发货呀"),
            ("agent", "亲亲，" + SHIP_BODY[2:]),
            ("agent", SHIP_BODY),
        ),  # a second reply in a row answers nothing new
        *chat("c2", ("customer", "什么时候发货呀"), ("agent", SHIP_BODY.rstrip("~") + "哦")),
        *chat("c3", ("customer", "什么时候发货呀"), ("agent", SHIP_BODY), agent="阿杰"),
        *chat("c4", ("customer", "好的"), ("agent", "好的亲")),  # an acknowledgement: neither sighting nor gap
    ]
    result = mine(turns, suggester, matcher, source="u1")
    assert result.customer_messages == 6
    assert result.pairs == 5 and result.matched == 4
    assert result.sightings == [
        Sighting("ship", "什么时候发货呀", "小美", "u1", 2),
        Sighting("hello", "在吗", "小美", "u1", 1),
        Sighting("ship", "什么时候发货呀", "阿杰", "u1", 1),
    ]
    assert result.gaps == []


def test_unanswered_questions_asked_repeatedly_become_gaps(suggester, matcher) -> None:
    turns = [
        *chat("c1", ("customer", "能刻字吗"), ("agent", ENGRAVE_REPLY)),
        *chat("c2", ("customer", "在吗"), ("customer", "可以刻字吗？"), ("agent", ENGRAVE_REPLY)),
        *chat("c3", ("customer", "亲 能刻字么"), ("agent", "可以刻的")),
        *chat("c4", ("customer", "这个能泡水吗"), ("agent", "不能泡水哦")),  # asked once: no gap
        *chat("c5", ("customer", "包邮吗"), ("agent", "包邮的亲")),  # free reply, but a phrase answers it
        *chat("c6", ("customer", "能刻字吗"), ("customer", "不回我吗")),  # no reply: no pair
        # personal details, and questions only acknowledged, are no gaps however often they come
        *chat("c7", ("customer", "收件人〔姓名〕 〔手机号〕"), ("agent", "好的 已经帮您备注了")),
        *chat("c8", ("customer", "收件人〔姓名〕 〔手机号〕"), ("agent", "好的 已经帮您备注了")),
        *chat("c9", ("customer", "这个颜色好看吗"), ("agent", "收到")),
        *chat("c10", ("customer", "这个颜色好看吗"), ("agent", "好的亲")),
    ]
    result = mine(turns, suggester, matcher, source="u1")
    assert result.sightings == []
    assert result.pairs == 9 and result.matched == 0
    (gap,) = result.gaps
    assert gap.count == 3
    assert sorted(gap.questions) == sorted(["能刻字吗", "可以刻字吗？", "亲 能刻字么"])  # asked once each
    assert gap.reply == ENGRAVE_REPLY


def test_an_empty_phrasebank_makes_no_sightings_and_every_repeated_question_a_gap(lexicon) -> None:
    empty = Suggester(SuggestIndex([], lexicon, train=False), {})
    turns = [
        *chat("c1", ("customer", "什么时候发货呀"), ("agent", SHIP_BODY)),
        *chat("c2", ("customer", "什么时候发货"), ("agent", SHIP_BODY)),
        *chat("c3", ("customer", "在吗"), ("agent", "在的")),
    ]
    result = mine(turns, empty, ReplyMatcher([]), source="u1")
    assert result.sightings == [] and result.matched == 0 and result.pairs == 3
    (gap,) = result.gaps
    assert gap.count == 2 and gap.reply == SHIP_BODY


def test_progress_is_reported_and_cancellation_stops_the_work(suggester, matcher) -> None:
    turns = [
        turn for i in range(2500) for turn in chat(f"c{i}", ("customer", f"什么时候发货 订单{i}"), ("agent", SHIP_BODY))
    ]
    seen: list[tuple[int, int]] = []
    result = mine(turns, suggester, matcher, source="u1", progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1000, 2500), (2000, 2500), (2500, 2500)]
    assert result.matched == 2500

    asked: list[int] = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) >= 2  # the second check says stop

    seen.clear()
    with pytest.raises(MiningCancelled):
        mine(
            turns,
            suggester,
            matcher,
            source="u1",
            progress=lambda done, total: seen.append((done, total)),
            cancelled=cancelled,
        )
    assert seen == [(1000, 2500)]  # stopped at the second batch, before reporting it
