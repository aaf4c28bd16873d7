/**
 * What a person at the simulated kiosk does, as code: the terminal UI and the web panel both call these,
 * so a key press and a click drive the simulators the same way.
 */
import { toKioskError } from '../../../src/errors/index.js';
import { formatMinor } from '../../../src/money/index.js';
import { insertNote, type SimKiosk } from '../harness.js';
import type { EmbeddedBroker } from './broker.js';
import type { Action } from './keys.js';

export interface ActionContext {
  readonly sim: SimKiosk;
  readonly broker: EmbeddedBroker;
  /** One line for the event stream ("insert 10.00", "paper ran out"). */
  readonly log: (line: string) => void;
  /** The terminal UI's receipt pane; other front ends ignore the action. */
  readonly toggleReceipt?: () => void;
  readonly quit: () => Promise<void>;
}

export type Act = (a: Action) => Promise<void>;

/** Performs one action at once. */
export function createActor(ctx: ActionContext): Act {
  const { sim, broker, log } = ctx;
  const currency = sim.config.terminal.currency;
  return async (a) => {
    switch (a.kind) {
      case 'scan': log(`scan: ${a.sample.label}`); sim.devices.scanner.scan(a.sample.code); return;
      case 'note': {
        log(`insert ${formatMinor(a.value, currency)}`);
        const r = await insertNote(sim, a.value);
        if (r !== 'escrow') log(`note ${formatMinor(a.value, currency)} not taken: ${r}`);
        return;
      }
      case 'button': sim.devices.panel.press(a.button); return;
      case 'door': sim.devices.panel.setDoor(!sim.devices.panel.doorOpen()); return;
      case 'unplug': {
        const c = sim.cash;
        if (c.pluggedIn()) { await c.unplug(); log('validator unplugged'); } else { await c.replug(); log('validator plugged in'); }
        return;
      }
      case 'paper': {
        const p = sim.devices.receiptPrinter;
        const out = p.status().reason === 'paper-out';
        p.setPaper(out ? 'ok' : 'out');
        log(out ? 'paper loaded' : 'paper ran out');
        return;
      }
      case 'broker':
        if (broker.running()) { await broker.stop(); log('broker stopped'); } else { await broker.start(); log('broker started'); }
        return;
      case 'receipt': ctx.toggleReceipt?.(); return;
      case 'cashbox': {
        const v = sim.devices.billValidator;
        if (sim.cash.kind !== 'fake') { log('cash box removal is simulated with the fake validator only'); return; }
        if (v.status().reason === 'cashbox-removed') { v.replaceCashbox(); log('cash box replaced'); } else { v.removeCashbox(); log('cash box removed'); }
        return;
      }
      case 'jam': {
        const v = sim.devices.billValidator;
        if (sim.cash.kind !== 'fake') { log('a jam is simulated with the fake validator only'); return; }
        if (v.status().reason === 'jam') { v.clearJam(); log('jam cleared'); } else { v.jam(true); log('note jammed in the validator'); }
        return;
      }
      case 'badge': log(`scan: ${a.code}`); sim.devices.scanner.scan(a.code); return;
      case 'code': log(`scan: ${a.code}`); sim.devices.scanner.scan(a.code); return;
      case 'card': {
        // The card tender is not in the FSM yet: answer a waiting authorization if there is one, else set
        // how the module will answer the next one.
        const card = sim.devices.cardPayment;
        const held = card.heldRequest();
        if (held) { card.release(a.decision); log(`card presented: ${a.decision} (ref ${held.ref})`); return; }
        card.setMode(a.decision);
        log(`card presented (${a.decision}): the kiosk has asked for no card payment`);
        return;
      }
      case 'quit': await ctx.quit(); return;
    }
  };
}

/**
 * Runs actions one after another, as one person at the kiosk acts: a note is inserted only after the
 * previous one was credited or returned, so scripted input behaves the same on every machine. `quit`
 * jumps the queue. The returned promise settles when this action (and the kiosk after it) has settled.
 */
export function createActionQueue(act: Act, sim: SimKiosk, onError: (code: string) => void): Act {
  let queue: Promise<void> = Promise.resolve();
  return (a) => {
    if (a.kind === 'quit') return act(a);
    const run = queue.then(() => act(a)).then(() => sim.runtime.kiosk.settle()).catch((err: unknown) => onError(toKioskError(err).code));
    queue = run;
    return run;
  };
}
