"""The masker on lines as customers and agents write them on Taobao, JD and Pinduoduo: every planted piece
of personal data is replaced by its label, and ordinary text (prices, counts, dates, sizes, models) is
left exactly as it was."""

from __future__ import annotations

import pytest

from copilot.learn.mask import LABELS, find_personal, mask

# (line with planted data, the line as it must be stored)
PLANTED = [
    # mobile numbers, as typed
    ("亲，我的手机号是13812345678，麻烦发货前联系我", "亲，我的手机号是〔手机号〕，麻烦发货前联系我"),
    ("电话 138 1234 5678 收件人：张三丰", "电话 〔手机号〕 收件人：〔姓名〕"),
    ("+86 139-1234-5678 这个号码能打通", "〔手机号〕 这个号码能打通"),
    ("快递员打我电话8615012345678就行", "快递员打我电话〔手机号〕就行"),
    ("(+86)177 0000 1234 这是我老公的", "〔手机号〕 这是我老公的"),
    ("１３８１２３４５６７８ 是我的手机，别打错了", "〔手机号〕 是我的手机，别打错了"),
    ("换个号码吧：１８６－１２３４－５６７８", "换个号码吧：〔手机号〕"),
    ("我手机号码改成了19912345678了，之前那个不用了", "我手机号码改成了〔手机号〕了，之前那个不用了"),
    # landlines
    ("公司座机0571-88888888，白天有人签收", "公司座机〔电话〕，白天有人签收"),
    ("上海办公室电话 021 6123 4567 转前台", "上海办公室电话 〔电话〕 转前台"),
    ("收货人是刘德华，电话 010-62345678", "收货人是〔姓名〕，电话 〔电话〕"),
    ("打（0755）26543210找王经理", "打〔电话〕找王经理"),
    # ID numbers
    ("身份证号 11010119900307123X 清关要用", "身份证号 〔身份证号〕 清关要用"),
    ("我身份证110101199003071234，海外购要填吗", "我身份证〔身份证号〕，海外购要填吗"),
    ("身份证：４４０３０１１９９００１０１１２３４", "身份证：〔身份证号〕"),
    ("报关信息 张伟 32058419881231002x", "报关信息 张伟 〔身份证号〕"),
    ("老身份证是15位的 110101900307123 可以吗", "老身份证是15位的 〔订单号〕 可以吗"),
    # addresses' house numbers
    (
        "收件人王小明 电话15912345678 地址杭州市西湖区幸福路88号3栋2单元501室",
        "收件人〔姓名〕 电话〔手机号〕 地址杭州市西湖区幸福路〔门牌号〕",
    ),
    ("帮我改地址：南京市鼓楼区中山北路 1088 号 5 幢 1202 室", "帮我改地址：南京市鼓楼区中山北路 〔门牌号〕"),
    ("送到人民路100号5号楼302", "送到人民路〔门牌号〕"),
    ("地址：朝阳区建国路88-3-501", "地址：朝阳区建国路〔门牌号〕"),
    ("地址XX小区5-2-301，放门口就行", "地址XX小区〔门牌号〕，放门口就行"),
    ("放到3楼301门口，谢谢", "放到〔门牌号〕门口，谢谢"),
    ("送到A座1203前台", "送到〔门牌号〕前台"),
    ("老地址是光明新村12弄3号，新的是阳光花园7栋", "老地址是光明新村〔门牌号〕，新的是阳光花园〔门牌号〕"),
    ("快递放在2单元楼下的快递柜", "快递放在〔门牌号〕楼下的快递柜"),
    ("地址: 北京市海淀区中关村大街27号 中关村大厦1503", "地址: 北京市海淀区中关村大街〔门牌号〕 中关村大厦〔门牌号〕"),
    ("苏州工业园区星湖街328号创意产业园10-1101", "苏州工业园区星湖街〔门牌号〕创意产业园〔门牌号〕"),
    # order and courier numbers
    ("订单号：2024052012345678901 怎么还没发货", "订单号：〔订单号〕 怎么还没发货"),
    ("快递单号SF1234567890123 查不到物流", "快递单号〔订单号〕 查不到物流"),
    ("中通单号 75312345678901 三天没更新了", "中通单号 〔订单号〕 三天没更新了"),
    ("京东的JDVA12345678901到哪了", "京东的〔订单号〕到哪了"),
    ("YT2345678901234 这个是退货单号", "〔订单号〕 这个是退货单号"),
    ("我拍的那单 3817265540091823376 申请退款了", "我拍的那单 〔订单号〕 申请退款了"),
    ("售后单号是 AS20240520001，麻烦看下", "售后单号是 〔订单号〕，麻烦看下"),
    ("拼多多订单 240520-123456789012345", "拼多多订单 〔订单号〕"),
    # bank cards
    ("退款打到这张卡 6222021234567890128", "退款打到这张卡 〔银行卡号〕"),
    ("卡号 6222 0212 3456 7890 123 户名王芳", "卡号 〔银行卡号〕 户名王芳"),
    ("工行储蓄卡：6212-2612-0200-1234-567", "工行储蓄卡：〔银行卡号〕"),
    # emails
    ("邮箱 zhang.san@163.com 电子发票发这里", "邮箱 〔邮箱〕 电子发票发这里"),
    ("发票抬头公司，发到 finance_01@example.com.cn 谢谢", "发票抬头公司，发到 〔邮箱〕 谢谢"),
    ("我的QQ邮箱13812345678@qq.com", "我的QQ邮箱〔邮箱〕"),
    ("发我邮箱ｌｉｓｉ＠１２６．ｃｏｍ", "发我邮箱〔邮箱〕"),
    # QQ and WeChat ids
    ("加我qq 123456789 发图片给你", "加我qq 〔QQ号〕 发图片给你"),
    ("QQ号:2850012345", "QQ号:〔QQ号〕"),
    ("微信：wxid_abc123 加一下我发视频", "微信：〔微信号〕 加一下我发视频"),
    ("加我vx: zhangsan_88 私聊", "加我vx: 〔微信号〕 私聊"),
    ("VX13912345678 同号", "VX〔微信号〕 同号"),
    ("微信号是 Lily-2024", "微信号是 〔微信号〕"),
    ("加我微信：zhangsan_abc 发图给你", "加我微信：〔微信号〕 发图给你"),  # an id without a digit
    ("vx: kefu_xiaomei", "vx: 〔微信号〕"),
    # names
    ("收件人：张三丰", "收件人：〔姓名〕"),
    ("联系人：欧阳娜娜 手机+8613912345678", "联系人：〔姓名〕 手机〔手机号〕"),
    ("收件人姓名：李娜", "收件人姓名：〔姓名〕"),
    ("收货人陈思思电话13612345678", "收货人〔姓名〕电话〔手机号〕"),
    ("姓名 赵敏，身份证号 330106199912120017", "姓名 〔姓名〕，身份证号 〔身份证号〕"),
    ("寄件人为周杰的快递已经寄回", "寄件人为〔姓名〕的快递已经寄回"),
    # agents' side
    (
        "亲，已为您备注新地址：滨江区江南大道3588号恒生大厦B座1608，收件人：孙丽",
        "亲，已为您备注新地址：滨江区江南大道〔门牌号〕恒生大厦〔门牌号〕，收件人：〔姓名〕",
    ),
    (
        "亲亲，您的退货单号YT8812345678901已登记，退款3个工作日内原路返回",
        "亲亲，您的退货单号〔订单号〕已登记，退款3个工作日内原路返回",
    ),
    (
        "好的亲，已核对订单3912345678901234567，收货电话138****5678对吧",
        "好的亲，已核对订单〔订单号〕，收货电话138****5678对吧",
    ),
]

# Lines that hold nothing personal and must come out exactly as they went in.
INNOCENT = [
    "这件衣服¥199，3件包邮吗",
    "满199减20，两件一起拍可以吗",
    "定价 1999 元，活动价1799元",
    "5月20日 10:30 下的单，什么时候发货",
    "2024-05-20 的订单还没到",
    "2024/5/20 14:05:33 付的款",
    "尺码XL，175/88A 合适吗",
    "身高170体重130斤穿多大码",
    "型号 iPhone 15 Pro Max 256GB 有货吗",
    "小米14 Ultra 16+512 什么时候到货",
    "RTX4090 显卡还有吗",
    "我25号之前能收到吗",
    "地铁2号线附近能自提吗",
    "1-2天发货，偏远地区3-5天",
    "买2个送1个，活动到6.18",
    "在3楼，快递员送上来就行",
    "L号还有吗，M号太小了",
    "38码和39码差多少",
    "收件人写错了怎么改",
    "联系人信息不对怎么改",
    "姓名和电话发我一下",
    "收件人名字写错了",
    "收件人不在家可以放驿站吗",
    "收件人是我本人",
    "单号多少，我查一下物流",
    "订单 3件 一起发吗",
    "发 EMS 还是顺丰",
    "亲，在吗？",
    "双11的优惠还有吗",
    "3层包装很结实",
    "每天10:00-22:00在线，有事留言",
    "退货地址在哪里",
    "保修期 12 个月，7天无理由",
    "一共 3.5kg，运费12元",
    "第2件半价",
    "30天价保",
    "亲亲，您的快递已经到达【杭州转运中心】",
    "微信支付可以吗",
    "QQ音乐会员怎么兑换",
    "12号到20号都在家",
    "这个 A1 型号和 A2 有什么区别",
    "颜色选3号色",
    "您好，请问怎么联系人工客服",
    "联系人员会在24小时内回电",
    "广告里说的199元3件是真的吗",
    "亲，618活动10号开始，20号结束",
    "快递员说放在2号柜了",
    "小区3期的房子",
    "广场5折活动",
    "幼儿园3岁的孩子能穿吗",
]


@pytest.mark.parametrize(("line", "masked"), PLANTED)
def test_planted_personal_data_is_masked(line: str, masked: str) -> None:
    assert mask(line) == masked


def test_there_are_enough_realistic_samples() -> None:
    assert len(PLANTED) >= 40
    kinds = {kind for line, _ in PLANTED for _, _, kind in find_personal(line)}
    assert kinds == set(LABELS)  # every kind of personal data is planted at least once


@pytest.mark.parametrize("line", INNOCENT)
def test_ordinary_text_survives(line: str) -> None:
    assert mask(line) == line
    assert find_personal(line) == []


@pytest.mark.parametrize(("line", "masked"), PLANTED)
def test_masking_twice_changes_nothing(line: str, masked: str) -> None:
    assert mask(masked) == masked


def test_spans_name_their_kind_in_order() -> None:
    line = "收件人：张三丰，电话13812345678，地址幸福路88号3栋，邮箱 a@b.cn"
    found = [(line[start:end], kind) for start, end, kind in find_personal(line)]
    assert found == [("张三丰", "name"), ("13812345678", "mobile"), ("88号3栋", "house"), ("a@b.cn", "email")]


def test_a_keyword_says_more_than_the_shape() -> None:
    # 18 digits shaped like an ID number, but the customer calls it an order number
    assert mask("订单号 110101199003071234") == "订单号 〔订单号〕"
    # the phone number inside an email is part of the email
    assert mask("13812345678@163.com") == "〔邮箱〕"


def test_full_width_text_keeps_its_other_characters() -> None:
    assert mask("（手机：１３９ ８７６５ ４３２１）") == "（手机：〔手机号〕）"


@pytest.mark.parametrize(
    "text",
    [
        "1" * 8000,
        "a" * 8000,
        "1-" * 4000,
        "1 " * 4000,
        "收件人" * 2600,
        "路1号" * 2600,
        "a." * 4000 + "@",
        "QQ" * 4000,
        "订单号" * 2600,
        "１" * 8000,
    ],
)
def test_long_hostile_texts_are_handled(text: str) -> None:
    # Each pattern tries a start once (no backtracking over the whole text); a quadratic pattern would
    # make this test take minutes instead of milliseconds.
    masked = mask(text)
    assert mask(masked) == masked


def test_empty_and_plain_text() -> None:
    assert mask("") == ""
    assert mask("好的，谢谢") == "好的，谢谢"
