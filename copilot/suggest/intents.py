"""The intent ids of DESIGN.md: the contract every phrase and every /v1/suggest answer uses."""

from __future__ import annotations

INTENTS: dict[str, str] = {
    "greeting": "问候/在吗",
    "product_info": "商品咨询",
    "stock": "库存",
    "bargain": "议价",
    "promotion": "优惠活动/赠品/包邮",
    "payment_method": "支付方式",
    "payment_issue": "付款问题/催付",
    "invoice": "发票",
    "ship_time": "发货时间/催发货",
    "delivery_time": "到货时间/快递选择",
    "logistics": "物流查询/未收到",
    "address_change": "改地址/订单备注",
    "return_exchange": "退换货",
    "refund": "退款进度",
    "quality_issue": "质量问题",
    "authenticity": "正品",
    "review": "评价/好评返现",
    "complaint": "投诉/情绪",
    "thanks_bye": "感谢/结束",
    "other": "其他",
}

# Short names, for chips where room is tight (the sidebar); the labels above are the full names.
INTENT_SHORT: dict[str, str] = {
    "greeting": "问候",
    "product_info": "商品咨询",
    "stock": "库存",
    "bargain": "议价",
    "promotion": "优惠活动",
    "payment_method": "支付方式",
    "payment_issue": "付款问题",
    "invoice": "发票",
    "ship_time": "发货时间",
    "delivery_time": "到货时间",
    "logistics": "物流",
    "address_change": "改地址/备注",
    "return_exchange": "退换货",
    "refund": "退款",
    "quality_issue": "质量问题",
    "authenticity": "正品",
    "review": "评价",
    "complaint": "投诉/情绪",
    "thanks_bye": "感谢/结束",
    "other": "其他",
}

GROUPS: tuple[str, ...] = ("售前", "售中", "售后")


def _label_key(text: str) -> str:
    # 发货时间／催发货 typed with a full-width slash or spaces is the same label
    return "".join(text.replace("／", "/").split()).lower()


# Every name a lead may type for an intent: its id, its label as the editor shows it (发货时间/催发货)
# and each part of a label made of several (发货时间, 催发货), as 千牛 sheets and hand-made tables use them.
_BY_NAME: dict[str, str] = {}
for _id, _label in INTENTS.items():
    for _name in (_id, _label, *_label.split("/")):
        _BY_NAME.setdefault(_label_key(_name), _id)


def intent_id(name: str) -> str | None:
    """The intent id a name stands for (an id, or the Chinese label or one part of it), else None."""
    return _BY_NAME.get(_label_key(name))
