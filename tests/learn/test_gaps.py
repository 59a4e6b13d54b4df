"""Gap clustering: near-duplicate questions merge, unrelated ones stay apart, singletons are dropped, and
each cluster carries the agents' most common reply."""

from __future__ import annotations

from copilot.learn.gaps import GapCollector, cluster_gaps, cluster_keys, core, has_substance, trim
from copilot.learn.keys import key_text, message_key


def test_core_and_substance() -> None:
    assert core(key_text("亲 能刻字么？")) == "刻字"
    assert core(key_text("可以刻字吗")) == "刻字"
    assert trim(key_text("哈喽 能刻字吗呀")) == "能刻字吗"
    assert not has_substance("在吗")
    assert not has_substance("好的谢谢")
    assert not has_substance("嗯嗯 ok")
    assert has_substance("有安装服务吗")


def test_near_duplicates_merge_and_unrelated_questions_stay_apart() -> None:
    questions = [
        "能刻字吗",
        "可以刻字吗？",
        "亲 能刻字么",
        "能刻个字不",
        "能退款吗",
        "包邮吗",
        "有安装服务吗",
        "有没有安装服务",
        "宠物能用吗",
        "能开发票吗",
    ]
    counts = {key_text(q): 1 for q in questions}
    groups = [sorted(group) for group in cluster_keys(counts)]
    engrave = next(group for group in groups if "能刻字吗" in group)
    assert engrave == sorted(key_text(q) for q in ["能刻字吗", "可以刻字吗？", "亲 能刻字么", "能刻个字不"])
    install = next(group for group in groups if "有安装服务吗" in group)
    assert install == sorted(["有安装服务吗", "有没有安装服务"])
    for other in ["能退款吗", "包邮吗", "宠物能用吗", "能开发票吗"]:
        assert [other] in groups


def test_clusters_biggest_first_singletons_dropped_with_the_common_reply() -> None:
    pairs = [
        ("能刻字吗", "可以的亲~"),
        ("可以刻字吗？", "可以的亲！"),
        ("亲 能刻字么", "不行哦"),
        ("能刻字吗", "可以的亲~"),
        ("能刻字吗？", "不行哦"),
        ("宠物能用吗", "可以放心用"),
        ("宠物能用吗？", "可以放心用"),
        ("这个能泡水吗", "不能"),  # asked once: not a gap
    ]
    clusters = cluster_gaps(pairs)
    assert [c.count for c in clusters] == [5, 2]
    engrave, pets = clusters
    # 可以的亲~ and 可以的亲！ are one reply (three times), shown in its most common form
    assert engrave.reply == "可以的亲~"
    assert engrave.questions[0] == "能刻字吗"  # the most asked, in its plainest form
    # one sample per question, whatever greeting or particle wraps it: 能刻字吗？ is 能刻字吗
    assert engrave.questions == ["能刻字吗", "可以刻字吗？", "亲 能刻字么"]  # ties in key order
    assert engrave.key == message_key("能刻字吗")
    assert pets.questions == ["宠物能用吗"] and pets.reply == "可以放心用"


def test_at_most_five_questions_and_no_reply_when_none_given() -> None:
    collector = GapCollector()
    asked = ["能刻字吗", "可以刻字吗", "能刻名字吗", "可以刻名字吗", "刻字吗", "能刻个字不", "刻字可以吗"]
    for i, q in enumerate(asked):
        collector.add(q, None, count=10 - i)
    (cluster,) = collector.clusters()
    assert cluster.count == sum(range(4, 11))
    assert len(cluster.questions) == 5 and cluster.questions[0] == "能刻字吗"
    assert cluster.reply is None


def test_many_distinct_questions_cluster_into_their_families() -> None:
    # 3,000 distinct questions of 30 families (a product word each) still come out as 30 clusters
    families = [chr(0x4E00 + 40 * i) + chr(0x4E00 + 40 * i + 7) for i in range(30)]
    wrappers = ["", "亲", "你好", "请问", "老板", "哈喽", "美女", "客服", "问下", "亲亲"]
    endings = ["吗", "么", "嘛", "不", "呀", "吗呀", "么哈", "吗啊", "不啦", "呢"]
    counts = {}
    for family in families:
        for w in wrappers:
            for e in endings:
                counts[key_text(f"{w}能{family}{e}")] = 1
    groups = cluster_keys(counts)
    assert len(counts) == 3000
    assert sorted(len(g) for g in groups) == [100] * 30


def test_questions_in_other_words_with_the_same_specific_reply_are_one_gap() -> None:
    no_pickup = "亲，暂时不支持自提哦，都是从仓库快递发出的~"
    pairs = [
        ("可以自提吗", no_pickup),
        ("可以自提吗", no_pickup),
        ("能自己去仓库拿吗", no_pickup),
        ("能自己去仓库拿吗？", no_pickup + "！"),
        # a short reply answers anything: these stay apart
        *[("包装结实吗", "可以的亲")] * 2,
        *[("能开箱验货吗", "可以的亲")] * 2,
    ]
    clusters = cluster_gaps(pairs)
    assert [(c.count, sorted(c.questions)) for c in clusters] == [
        (4, sorted(["可以自提吗", "能自己去仓库拿吗"])),
        (2, ["包装结实吗"]),
        (2, ["能开箱验货吗"]),
    ]
    assert clusters[0].reply == no_pickup
