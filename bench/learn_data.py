"""A realistic generated chat log for the learning benchmark (issue #12): seeded and deterministic.

Thousands of conversations between customers and ~20 agents of an online shop. Customers ask what the
default phrasebank covers in the ways real customers type (terse, typos, 亲/哈喽 wrappers, two messages
for one question, platform words 价保/京豆/仅退款/运费险); agents answer with a phrase body (as inserted,
lightly edited, or typed in their own words). Some question families the default phrasebank has no
phrase for (以旧换新, 宠物能用吗, 保修多久, 上门安装, 刻字, 自提, 孕妇能用吗) are answered again and again
with consistent replies of the agents' own. Personal data (phones, ID numbers, addresses with house
numbers, order numbers, emails, 收件人 names) is sprinkled in, and every planted item is recorded so the
benchmark can check that none of it is stored.

The customer wording below is written from how shoppers type, not copied from the phrases' examples.

Run: .venv/bin/python -m bench.learn_data OUT.jsonl [OUT.csv]
"""

from __future__ import annotations

import csv
import json
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench.phrasebank import default_phrases
from copilot.suggest.render import render

COLUMNS = ("conversation", "time", "role", "text", "agent")
START = 1_760_000_000.0  # October 2025

# phrase id -> how customers ask it (a slot {x} takes a product or city word)
COVERED: dict[str, list[str]] = {
    "ship-01": [
        "什么时候发货",
        "几时发货",
        "多久发货",
        "付款后多久发",
        "啥时候发出",
        "拍了什么时候能发",
        "下单后几天发货",
        "现在买多久能发",
    ],
    "ship-03": ["今天能发吗", "今天拍今天发不", "现在下单今天能发出去吗", "下午拍的今天发吗", "今天能寄出吗"],
    "ship-02": ["怎么还不发货", "拍了三天了还没发", "能快点发货吗", "催一下发货", "都两天了还不发", "我急用 快点发货"],
    "delivery-01": ["几天能到", "寄到{city}要几天", "发{city}多久到", "大概多久能收到", "到{city}几天", "多久能到货"],
    "delivery-03": ["能发顺丰吗", "可以走顺丰不", "发顺丰要加钱吗", "我要顺丰"],
    "delivery-04": ["发什么快递", "默认什么快递", "用的哪家快递", "发的什么快递啊"],
    "logistics-02": ["帮我查下物流", "我的快递到哪了", "物流到哪了", "查一下快递", "帮忙看下快递到哪了"],
    "logistics-01": ["物流好几天没动了", "物流一直不更新", "快递卡住了 三天没动", "物流怎么不动了"],
    "logistics-03": ["显示签收了但我没收到", "快递说签收了我没拿到", "我没收到怎么显示已签收"],
    "logistics-06": ["包裹破了", "快递压坏了", "收到的时候盒子都烂了"],
    "refund-01": ["退款多久到账", "钱什么时候退回来", "退款几天到", "退的钱啥时候到"],
    "refund-02": ["我的退款怎么样了", "退款进度查一下", "退款到哪一步了", "退款处理了没"],
    "refund-05": ["还没发货我申请仅退款", "没发货能仅退款吗", "不想要了 还没发 直接退款", "申请了仅退款 麻烦同意下"],
    "return-01": ["可以七天无理由吗", "不喜欢能退吗", "支持退货吗", "能退换不", "不合适可以退吗"],
    "return-02": ["退货运费谁出", "退回来运费谁承担", "退货要我出邮费吗", "退货邮费你们出吗"],
    "return-03": ["有运费险吗", "运费险怎么赔", "买了运费险退货还要钱吗", "送运费险吗"],
    "return-04": ["尺码不合适能换吗", "想换个大一码", "换个颜色可以吗", "小了 能换大一号吗"],
    "invoice-01": ["能开发票吗", "可以开票吗", "发票怎么开", "要发票", "有发票吗"],
    "pay-02": ["能用花呗吗", "支持花呗分期不", "可以花呗吗", "花呗能分期吗"],
    "pay-05": ["能货到付款吗", "支持货到付款不", "可以到付吗"],
    "promo-04": ["包邮吗", "包不包邮", "运费多少", "免运费吗", "包邮不"],
    "promo-05": ["新疆包邮吗", "西藏能发吗 包邮不", "偏远地区包邮吗"],
    "promo-01": ["有优惠券吗", "有没有券", "有券吗", "领券在哪"],
    "promo-08": ["京豆能抵吗", "积分怎么用", "会员积分有什么用", "京豆能用不"],
    "bargain-01": ["能便宜点吗", "少点呗", "最低多少", "便宜点我就拍了", "还能优惠吗"],
    "bargain-08": ["降价了能补差价吗", "买完就降价了", "价保怎么申请", "申请价保", "刚买就便宜了二十"],
    "stock-01": ["有货吗", "还有货不", "这个有现货吗", "XL还有吗", "黑色还有吗"],
    "stock-03": ["什么时候补货", "还会补货吗", "啥时候有货", "断货了什么时候到"],
    "product-01": ["我160 100斤穿什么码", "170 130穿多大", "帮我推荐下尺码", "身高165体重110斤选哪个码"],
    "product-04": ["什么材质的", "是纯棉的吗", "面料怎么样", "啥面料"],
    "auth-01": ["是正品吗", "保真吗", "是不是正品", "正品吗 别是假的"],
    "quality-01": ["收到的东西坏了", "质量太差了", "有个破洞", "用了一次就坏了"],
    "quality-03": ["色差好大", "颜色跟图片不一样", "实物颜色差太多了"],
}
# what agents type in their own words for a covered question (not a phrase body)
FREE_COVERED: dict[str, list[str]] = {
    "ship-01": ["48小时内发货哈", "付款后两天内发出", "一般第二天就发了"],
    "ship-03": ["下午四点前拍今天发", "今天能发的亲"],
    "ship-02": ["已经催仓库了 今天发", "马上给您催"],
    "delivery-01": ["一般三天左右到", "两三天就到了亲"],
    "logistics-02": ["我看下 在路上了亲", "已经到转运中心了"],
    "refund-01": ["原路退回 1到3天到账", "一般当天就到"],
    "promo-04": ["包邮的亲", "全国包邮哦 偏远除外"],
    "bargain-01": ["已经是最低价了亲", "没法再便宜了哈"],
    "stock-01": ["有的亲 可以直接拍", "有现货的"],
    "auth-01": ["保证正品的亲", "官方正品放心"],
    "invoice-01": ["可以开的 备注抬头税号就行"],
    "return-01": ["支持七天无理由的", "可以退的亲 不影响二次销售就行"],
}
# what agents type in the phrasebank's style but saying something else than its phrase (hard cases for
# reply matching: the same politeness around different content)
FREE_STYLED: dict[str, list[str]] = {
    "return-01": ["亲，这款是定制商品，不支持七天无理由退换货哦，下单前请您确认好款式~"],
    "ship-01": ["亲，这款是预售的，付款后15天左右发货，介意的话建议先不要拍哦~"],
    "refund-01": ["亲，您这笔退款商家已经同意了，平台处理中，请您耐心等待一下呢~"],
    "promo-04": ["亲，这款不包邮哦，运费是8元，满99元可以包邮的呢~"],
    "stock-01": ["亲，非常抱歉，这款黑色已经没有货了，其他颜色还有，您看看喜欢吗~"],
    "logistics-02": ["亲，请您稍等，我看了一下您的订单还没有发货，我这边帮您催一下仓库~"],
    "invoice-01": ["亲，这款是特价商品，暂时不支持开具发票，还请您谅解呢~"],
    "auth-01": ["亲，我们是品牌授权的经销商，所有宝贝都有授权书，您可以放心购买呢~"],
    "delivery-01": ["亲，您的地址比较偏远，快递可能需要一周左右，请您耐心等待呢~"],
    "bargain-01": ["亲，这个价格是活动价了，明天恢复原价，现在拍是最划算的呢~"],
}
# question families the default phrasebank has no phrase for: how customers ask, what agents answer
UNCOVERED: dict[str, tuple[list[str], list[str]]] = {
    "trade_in": (
        ["可以以旧换新吗", "支持以旧换新不", "旧的能抵钱吗", "以旧换新怎么弄", "有以旧换新活动吗", "旧机能回收吗"],
        ["亲，本店暂时没有以旧换新活动哦，旧机可以通过平台的官方回收渠道处理~", "暂时没有以旧换新的活动哈"],
    ),
    "pets": (
        ["宠物能用吗", "家里有猫能用吗", "狗狗能用不", "对猫咪有害吗", "有宠物可以用吗", "养了猫 会不会有影响"],
        ["亲，这款材质安全无毒，家里有猫狗也可以放心使用的~", "可以的 对宠物没影响"],
    ),
    "warranty": (
        ["保修多久", "质保几年", "坏了保修吗", "保修期多长", "有质保吗", "保修是多久的"],
        ["亲，整机保修一年，一年内非人为损坏免费维修哦~", "保修一年的亲"],
    ),
    "install": (
        ["有安装服务吗", "师傅上门装吗", "包安装吗", "送货上门安装吗", "需要自己装吗", "上门安装收费吗"],
        ["亲，我们提供免费上门安装，签收后联系售后预约师傅上门就可以~", "免费上门装的亲 签收后预约"],
    ),
    "engrave": (
        ["能刻字吗", "可以刻字吗", "刻字要加钱吗", "能刻名字吗", "刻字免费吗", "可以刻个字不"],
        ["亲，可以免费刻字，下单时在备注里写上要刻的内容，不超过10个字哦~", "可以刻的 备注写内容就行"],
    ),
    "pickup": (
        ["可以自提吗", "能自己去仓库拿吗", "可以上门自取吗", "能自提不", "自提可以吗 我就在附近"],
        ["亲，暂时不支持自提哦，都是从仓库快递发出的~", "不能自提哈 只能快递"],
    ),
    "pregnant": (
        ["孕妇能用吗", "怀孕了可以用吗", "孕妇可以用不", "哺乳期能用吗"],
        ["亲，这款是母婴级材质，孕妇和哺乳期都可以放心用~", "孕妇可以用的亲"],
    ),
}
CITIES = ["北京", "上海", "广州", "深圳", "成都", "武汉", "西安", "杭州", "沈阳", "昆明", "哈尔滨", "南宁"]
PREFIXES = ["", "", "", "", "亲 ", "亲，", "你好 ", "您好，", "哈喽 ", "老板 ", "请问", "问下 ", "客服 ", "美女 "]
SUFFIXES = ["", "", "", "", "？", "?", "呀", "啊", "哈", "。。", "~", "？？", " 急"]
TYPOS = [
    ("什么", "神马"),
    ("什么", "啥"),
    ("怎么", "咋"),
    ("吗", "嘛"),
    ("吗", "么"),
    ("发货", "发或"),
    ("快递", "快第"),
    ("能", "可以"),
    ("多久", "多长时间"),
    ("可以", "可已"),
    ("退款", "退宽"),
    ("有", "有没有"),
]
OPENERS = ["在吗", "在不在", "你好", "您好", "有人吗", "客服在吗", "哈喽", "亲 在吗", "hello"]
CLOSERS = ["好的谢谢", "谢谢", "好的", "嗯嗯", "ok", "谢啦", "行 谢谢", "好的 知道了"]
CLOSE_FREE = ["不客气亲", "好的亲", "嗯嗯 有问题随时找我", "不客气哈"]
GREET_FREE = ["在的亲", "在的 您说", "您好 在的"]
ACK_FREE = ["好的亲", "嗯嗯", "好的 稍等", "收到"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉晨宇浩然子轩欣怡梓涵思远雨桐"
STREETS = ["文三路", "解放路", "人民路", "中山北路", "建设大道", "长江路", "南京西路", "科技园路", "滨江大道", "和平街"]
DISTRICTS = [
    "浙江省杭州市西湖区",
    "广东省深圳市南山区",
    "江苏省南京市鼓楼区",
    "四川省成都市武侯区",
    "湖北省武汉市洪山区",
    "上海市浦东新区",
    "北京市朝阳区",
    "山东省济南市历下区",
]
MAIL_HOSTS = ["qq.com", "163.com", "126.com", "gmail.com", "foxmail.com", "sina.com"]
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


@dataclass
class Reply:
    """What the generator knows about one agent reply: its kind and the phrase it came from."""

    kind: str  # exact | edited | free | gap | social
    phrase: str | None


@dataclass
class ChatLogData:
    rows: list[dict[str, object]]  # conversation, time, role, text, agent
    replies: list[Reply | None]  # per row: the agent reply's truth, None for customer rows
    planted: list[list[str]] = field(default_factory=list)  # per row: the personal data put in it, to be masked
    topics: list[str | None] = field(default_factory=list)  # per row: the customer question's family, if any


class Generator:
    def __init__(self, seed: int = 12) -> None:
        self.rng = random.Random(seed)
        phrases = {p.id: p for p in default_phrases()}
        self.phrases = phrases
        names = "小美 小雪 阿杰 小楠 晓晓 乐乐 小鱼 阿宁 小糖 大白 小七 可可 小舟 安安 小满 小麦 阿飞 小橙 米粒 豆豆"
        self.agents = [(f"客服{name}", str(1000 + i)) for i, name in enumerate(names.split())]
        self.planted: list[str] = []

    # personal data -----------------------------------------------------------------------------------
    def phone(self) -> str:
        value = "1" + self.rng.choice("3456789") + "".join(self.rng.choice("0123456789") for _ in range(9))
        self.planted.append(value)
        return value

    def name(self) -> str:
        value = self.rng.choice(SURNAMES) + "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2))))
        self.planted.append(value)
        return value

    def id_number(self) -> str:
        body = (
            self.rng.choice(["110105", "330106", "440305", "510107", "420111"])
            + str(self.rng.randint(1965, 2004))
            + f"{self.rng.randint(1, 12):02d}{self.rng.randint(1, 28):02d}"
            + f"{self.rng.randint(0, 999):03d}"
        )
        check = "10X98765432"[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]
        self.planted.append(body + check)
        return body + check

    def address(self) -> str:
        street = f"{self.rng.choice(STREETS)}{self.rng.randint(1, 999)}号"
        floor, door = self.rng.randint(1, 33), self.rng.randint(1, 4)
        unit = f"{self.rng.randint(1, 30)}栋{self.rng.randint(1, 6)}单元{floor}{door:02d}室"
        self.planted.extend([street, unit])
        return self.rng.choice(DISTRICTS) + street + unit

    def order_number(self) -> str:
        value = str(self.rng.choice([2, 3, 4])) + "".join(self.rng.choice("0123456789") for _ in range(18))
        self.planted.append(value)
        return value

    def email(self) -> str:
        user = "".join(self.rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(self.rng.randint(4, 9)))
        value = f"{user}{self.rng.randint(1, 9999)}@{self.rng.choice(MAIL_HOSTS)}"
        self.planted.append(value)
        return value

    # wording -----------------------------------------------------------------------------------------
    def customer_says(self, base: str) -> str:
        text = base.replace("{city}", self.rng.choice(CITIES))
        if self.rng.random() < 0.15:
            old, new = self.rng.choice(TYPOS)
            text = text.replace(old, new, 1)
        return self.rng.choice(PREFIXES) + text + self.rng.choice(SUFFIXES)

    def phrase_reply(self, phrase_id: str, agent_no: str) -> tuple[str, Reply]:
        body = render(self.phrases[phrase_id].body, {"agent_no": agent_no, "shop": "本店", "customer": "亲"})
        roll = self.rng.random()
        if roll < 0.45:
            return body, Reply("exact", phrase_id)
        edits = [
            lambda b: "亲亲" + b[1:] if b.startswith("亲") else "亲，" + b,
            lambda b: b.rstrip("~") + self.rng.choice(["哦", "哈", "呢亲", "。", "！"]),
            lambda b: b[2:] if b.startswith("亲，") else b,
            lambda b: b.replace("我们", "咱们", 1),
            lambda b: b + f" 客服{agent_no}号为您服务",
            lambda b: b.replace("，", " ", 2),
        ]
        edited = body
        for edit in self.rng.sample(edits, self.rng.choice((1, 1, 2))):
            edited = edit(edited)
        return edited, Reply("edited", phrase_id)

    # conversations -----------------------------------------------------------------------------------
    def conversation(self, number: int, at: float) -> Iterator[tuple[str, str, str | None, Reply | None, str | None]]:
        """(role, text, agent, reply truth, topic) per message."""
        rng = self.rng
        agent, agent_no = rng.choice(self.agents)
        if rng.random() < 0.55:
            yield "customer", rng.choice(OPENERS), None, None, None
            if rng.random() < 0.6:
                pid = rng.choice(["greeting-03", "greeting-01", "greeting-08"])
                text, truth = self.phrase_reply(pid, agent_no)
                yield "agent", text, agent, truth, None
            else:
                yield "agent", rng.choice(GREET_FREE), agent, Reply("free", None), None
        for _ in range(rng.choice((1, 1, 2, 2, 3))):
            yield from self.exchange(agent, agent_no)
        if rng.random() < 0.6:
            yield "customer", rng.choice(CLOSERS), None, None, None
            if rng.random() < 0.5:
                text, truth = self.phrase_reply(rng.choice(["thanks-03", "thanks-01", "thanks-04"]), agent_no)
                yield "agent", text, agent, truth, None
            else:
                yield "agent", rng.choice(CLOSE_FREE), agent, Reply("free", None), None

    def exchange(self, agent: str, agent_no: str) -> Iterator[tuple[str, str, str | None, Reply | None, str | None]]:
        rng = self.rng
        roll = rng.random()
        if roll < 0.05:  # an order number first, then the question
            said = rng.choice(["订单号", "单号", "订单"]) + rng.choice(["：", " ", ""]) + self.order_number()
            yield "customer", said, None, None, None
            if rng.random() < 0.5:
                yield "agent", rng.choice(ACK_FREE), agent, Reply("free", None), None
        if roll < 0.07:  # address change with personal data
            pid = "address-01"
            yield "customer", rng.choice(["地址写错了 能改吗", "帮我改下地址", "地址要改一下"]), None, None, pid
            text, truth = self.phrase_reply(pid, agent_no)
            yield "agent", text, agent, truth, None
            detail = (
                f"{rng.choice(['收件人', '收件人：', '收件人 '])}{self.name()} {self.phone()} {self.address()}"
                if rng.random() < 0.7
                else f"改成{self.address()} 电话{self.phone()}"
            )
            yield "customer", detail, None, None, None
            yield (
                "agent",
                rng.choice(["好的 已经帮您备注了", "好的亲 已修改"])
                + (f" 收件人{self.name()}" if rng.random() < 0.2 else ""),
                agent,
                Reply("free", None),
                None,
            )
            return
        if roll < 0.085:  # e-invoice to an email
            yield "customer", f"电子发票发我邮箱 {self.email()}", None, None, "invoice-05"
            text, truth = self.phrase_reply("invoice-05", agent_no)
            yield "agent", text, agent, truth, None
            return
        if roll < 0.095:  # real-name for customs / ID number
            yield "customer", f"实名认证要身份证吗 我的是{self.id_number()}", None, None, None
            yield "agent", "亲，身份证号不用发给我们哦，注意保护隐私~", agent, Reply("free", None), None
            return
        if roll < 0.24:  # a question the phrasebank lacks
            family = rng.choice(list(UNCOVERED))
            asks, answers = UNCOVERED[family]
            yield "customer", self.customer_says(rng.choice(asks)), None, None, f"gap:{family}"
            answer = answers[0] if rng.random() < 0.75 else answers[1]
            yield "agent", answer, agent, Reply("gap", None), None
            return
        pid = rng.choice(list(COVERED))
        question = self.customer_says(rng.choice(COVERED[pid]))
        if rng.random() < 0.12:  # one question in two messages
            yield "customer", rng.choice(["这个", "我想问下", "亲", "那个"]), None, None, None
        yield "customer", question, None, None, pid
        if pid in FREE_COVERED and rng.random() < 0.25:
            yield "agent", rng.choice(FREE_COVERED[pid]), agent, Reply("free", None), None
        elif pid in FREE_STYLED and rng.random() < 0.1:
            yield "agent", rng.choice(FREE_STYLED[pid]), agent, Reply("free", None), None
        else:
            text, truth = self.phrase_reply(pid, agent_no)
            yield "agent", text, agent, truth, None
        if rng.random() < 0.2:
            yield "customer", rng.choice(["好的", "嗯嗯", "哦哦 好", "行"]), None, None, None
            yield "agent", rng.choice(ACK_FREE), agent, Reply("free", None), None

    def generate(self, messages: int = 100_000) -> ChatLogData:
        data = ChatLogData(rows=[], replies=[], topics=[])
        number = 0
        at = START
        while len(data.rows) < messages:
            number += 1
            conversation = f"c{number:06d}"
            at += self.rng.uniform(5, 120)
            t = at
            for role, text, agent, truth, topic in self.conversation(number, at):
                data.planted.append(self.planted)  # what was planted while this message was written
                self.planted = []
                t += self.rng.uniform(3, 90)
                data.rows.append(
                    {
                        "conversation": conversation,
                        "time": round(t, 1),
                        "role": role,
                        "text": text,
                        "agent": agent or "",
                    }
                )
                data.replies.append(truth)
                data.topics.append(topic)
        return data


def generate(messages: int = 100_000, seed: int = 12) -> ChatLogData:
    return Generator(seed).generate(messages)


def write_jsonl(data: ChatLogData, path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        for row in data.rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def write_csv(rows: list[dict[str, object]], path: Path) -> None:
    """A chat log as a lead uploads it: CSV with the English column names."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    data = generate()
    write_jsonl(data, Path(sys.argv[1]))
    if len(sys.argv) > 2:
        write_csv(data.rows, Path(sys.argv[2]))
    conversations = len({row["conversation"] for row in data.rows})
    planted = sum(len(items) for items in data.planted)
    print(json.dumps({"messages": len(data.rows), "conversations": conversations, "planted": planted}))


if __name__ == "__main__":
    main()
