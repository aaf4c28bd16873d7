import type { Logger } from 'pino';
import type { KioskConfig } from '../config/index.js';
import { Id003Validator } from '../drivers/id003/index.js';
import { SerialLink } from '../drivers/serial/index.js';
import { SspValidator } from '../drivers/ssp/index.js';
import { KioskError } from '../errors/index.js';
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
 * Every device the configuration names. Only the bill validator has hardware drivers so far; the other
 * roles' drivers arrive with the receipts/scanner/display issue, and until then only the simulated kiosk
 * can supply them — kioskd says so as a configuration error rather than starting half a terminal.
 */
export function buildDevices(config: KioskConfig, ctx: DeviceContext): KioskDevices {
  const issues = (['scanner', 'printer', 'display', 'panel'] as const)
    .filter((role) => config.devices[role].driver === 'fake')
    .map((role) => simOnly(`devices.${role}`));
  if (config.devices.billValidator.driver === 'fake') issues.unshift(simOnly('devices.billValidator'));
  if (issues.length) {
    throw new KioskError('KIOSK_E_CONFIG_INVALID', 'configured drivers are not available in kioskd', {
      details: { issues: issues.flatMap((e) => (e.details.issues as unknown[])) },
    });
  }
  // The schema admits only `fake` for those roles today, so this line is reached once their drivers exist.
  void ctx;
  throw new KioskError('KIOSK_E_INTERNAL', 'no hardware drivers for scanner, printer, display and panel yet');
}
