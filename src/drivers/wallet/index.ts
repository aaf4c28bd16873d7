export {
  DEFAULT_PAYMENT_CODE_RULES, WALLET_NAMES, classifyPaymentCode, maskPaymentCode, paymentCodeLast4,
  type WalletName, type WalletKind, type PaymentCodeRule, type PaymentCodeRules, type PaymentCodeMatch,
} from './payment-code.js';
export {
  WALLET_ORDER_STATUSES, decodeOrderReply, decodeHealthReply, parseJsonText, safeReason,
  type WalletOrder, type WalletOrderStatus, type WalletHealth, type OrderExpectation,
} from './replies.js';
export { WalletTender, WALLET_PROMPTS, type WalletTenderOptions, type WalletTxState } from './tender.js';
export { WalletConfigSchema, createWalletTender, type WalletConfig, type WalletContext } from './config.js';
