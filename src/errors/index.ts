export { ERROR_CODES, type ErrorCode } from './codes.js';
export { KioskError, isKioskError, toKioskError, type KioskErrorOptions } from './kiosk-error.js';
