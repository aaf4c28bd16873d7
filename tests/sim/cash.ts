/**
 * The bill validator of the simulated kiosk, chosen by name: the HAL-level fake, or a real driver (SSP or
 * ID-003) talking its wire protocol over a SerialPortMock port to the independent device simulator.
 * `CashSim` is what a person at the kiosk (or a test) does with it.
 */
import type { Logger } from 'pino';
import type { KioskConfig } from '../../src/config/index.js';
import { systemClock, systemTimers, type BillValidator, type Clock, type Timers } from '../../src/hal/index.js';
import { buildBillValidator } from '../../src/runtime/devices.js';
import type { FakeBillValidator } from './fakes/index.js';
import { Id003Simulator } from './id003/index.js';
import { attachToMockPort, unplugMockPort } from './serial/mock-bridge.js';
import { SspValidatorSim } from './ssp/index.js';

export type CashKind = 'fake' | 'ssp' | 'id003';

export interface CashSim {
  readonly kind: CashKind;
  readonly validator: BillValidator;
  /** Feeds a note; false when the device would not even draw it in (disabled, inhibited, jammed…). */
  insert(value: number): Promise<boolean>;
  /** Values the device itself recorded as stacked into its cash box: the truth outside kioskd. */
  stacked(): number[];
  unplug(): Promise<void>;
  replug(): Promise<void>;
  pluggedIn(): boolean;
}

let ports = 0;

/** The config block the runtime should see for this kind (a mock serial port for the wire simulators). */
export function cashConfig(kind: CashKind): { path: string; block: KioskConfig['devices']['billValidator'] } {
  const path = `/dev/sim/validator-${process.pid}-${++ports}`;
  const port = { path, baudRate: 9600, binding: 'mock' as const };
  switch (kind) {
    case 'fake': return { path, block: { driver: 'fake' } };
    case 'ssp': return { path, block: { driver: 'ssp', port, encryption: true, pollMs: 200 } };
    case 'id003': return { path, block: { driver: 'id003', port, pollMs: 200 } };
  }
}

export function fakeCash(v: FakeBillValidator): CashSim {
  return {
    kind: 'fake', validator: v,
    async insert(value) { return (await v.insert(value)) === 'escrow'; },
    stacked: () => [],
    async unplug() { v.unplug(); },
    async replug() { v.replug(); },
    pluggedIn: () => v.isPluggedIn(),
  };
}

/** Attaches the named wire simulator to a mock port and builds the real driver for it. */
export interface WireSimOptions {
  /** SSP only: the device's lifetime stacked-note counter at power-up. */
  readonly stackedCounter?: number;
}

export function wireCash(kind: 'ssp' | 'id003', cfg: KioskConfig, path: string, logger: Logger, clock: Clock = systemClock, timers: Timers = systemTimers, o: WireSimOptions = {}): CashSim {
  const sim = kind === 'ssp'
    ? new SspValidatorSim({ clock, timers, ...(o.stackedCounter !== undefined ? { stackedCounter: o.stackedCounter } : {}) })
    : new Id003Simulator({ clock, timers });
  attachToMockPort(path, sim);
  const validator = buildBillValidator(cfg.devices.billValidator, { clock, timers, logger, currency: cfg.terminal.currency });
  let plugged = true;
  return {
    kind, validator,
    async insert(value) { return sim.insert(value, { genuine: true }); },
    stacked: () => sim.stackedNotes().map((n) => n.value),
    async unplug() { plugged = false; sim.setSilent(true); await unplugMockPort(path); },
    async replug() { plugged = true; sim.setSilent(false); },
    pluggedIn: () => plugged,
  };
}
