export { transition, initialState, maskAccount } from './transition.js';
export type {
  BillInfo, FsmConfig, FsmEffect, FsmEvent, FsmState, FsmStateName, JournalRecord, JournalRecordType, OpenTx, Outcome,
  Screen, ScreenId, Tender, Tenders, ElectronicTender, AuthOutcome, TimerName, Transition,
} from './types.js';
