"""What the learning tests share: a small chat log in the documented format, and the suggester the tiny
phrasebank gives (built once per module: the phrase ids are the same in every test's store)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from copilot.config import PROJECT_ROOT, Settings
from copilot.live import LiveIndex
from copilot.store import Store, open_store
from copilot.suggest import model_cache
from copilot.suggest.lexicon import load_lexicon
from copilot.suggest.suggester import Suggester
from tests.conftest import TINY_PHRASEBANK

INVOICE_BODY = "亲,我们可以为您提供正规发票的,请在订单备注里留下抬头和税号~"
PILLING = "这件衣服会起球吗？"
PILLING_REPLY = "亲，这款是精梳棉面料，正常穿着不容易起球的哦"
SHUNFENG = "能发顺丰吗"
SHUNFENG_REPLY = "亲，默认发中通，需要顺丰请补差价哦"
PHONE = "13812345678"


def chat_csv() -> bytes:
    """Nine conversations: three invoice questions answered with the invoice phrase (by two agents, one
    question carrying a phone number, its conversation named by it), a question no phrase answers asked
    four times, another twice."""
    rows = ["conversation,time,role,text,agent"]
    at = 0

    def pair(conversation: str, question: str, reply: str, agent: str) -> None:
        nonlocal at
        at += 60
        rows.append(f'{conversation},2024-05-01 10:{at // 60:02d}:00,买家,"{question}",')
        rows.append(f'{conversation},2024-05-01 10:{at // 60:02d}:30,客服,"{reply}",{agent}')

    pair("c1", "能开发票吗？", INVOICE_BODY, "小王")
    pair("c2", "能开发票吗", INVOICE_BODY.replace("~", ""), "小李")
    pair(f"tb-{PHONE}", f"发票抬头写公司，电话{PHONE}，能开发票吗", INVOICE_BODY, "小王")  # a buyer's phone as the id
    for number in range(4, 8):
        pair(f"c{number}", PILLING, PILLING_REPLY, "小李")
    for number in range(8, 10):
        pair(f"c{number}", SHUNFENG, SHUNFENG_REPLY, "小王")
    return ("\n".join(rows) + "\n").encode("utf-8")


BAD_ROLE_CSV = "会话ID,时间,角色,内容\nc1,2024-05-01 10:00:00,买家,在吗\nc1,2024-05-01 10:00:05,老板,在的\n".encode()


@pytest.fixture(scope="module")
def tiny_suggester(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suggester]:
    folder = tmp_path_factory.mktemp("tinybank")
    (folder / "tiny.yaml").write_text(TINY_PHRASEBANK, encoding="utf-8")
    store = open_store(f"sqlite:///{folder / 'index.db'}", folder)
    model_cache.use_folder(Settings().cache_dir)  # the fitted model the API tests' apps cache too
    try:
        lexicon = load_lexicon(PROJECT_ROOT / "phrasebank" / "lexicon", PROJECT_ROOT / "phrasebank" / "training")
        yield LiveIndex(store, lexicon, {"agent_no": "01", "shop": "本店", "customer": "亲"}).suggester
    finally:
        store.dispose()


def store_for(database_url: str, phrasebank_dir: Path) -> Store:
    return open_store(database_url, phrasebank_dir)
