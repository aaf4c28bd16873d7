import { formatMinor } from '../../money/index.js';
import type { ScreenId } from '../../fsm/index.js';

export type Locale = 'zh-CN' | 'en';
type Params = Readonly<Record<string, string | number>>;
type Entry = (p: Params) => string[];

const money = (p: Params, key: string): string => formatMinor(Number(p[key] ?? 0), String(p.currency ?? 'CNY'));

/**
 * Screen texts. English fits a 20x4 HD44780 (ASCII only); Chinese fits a 128x64 ST7920 (8 hanzi a line)
 * and stays short and plain for elderly readers. Each entry returns at most four lines.
 */
export const CATALOGUE: Readonly<Record<Locale, Readonly<Record<ScreenId, Entry>>>> = {
  en: {
    'welcome': () => ['Welcome', 'Scan the barcode', 'on your bill'],
    'looking-up': () => ['Looking up bill...', 'Please wait'],
    'bill-not-found': () => ['Bill not found', 'Check the barcode', 'or ask for help'],
    'service-unavailable': () => ['Service unavailable', 'No money was taken', 'Try again later'],
    'bill': (p) => [String(p.biller ?? ''), `Acct ${String(p.account ?? '')}`, `Due ${money(p, 'due')}`, p.tenders === 'cash' ? 'CASH=pay CANCEL=end' : 'CASH, CARD or QR'],
    'insert-cash': (p) => [`Due  ${money(p, 'due')}`, `Paid ${money(p, 'paid')}`, 'Insert notes', 'No change given'],
    'note-returned': () => ['Note returned', 'Please take it'],
    'more-time': () => ['Need more time?', 'Press MORE TIME', 'or CANCEL'],
    'posting': () => ['Processing payment', 'Please wait'],
    'printing': () => ['Printing receipt', 'Please wait'],
    'thank-you': (p) => thankYouEn(p),
    'cancelled': () => ['Cancelled', 'No money was taken'],
    'out-of-service': (p) => outOfServiceEn(String(p.reason ?? '')),
    'collect-collector': (p) => ['Cash collected', `${money(p, 'total')} ${String(p.notes ?? 0)} notes`, 'Scan collector badge'],
    'collect-seal': () => ['Scan the bag seal'],
    'collect-done': () => ['Collection recorded', 'Slip printed', 'Close the door'],
    'card-wait': (p) => [`Due ${money(p, 'due')}`, String(p.text ?? 'Present your card'), 'on the card reader'],
    'wallet-wait': (p) => [`Due ${money(p, 'due')}`, String(p.text ?? 'Paying with wallet'), 'Please wait'],
    'card-declined': () => ['Payment declined', 'No money was taken', 'Try another way'],
    'card-reversing': () => ['Cancelling payment', 'Please wait'],
  },
  'zh-CN': {
    'welcome': () => ['欢迎使用', '请扫描账单条码'],
    'looking-up': () => ['正在查询账单', '请稍候'],
    'bill-not-found': () => ['未找到账单', '请检查条码'],
    'service-unavailable': () => ['暂停服务', '未收取任何款项', '请稍后再试'],
    'bill': (p) => [String(p.biller ?? ''), `户号${String(p.account ?? '')}`, `应缴${money(p, 'due')}`, p.tenders === 'cash' ? '按现金键付款' : '现金/刷卡/扫码'],
    'insert-cash': (p) => [`应缴${money(p, 'due')}`, `已付${money(p, 'paid')}`, '请放入纸币', '本机不找零'],
    'note-returned': () => ['纸币已退回', '请取回纸币'],
    'more-time': () => ['需要更多时间吗', '请按延时键', '或按取消键'],
    'posting': () => ['正在缴费', '请稍候'],
    'printing': () => ['正在打印凭条', '请稍候'],
    'thank-you': (p) => thankYouZh(p),
    'cancelled': () => ['已取消', '未收取任何款项'],
    'out-of-service': (p) => outOfServiceZh(String(p.reason ?? '')),
    'collect-collector': (p) => ['已清机', `${money(p, 'total')}元`, `${String(p.notes ?? 0)}张`, '请扫清机员工牌'],
    'collect-seal': () => ['请扫封包条码'],
    'collect-done': () => ['清机已记录', '凭条已打印', '请关好机门'],
    'card-wait': (p) => [`应缴${money(p, 'due')}`, String(p.text ?? '请刷卡或插卡'), '按密码键盘提示操作'],
    'wallet-wait': (p) => [`应缴${money(p, 'due')}`, String(p.text ?? '正在扫码支付'), '请稍候'],
    'card-declined': () => ['支付未成功', '未收取任何款项', '请换其他方式'],
    'card-reversing': () => ['正在撤销支付', '请稍候'],
  },
};

function thankYouEn(p: Params): string[] {
  switch (p.outcome) {
    case 'paid': return ['Paid. Thank you!', `Paid ${money(p, 'paid')}`, p.surplus ? `Credit ${money(p, 'surplus')}` : 'Take your receipt', 'Next bill? Scan it'];
    case 'paid-partially': return ['Partly paid', `Paid ${money(p, 'paid')}`, 'Take your receipt'];
    case 'pending': return ['Payment received', 'Biller not reached', 'Will be sent later', 'Keep your receipt'];
    case 'needs-refund': return ['Refund needed', `Tx ${String(p.txId ?? '')}`, `Call ${String(p.hotline ?? '')}`, 'Keep your receipt'];
    default: return ['Cancelled', 'No money was taken'];
  }
}

function thankYouZh(p: Params): string[] {
  switch (p.outcome) {
    case 'paid': return ['缴费成功', `已付${money(p, 'paid')}`, p.surplus ? `预存${money(p, 'surplus')}` : '请取凭条', '可扫下一张账单'];
    case 'paid-partially': return ['部分缴费', `已付${money(p, 'paid')}`, '请取凭条'];
    case 'pending': return ['已收款', '缴费稍后提交', '请保留凭条'];
    case 'needs-refund': return ['需退款', `单号${String(p.txId ?? '')}`, `客服${String(p.hotline ?? '')}`, '请保留凭条'];
    default: return ['已取消', '未收取任何款项'];
  }
}

/** Why the terminal refuses customers, in words a customer understands (the reason code stays in logs). */
function outOfServiceEn(reason: string): string[] {
  if (reason === 'door-open') return ['Maintenance', 'in progress', 'Please wait'];
  if (reason === 'shutting-down') return ['Restarting', 'Please wait'];
  if (reason.startsWith('receiptPrinter-')) return ['Out of service', 'Receipt printer', 'not ready', 'No payment possible'];
  if (reason.startsWith('billValidator-') || reason === 'no-tender') return ['Out of service', 'Cash acceptor', 'not ready'];
  if (reason.startsWith('scanner-')) return ['Out of service', 'Barcode reader', 'not ready'];
  if (reason === 'operator') return ['Out of service', 'Closed by the', 'operator'];
  return ['Out of service', 'Sorry for the', 'inconvenience'];
}

function outOfServiceZh(reason: string): string[] {
  if (reason === 'door-open') return ['设备维护中', '请稍候'];
  if (reason === 'shutting-down') return ['系统重启中', '请稍候'];
  if (reason.startsWith('receiptPrinter-')) return ['暂停服务', '凭条打印机故障', '暂不能缴费'];
  if (reason.startsWith('billValidator-') || reason === 'no-tender') return ['暂停服务', '纸币识别器故障'];
  if (reason.startsWith('scanner-')) return ['暂停服务', '扫码器故障'];
  return ['暂停服务', '敬请谅解'];
}
