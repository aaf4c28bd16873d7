/** The pages' chrome in zh-CN and English. The kiosk's own screens and receipts keep the kiosk's locale. */

export type Lang = 'zh-CN' | 'en';

const EN = {
  'panel.title': 'Simulated kiosk',
  'fleet.title': 'Fleet dashboard',
  'nav.fleet': 'Fleet dashboard',
  'nav.panel': 'Kiosk panel',
  'lang.switch': '中文',
  'lang.switchLabel': 'Switch the page language to Chinese',
  'conn.live': 'connected',
  'conn.lost': 'disconnected: retrying',
  'sec.display': 'Display',
  'sec.buttons': 'Panel buttons',
  'sec.status': 'Status',
  'sec.scan': 'Scan',
  'sec.bills': 'Sample bills',
  'sec.wallet': 'Wallet payment codes',
  'sec.staff': 'Staff',
  'sec.notes': 'Insert a note',
  'sec.card': 'Present a card',
  'sec.faults': 'Device faults',
  'sec.receipt': 'Receipt',
  'sec.events': 'Kiosk events',
  'sec.mqtt': 'MQTT stream',
  'btn.cash': 'Cash',
  'btn.cancel': 'Cancel',
  'btn.moreTime': 'More time',
  'btn.confirm': 'Confirm',
  'card.approve': 'Card: approve',
  'card.decline': 'Card: decline',
  'card.note': 'The card tender is not wired into the kiosk yet: the card module answers only when asked.',
  'fault.jam': 'Note jam',
  'fault.paperOut': 'Paper out',
  'fault.cashboxOut': 'Cash box removed',
  'fault.unplugged': 'Validator unplugged',
  'fault.brokerDown': 'Broker down',
  'fault.doorOpen': 'Door open',
  'fault.fakeOnly': 'fake validator only',
  'st.service': 'Service',
  'st.fsm': 'Transaction',
  'st.reasons': 'Why',
  'st.billValidator': 'Validator',
  'st.receiptPrinter': 'Printer',
  'st.scanner': 'Scanner',
  'st.mqtt': 'MQTT',
  'st.outbox': 'outbox',
  'receipt.none': 'No receipt printed yet.',
  'receipt.notPrinted': 'Not printed (printer fault).',
  'receipt.qr': 'QR payload',
  'receipt.barcode': 'Barcode',
  'events.empty': 'No events yet.',
  'fleet.broker': 'Broker',
  'fleet.terminals': 'Terminals',
  'fleet.none': 'No terminal has reported yet.',
  'fleet.online': 'online',
  'fleet.offline': 'offline',
  'fleet.unknown': 'no state',
  'fleet.alarms': 'Alarms',
  'fleet.noAlarms': 'none',
  'fleet.cashbox': 'Cash box',
  'fleet.paper': 'Paper',
  'fleet.cashboxUnknown': 'fill not reported',
  'fleet.cashboxRemoved': 'removed',
  'fleet.stackerFull': 'full',
  'fleet.paperOk': 'ok',
  'fleet.paperLow': 'near end',
  'fleet.paperOut': 'out',
  'fleet.devices': 'Devices',
  'fleet.heartbeat': 'Heartbeat',
  'fleet.events': 'Event stream',
  'fleet.command': 'Signed command',
  'fleet.cmdTerminal': 'Terminal',
  'fleet.cmdName': 'Command',
  'fleet.cmdSend': 'Sign and send',
  'fleet.cmdUnavailable': 'Disabled: this server has no fleet key, and this page does no crypto of its own.',
  'fleet.cmdEnabled': 'Signed on the server by the fleet console (kioskctl fleet send) with the simulated operator\'s key; the page holds no key.',
  'fleet.cmdSending': 'Signing and sending…',
} as const;

export type MessageKey = keyof typeof EN;

const ZH: Record<MessageKey, string> = {
  'panel.title': '模拟自助缴费机',
  'fleet.title': '机群监控',
  'nav.fleet': '机群监控',
  'nav.panel': '缴费机面板',
  'lang.switch': 'English',
  'lang.switchLabel': '将页面语言切换为英文',
  'conn.live': '已连接',
  'conn.lost': '连接断开：正在重试',
  'sec.display': '显示屏',
  'sec.buttons': '面板按键',
  'sec.status': '状态',
  'sec.scan': '扫码',
  'sec.bills': '示例账单',
  'sec.wallet': '付款码',
  'sec.staff': '工作人员',
  'sec.notes': '投入纸币',
  'sec.card': '刷卡',
  'sec.faults': '设备故障',
  'sec.receipt': '凭条',
  'sec.events': '终端事件',
  'sec.mqtt': 'MQTT 消息',
  'btn.cash': '现金',
  'btn.cancel': '取消',
  'btn.moreTime': '延时',
  'btn.confirm': '确认',
  'card.approve': '刷卡：批准',
  'card.decline': '刷卡：拒绝',
  'card.note': '银行卡支付尚未接入终端流程：读卡器仅在被请求时应答。',
  'fault.jam': '卡币',
  'fault.paperOut': '缺纸',
  'fault.cashboxOut': '钱箱取出',
  'fault.unplugged': '识币器断开',
  'fault.brokerDown': '消息服务器停机',
  'fault.doorOpen': '机门打开',
  'fault.fakeOnly': '仅模拟识币器',
  'st.service': '服务',
  'st.fsm': '交易',
  'st.reasons': '原因',
  'st.billValidator': '识币器',
  'st.receiptPrinter': '打印机',
  'st.scanner': '扫码器',
  'st.mqtt': 'MQTT',
  'st.outbox': '待发',
  'receipt.none': '尚未打印凭条。',
  'receipt.notPrinted': '未打印（打印机故障）。',
  'receipt.qr': '二维码内容',
  'receipt.barcode': '条码',
  'events.empty': '暂无事件。',
  'fleet.broker': '消息服务器',
  'fleet.terminals': '终端',
  'fleet.none': '尚无终端上报。',
  'fleet.online': '在线',
  'fleet.offline': '离线',
  'fleet.unknown': '无状态',
  'fleet.alarms': '告警',
  'fleet.noAlarms': '无',
  'fleet.cashbox': '钱箱',
  'fleet.paper': '纸卷',
  'fleet.cashboxUnknown': '未上报容量',
  'fleet.cashboxRemoved': '已取出',
  'fleet.stackerFull': '已满',
  'fleet.paperOk': '正常',
  'fleet.paperLow': '将尽',
  'fleet.paperOut': '缺纸',
  'fleet.devices': '设备',
  'fleet.heartbeat': '心跳',
  'fleet.events': '事件流',
  'fleet.command': '签名指令',
  'fleet.cmdTerminal': '终端',
  'fleet.cmdName': '指令',
  'fleet.cmdSend': '签名并发送',
  'fleet.cmdUnavailable': '已停用：服务器没有机群密钥，本页面不自行实现加密。',
  'fleet.cmdEnabled': '由服务器上的机群控制台（kioskctl fleet send）用模拟运维密钥签名；页面不持有密钥。',
  'fleet.cmdSending': '正在签名并发送…',
};

const STORE_KEY = 'kioskd.lang';
let lang: Lang = initial();
const listeners: (() => void)[] = [];

function initial(): Lang {
  const q = new URLSearchParams(location.search).get('lang');
  if (q === 'en' || q === 'zh-CN') return q;
  const stored = localStorage.getItem(STORE_KEY);
  if (stored === 'en' || stored === 'zh-CN') return stored;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

export function currentLang(): Lang { return lang; }

export function t(key: MessageKey): string {
  return lang === 'en' ? EN[key] : ZH[key];
}

/** Fills `[data-i18n]` text and `[data-i18n-label]` aria-labels under `root`. */
export function applyI18n(root: ParentNode = document): void {
  document.documentElement.lang = lang;
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n]')) el.textContent = t(el.dataset['i18n'] as MessageKey);
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset['i18nLabel'] as MessageKey));
}

export function setLang(next: Lang): void {
  lang = next;
  localStorage.setItem(STORE_KEY, next);
  applyI18n();
  for (const fn of listeners) fn();
}

export function onLangChange(fn: () => void): void { listeners.push(fn); }

/** Wires the header's language button: it names the other language and switches to it. */
export function bindLangButton(button: HTMLButtonElement): void {
  button.addEventListener('click', () => setLang(lang === 'en' ? 'zh-CN' : 'en'));
}
