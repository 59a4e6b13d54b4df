// Shared by the sidebar and the editor: the text-only element builder and the Chinese names of things.

/** Short intent names, for chips where room is tight (the sidebar). */
export const INTENT_NAMES = {
  greeting: "问候",
  product_info: "商品咨询",
  stock: "库存",
  bargain: "议价",
  promotion: "优惠活动",
  payment_method: "支付方式",
  payment_issue: "付款问题",
  invoice: "发票",
  ship_time: "发货时间",
  delivery_time: "到货时间",
  logistics: "物流",
  address_change: "改地址/备注",
  return_exchange: "退换货",
  refund: "退款",
  quality_issue: "质量问题",
  authenticity: "正品",
  review: "评价",
  complaint: "投诉/情绪",
  thanks_bye: "感谢/结束",
  other: "其他",
};

/** Full intent names, as DESIGN.md lists them (the editor's filters and selects). */
export const INTENT_LABELS = {
  greeting: "问候/在吗",
  product_info: "商品咨询",
  stock: "库存",
  bargain: "议价",
  promotion: "优惠活动/赠品/包邮",
  payment_method: "支付方式",
  payment_issue: "付款问题/催付",
  invoice: "发票",
  ship_time: "发货时间/催发货",
  delivery_time: "到货时间/快递选择",
  logistics: "物流查询/未收到",
  address_change: "改地址/订单备注",
  return_exchange: "退换货",
  refund: "退款进度",
  quality_issue: "质量问题",
  authenticity: "正品",
  review: "评价/好评返现",
  complaint: "投诉/情绪",
  thanks_bye: "感谢/结束",
  other: "其他",
};

export const GROUPS = ["售前", "售中", "售后"];

export const SEVERITY_NAMES = { error: "错误", warning: "警告", info: "提示" };

/** What kind of problem a lint diagnostic is (its `category`); agents see these, never rule ids. */
export const CATEGORY_NAMES = {
  insult: "辱骂轻蔑",
  impatience: "不耐烦、质问",
  brush_off: "推诿、推卸责任",
  dismissal: "敷衍、态度生硬",
  address: "称呼不当",
  curt: "回复过于简短",
  promise: "承诺时效或保证",
  offsite: "站外联系或交易",
  policy: "违反平台规则",
  style: "用语规范",
  custom: "本店规则",
};

export const VERDICTS = {
  ok: "可发送",
  warn: "建议修改",
  block: "禁止发送",
  pending: "检查中…",
  empty: "待输入",
};

export const $ = (id) => document.getElementById(id);

/** Build an element; string children become text nodes (never parsed as HTML). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Same as h(), for SVG elements (the editor's charts). */
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function isTextField(el) {
  if (!el || !(el instanceof Element)) return false;
  if (el.isContentEditable) return true;
  if (el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
  if (el.tagName !== "INPUT") return false;
  return !["button", "checkbox", "radio", "submit", "reset", "range", "color", "file"].includes(el.type);
}

export function digitOf(event) {
  const match = /^(?:Digit|Numpad)([1-9])$/.exec(event.code);
  return match ? Number(match[1]) : null;
}
