import type { Logger } from 'pino';
import type { KioskConfig } from '../config/index.js';
import { Id003Validator } from '../drivers/id003/index.js';
import { SerialLink } from '../drivers/serial/index.js';
import { SspValidator } from '../drivers/ssp/index.js';
import { KioskError } from '../errors/index.js';
import { createEscposPrinter } from '../drivers/escpos/index.js';
import { createDisplay } from '../drivers/hd44780/index.js';
import { createHidScanner } from '../drivers/hid-scanner/index.js';
import { createPanel } from '../drivers/io-board/index.js';
import { createSerialScanner } from '../drivers/serial-scanner/index.js';
import { createWalletTender } from '../drivers/wallet/index.js';
import { createZvtTerminal } from '../drivers/zvt/index.js';
import type { BillValidator, Clock, Timers } from '../hal/index.js';
import type { KioskDevices } from './kiosk.js';

export interface DeviceContext {
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  readonly currency: string;
}

type ValidatorConfig = KioskConfig['devices']['billValidator'];

/** Builds the bill validator the configuration names, over the configured serial port. */
export function buildBillValidator(cfg: ValidatorConfig, ctx: DeviceContext): BillValidator {
  const logger = ctx.logger.child({ device: 'billValidator', driver: cfg.driver });
  switch (cfg.driver) {
    case 'ssp':
      return new SspValidator({
        id: 'billValidator', clock: ctx.clock, timers: ctx.timers, currency: ctx.currency, pollMs: cfg.pollMs, logger,
        openLink: () => SerialLink.open({ path: cfg.port.path, baudRate: cfg.port.baudRate, binding: cfg.port.binding, stopBits: 2 }),
        encryption: cfg.fixedKey === undefined ? { enabled: cfg.encryption } : { enabled: cfg.encryption, fixedKey: BigInt(`0x${cfg.fixedKey}`) },
      });
    case 'id003':
      return new Id003Validator({
        id: 'billValidator', clock: ctx.clock, timers: ctx.timers, currency: ctx.currency, pollMs: cfg.pollMs, logger,
        // ID-003 runs 9600 baud, 8 data bits, even parity, 1 stop bit.
        openLink: () => SerialLink.open({ path: cfg.port.path, baudRate: cfg.port.baudRate, binding: cfg.port.binding, parity: 'even' }),
      });
    case 'fake':
      throw simOnly('devices.billValidator');
  }
}

/** `fake` drivers are HAL-level stand-ins that live in tests/sim; kioskd itself never loads them. */
export function simOnly(path: string): KioskError {
  return new KioskError('KIOSK_E_CONFIG_INVALID', `${path}.driver "fake" exists only in the simulated kiosk (npm start)`, {
    details: { issues: [{ path: `${path}.driver`, message: 'driver "fake" exists only in the simulated kiosk (npm start); configure a hardware driver' }] },
  });
}

/**
 * Every device the configuration names, built over its transport. `fake` drivers exist only in the
 * simulated kiosk (tests/sim): kioskd lists every role that names one as a configuration error rather
 * than start half a terminal.
 */
export function buildDevices(config: KioskConfig, ctx: DeviceContext): KioskDevices {
  const d = config.devices;
  const fakes = (['billValidator', 'scanner', 'printer', 'display', 'panel'] as const).filter((role) => d[role].driver === 'fake');
  if (fakes.length) {
    throw new KioskError('KIOSK_E_CONFIG_INVALID', 'configured drivers are not available in kioskd', {
      details: { issues: fakes.flatMap((role) => simOnly(`devices.${role}`).details.issues as unknown[]) },
    });
  }
  const common = { clock: ctx.clock, timers: ctx.timers };
  const log = (role: string): Logger => ctx.logger.child({ device: role });
  const scanner = d.scanner.driver === 'serial'
    ? createSerialScanner(d.scanner, { ...common, logger: log('scanner') })
    : d.scanner.driver === 'fake' ? unreachable() : createHidScanner(d.scanner, { ...common, logger: log('scanner') });
  const receiptPrinter = d.printer.driver === 'escpos'
    ? createEscposPrinter(d.printer, { ...common, logger: log('receiptPrinter'), language: config.terminal.locale })
    : unreachable();
  const display = d.display.driver === 'fake' ? unreachable() : createDisplay(d.display, { ...common, logger: log('display') });
  const panel = d.panel.driver === 'fake' ? unreachable() : createPanel(d.panel, { ...common, logger: log('panel') });
  return { billValidator: buildBillValidator(d.billValidator, ctx), scanner, receiptPrinter, display, panel, ...buildElectronicTenders(config, ctx) };
}

/** The card module and the wallet tender the configuration names; absent when it names none (or `fake`). */
export function buildElectronicTenders(config: KioskConfig, ctx: DeviceContext): Pick<KioskDevices, 'cardPayment' | 'wallet'> {
  const d = config.devices;
  const common = { clock: ctx.clock, timers: ctx.timers, currency: ctx.currency };
  const log = (role: string): Logger => ctx.logger.child({ device: role });
  return {
    ...(d.cardPayment.driver === 'zvt' ? { cardPayment: createZvtTerminal(d.cardPayment, { ...common, logger: log('cardPayment') }) } : {}),
    ...(d.wallet.driver === 'wallet' ? { wallet: createWalletTender(d.wallet, { ...common, logger: log('wallet') }) } : {}),
  };
}

function unreachable(): never {
  throw new KioskError('KIOSK_E_INTERNAL', 'fake driver past the configuration check');
}
