export { sspCrc16 } from './crc.js';
export { STX, encodeFrame, seqIdByte, FrameDecoder, type SspFrame, type DecodeItem } from './frame.js';
export { SSP_CMD, SSP_RESP, STEX, type SspResponseName } from './constants.js';
export * as sspCommands from './commands.js';
export {
  decodeReply, parseSetup, parseSerial, parseAscii, parseCounters, parseKeyReply, parseRejectCode, rejectReason,
  type SspReply, type SspSetup, type SspChannel, type SspCounters,
} from './replies.js';
export { parsePollReply, SSP_EVENTS, type SspEvent, type SspEventName, type PollResult } from './events.js';
export {
  modPow, isPrime64, startKeyExchange, finishKeyExchange, esspKey, encryptPacket, decryptPacket, DEFAULT_FIXED_KEY,
  type HostKeyExchange, type DecryptedPacket, type RandomSource,
} from './essp.js';
export { SspSession, type SspSessionOptions } from './session.js';
export { SspValidator, type SspValidatorOptions, type SspValidatorEvents } from './validator.js';
