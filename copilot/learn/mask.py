"""Personal data masked before anything of a chat is stored: phone numbers, ID numbers, house numbers,
order and courier numbers, bank cards, emails, QQ and WeChat ids, and names after 收件人 are replaced by a
label in full-width brackets (〔手机号〕), so a lead reading mined questions sees what was there, not who.

How it finds them:
- The patterns run on a shadow copy of the text in which full-width ASCII (１３８, ＠, －, ：) and the
  ideographic space are their half-width selves, character for character, so spans found in the copy are
  spans of the original and １３８１２３４５６７８ is masked like 13812345678.
- Every pattern starts where a run starts (a lookbehind refuses the middle of a digit or letter run) and
  its repeats are bounded or cannot overlap, so Python's engine tries each start once and the whole pass
  is linear in the text; a text without a digit, an @ or a naming word is not searched at all.
- Where patterns disagree, the one that knows more wins: a value after its keyword (订单号, 身份证, 卡号,
  微信) before the shape of the digits alone, an email before the phone number in it, a courier number
  before the digits in it. Spans never overlap; each is replaced by its kind's label.
- Prices, quantities, dates, times, sizes and model numbers survive: a house number needs an address
  word before it (幸福路88号) or a unit no date has (栋, 单元, 室); a dash-joined house number
  (88-3-501) is not a date; a digit run is an order number only from 12 digits on.
"""

from __future__ import annotations

import re
from collections.abc import Callable

LABELS: dict[str, str] = {
    "mobile": "〔手机号〕",
    "phone": "〔电话〕",
    "id_card": "〔身份证号〕",
    "house": "〔门牌号〕",
    "order": "〔订单号〕",
    "bank_card": "〔银行卡号〕",
    "email": "〔邮箱〕",
    "wechat": "〔微信号〕",
    "qq": "〔QQ号〕",
    "name": "〔姓名〕",
}

# Full-width ASCII (U+FF01-U+FF5E) and the ideographic space as their half-width selves: one character for
# one, so positions in the copy are positions in the original.
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}

# Worth searching at all: a digit (either width), an @, a word a name follows, or one a WeChat id follows (an
# id may have no digit: vx: kefu_xiaomei).
_NAME_WORDS = "收件人|收货人|寄件人|联系人|姓名"
_ID_WORDS = "微信|薇信|[VvWw][Xx]|[Ww]eixin|[Ww]e[Cc]hat|[Vv]信|ＶＸ|ｖｘ|ＷＸ|ｗｘ"
_TRIGGER = re.compile(rf"[0-9０-９@＠]|{_NAME_WORDS}|{_ID_WORDS}")

_SEP = r"[ \-]"  # between the digit groups of a phone or card number (after the half-width copy)
_AFTER_KEY = r"[ :：#是为]{0,4}"  # between a keyword and its value: 订单号：, 卡号是, QQ 号: …
_CJK = "\u4e00-\u9fff"

# Characters that start no name (收件人写错了, 联系人信息, 姓名不对) and ones a name stops before
# (收件人王小明电话…, 联系人张三的手机).
_FUNCTION_WORDS = (
    "的是了吗呢吧啊呀么和与及或就也都还没不在会能要请您你我他她它们这那哪谁写填改错对电话手机地址号码收到已先"
)
_NOT_NAME_START = _FUNCTION_WORDS + "什怎信息名字姓为叫换一有可栏处本自家签拒联随等留工员"
_NOT_IN_NAME = _FUNCTION_WORDS

# House numbers: the words an address has before its number, the units after one, and what a count or a
# date has after its digits (so 3楼 5件 is not a room number).
_PLACE = r"(?:(?P<place>路|街|巷|弄|村|镇|大道|胡同|小区|花园|公寓|大厦|广场|社区|家园|新村|公馆|苑|府|园区)[ ]?)?"
_BUILDING = "大厦|公寓|小区|花园|广场|社区|家园|新村|公馆|苑|园|府"
_UNITS = "号楼|号院|号|栋|幢|座|单元|室|楼|层|弄|户"
_HOUSE_PART = rf"(?:[0-9]{{1,5}}|[A-Za-z][0-9]{{0,4}})[ ]?(?:{_UNITS})"
_COUNTED = "件个元块条只套份天次号周年月日点分秒岁斤克码寸米期折人位款种"
_ROOM = rf"(?P<room>[ ]?(?:[0-9]{{1,2}}\-)?[0-9]{{3,4}}(?![0-9{_COUNTED}])(?![ \-][0-9]))?"

_PATTERNS: list[tuple[str, str]] = [
    # -- a value after the word that says what it is ------------------------------------------------
    (
        "name",
        rf"(?:收件人姓名|收货人姓名|收件人|收货人|寄件人|联系人|姓名)[ :：]{{0,3}}(?:是|为|叫)?[ ]?"
        rf"(?P<v>(?![{_NOT_NAME_START}])[{_CJK}](?:(?![{_NOT_IN_NAME}])[{_CJK}]){{1,3}})",
    ),
    ("qq", rf"(?<![A-Za-z])(?:QQ|qq|Qq|qQ|扣扣)(?:号码|号)?{_AFTER_KEY}(?P<v>[1-9][0-9]{{4,11}})(?![0-9A-Za-z])"),
    (
        "wechat",
        rf"(?:(?<![A-Za-z])(?:VX|vx|Vx|vX|WX|wx|Wx|wX|weixin|WeChat|wechat|V信|v信|薇信)|微信)(?:号)?"
        rf"{_AFTER_KEY}(?P<v>[A-Za-z0-9][A-Za-z0-9_\-]{{4,19}})(?![A-Za-z0-9_\-])",
    ),
    (
        "id_card",
        rf"(?:身份证号码|身份证号|身份证|证件号码|证件号){_AFTER_KEY}"
        r"(?P<v>[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9A-Za-z])",
    ),
    (
        "bank_card",
        rf"(?:银行卡号|银行卡|卡号|储蓄卡|信用卡|借记卡|银行账号|收款账号|账号|帐号){_AFTER_KEY}"
        rf"(?P<v>[0-9](?:{_SEP}?[0-9]){{11,22}})(?![0-9])",
    ),
    (
        "order",
        rf"(?:快递单号|运单号|物流单号|退货单号|售后单号|订单编号|订单号|工单号|单号|订单){_AFTER_KEY}"
        r"(?P<v>[A-Za-z]{0,4}[0-9]{6}[0-9A-Za-z\-]{0,34})(?![0-9A-Za-z\-])",
    ),
    # -- the shape of the value alone -----------------------------------------------------------------
    (
        "email",
        r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){0,8}"
        r"\.[A-Za-z]{2,12}(?![A-Za-z0-9\-])",
    ),
    # SF1234567890123, YT…, JD…, JDVA…: two to five capitals, then at least ten digits
    ("order", r"(?<![A-Za-z0-9])(?:[A-Z]{2,5}|[a-z]{2,3})[0-9]{10,20}(?![0-9A-Za-z])"),
    (
        "id_card",
        r"(?<![0-9A-Za-z])[1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
        r"[0-9]{3}[0-9Xx](?![0-9A-Za-z])",
    ),
    ("bank_card", rf"(?<![0-9])[0-9]{{4}}(?:{_SEP}[0-9]{{4}}){{3}}(?:{_SEP}?[0-9]{{1,4}})?(?![0-9])"),
    (
        "mobile",
        rf"(?<![0-9+])(?:(?:\+|00)?86{_SEP}?|\((?:\+|00)?86\){_SEP}?)?"
        rf"1[3-9][0-9](?:{_SEP}?[0-9]{{4}}){{2}}(?![0-9])",
    ),
    (
        "phone",
        rf"(?<![0-9+])(?:(?:\+|00)86{_SEP}?(?:\(0?[1-9][0-9]{{1,2}}\)|0?[1-9][0-9]{{1,2}})"
        rf"|\(0[1-9][0-9]{{1,2}}\)|0[1-9][0-9]{{1,2}}){_SEP}?"
        rf"(?:[2-9][0-9]{{6,7}}|[2-9][0-9]{{2,3}}{_SEP}[0-9]{{4}})(?:(?:转|-|ext\.?)[0-9]{{1,5}})?(?![0-9])",
    ),
    ("phone", rf"(?:电话|座机|固话|tel|Tel|TEL){_AFTER_KEY}(?P<v>[2-9][0-9]{{6,7}})(?![0-9])"),
    ("digits", r"(?<![0-9])[0-9]{12,}(?![0-9])"),
    # -- house numbers ----------------------------------------------------------------------------------
    ("house", rf"{_PLACE}(?<![0-9A-Za-z\-])(?P<v>(?P<parts>{_HOUSE_PART}(?:[ ]?\-?[ ]?{_HOUSE_PART}){{0,5}}){_ROOM})"),
    # 中关村大厦1503, 创意产业园10-1101: a building's name, then its room number without a unit
    (
        "house_bare",
        rf"(?:{_BUILDING})[ ]?(?<![0-9A-Za-z\-])(?P<v>[0-9]{{1,4}}(?:\-[0-9]{{1,4}}){{0,2}})"
        rf"(?![0-9A-Za-z\-/.:%{_COUNTED}])",
    ),
    ("house_dash", rf"{_PLACE}(?<![0-9A-Za-z\-/.:])(?P<v>[0-9]{{1,4}}\-[0-9]{{1,3}}\-[0-9]{{1,4}})(?![0-9\-/.:])"),
]
_COMPILED = [(kind, re.compile(pattern)) for kind, pattern in _PATTERNS]

_UNIT = re.compile(_UNITS)
_STRONG_UNITS = {"号楼", "号院", "栋", "幢", "单元", "室", "弄"}


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _digits_kind(match: re.Match[str]) -> str | None:
    """A bare run of 12 or more digits: a bank card by its prefix and check digit, else an order number."""
    digits = match.group()
    if 16 <= len(digits) <= 19 and digits.startswith(("62", "4", "5")) and _luhn(digits):
        return "bank_card"
    return "order"


def _house_kind(match: re.Match[str]) -> str | None:
    """A house number only where nothing else reads that way: after an address word (幸福路88号), with a
    unit a date or a count never has (3栋, 2单元, 501室), or several parts (5楼3层, 3楼301)."""
    if match.group("place"):
        return "house"
    units = _UNIT.findall(match.group("parts"))
    if any(unit in _STRONG_UNITS for unit in units):
        return "house"
    if any(unit != "号" for unit in units) and (len(units) >= 2 or match.group("room")):
        return "house"
    return None


def _house_dash_kind(match: re.Match[str]) -> str | None:
    """88-3-501 after an address word, or ending in a room number; never a date (2024-5-20)."""
    if match.group("place"):
        return "house"
    first, _, last = match.group("v").split("-")
    if len(first) == 4 and first.startswith(("19", "20")):
        return None
    return "house" if len(last) >= 3 else None


_DECIDE: dict[str, Callable[[re.Match[str]], str | None]] = {
    "digits": _digits_kind,
    "house": _house_kind,
    "house_dash": _house_dash_kind,
    "house_bare": lambda _: "house",
}


def find_personal(text: str) -> list[tuple[int, int, str]]:
    """The personal data in the text as (start, end, kind) spans, in order and never overlapping; kind is a
    key of LABELS."""
    if not _TRIGGER.search(text):
        return []
    shadow = text.translate(_HALF_WIDTH)
    taken = bytearray(len(text))
    spans: list[tuple[int, int, str]] = []
    for kind, pattern in _COMPILED:  # in order of precedence: the first to claim a character keeps it
        decide = _DECIDE.get(kind)
        for match in pattern.finditer(shadow):
            found = decide(match) if decide else kind
            if found is None:
                continue
            start, end = match.span("v") if "v" in pattern.groupindex else match.span()
            if start == end or any(taken[start:end]):
                continue
            taken[start:end] = b"\x01" * (end - start)
            spans.append((start, end, found))
    spans.sort()
    return spans


def mask(text: str) -> str:
    """The text with personal data replaced by a bracketed label (收件人：张三丰 → 收件人：〔姓名〕)."""
    spans = find_personal(text)
    if not spans:
        return text
    out: list[str] = []
    position = 0
    for start, end, kind in spans:
        out.append(text[position:start])
        out.append(LABELS[kind])
        position = end
    out.append(text[position:])
    return "".join(out)
