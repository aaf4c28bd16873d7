import { existsSync, readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/runtime/logger.js';
import { insertNote, startSimKiosk, type SimKiosk } from '../sim/harness.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../sim/launcher/broker.js';
import { TEST_PANS } from '../sim/zvt/index.js';

let sim: SimKiosk | undefined;
let broker: EmbeddedBroker | undefined;
let sub: MqttClient | undefined;
afterEach(async () => { await sub?.endAsync(true); await sim?.close(); await broker?.stop(); sim = undefined; broker = undefined; sub = undefined; });

/** Every way a PAN could appear: digits, grouped, BCD hex (F-padded), base64 of the BCD and of the text. */
function needles(pan: string): string[] {
  const groups = pan.match(/.{1,4}/g)!;
  const bcdHex = pan.length % 2 ? `${pan}f` : pan;
  const bcd = Buffer.from(bcdHex, 'hex');
  return [...new Set([
    pan, groups.join(' '), groups.join('-'), bcdHex, bcdHex.toUpperCase(), bcd.toString('base64'), Buffer.from(pan).toString('base64'),
    Buffer.from(pan).toString('hex'), [...bcd].join(','),
  ])];
}

describe('a leaky card terminal: its PANs appear nowhere kioskd writes', () => {
  it('logs (trace), journal and outbox (the SQLite files), MQTT payloads, receipts and screens stay free of card numbers', async () => {
    broker = await startEmbeddedBroker({ port: 0 });
    const mqttSeen: string[] = [];
    sub = await connectAsync(broker.url, { protocolVersion: 4 });
    sub.on('message', (topic, payload) => mqttSeen.push(`${topic} ${payload.toString('utf8')}`, payload.toString('base64')));
    await sub.subscribeAsync('kiosk/v1/#', { qos: 1 });
    const logs: string[] = [];
    const logger = createLogger({ level: 'trace', destination: new Writable({ write(c: Buffer, _e, cb) { logs.push(c.toString('utf8')); cb(); } }) });
    let n = 0;
    sim = await startSimKiosk({
      card: 'zvt', zvtSim: { leaky: true }, logger, newTxId: () => `LEAK-${++n}`,
      overrides: { telemetry: { brokers: [{ url: broker.url, protocolVersion: 4 }], heartbeatMs: 1_000 } },
    });
    const { kiosk, journal } = sim.runtime;
    const screens: string[] = [];
    kiosk.on('screen', ({ frame }) => screens.push(frame.lines.join('|')));
    await sim.runtime.start();
    await vi.waitFor(() => expect(sim!.runtime.kiosk.devices.cardPayment?.status().state).toBe('online'), { timeout: 15_000 });
    // One bill per payment: a paid bill has nothing left to pay.
    const bills = sim.biller.sampleBarcodes().filter((b) => b.kind === 'bill').map((b) => b.code);
    const payByCard = async (): Promise<string> => {
      sim!.devices.scanner.scan(bills.shift()!);
      await vi.waitFor(() => expect(kiosk.state().name).toBe('bill-shown'));
      const st = kiosk.state();
      const txId = 'tx' in st ? st.tx.txId : '';
      sim!.devices.panel.press('card');
      await vi.waitFor(() => expect(journal.transaction(txId)?.state).toBe('closed'), { timeout: 30_000 });
      await kiosk.settle();
      await vi.waitFor(() => expect(['idle', 'done']).toContain(kiosk.state().name), { timeout: 15_000 });
      return txId;
    };
    const paid = await payByCard(); // approved, posted, booked
    sim.zvt!.setMode('decline');
    const declined = await payByCard();
    sim.zvt!.setMode('approve');
    sim.biller.setMode('refuse');
    const refused = await payByCard(); // approved, biller refuses, card reversed
    sim.biller.setMode('ok');
    // And a cash payment in the same run, so the journal holds both kinds.
    sim.devices.scanner.scan(bills.shift()!);
    await vi.waitFor(() => expect(kiosk.state().name).toBe('bill-shown'));
    sim.devices.panel.press('cash');
    await kiosk.settle();
    await insertNote(sim, 5_000);

    expect(journal.transaction(paid)).toMatchObject({ outcome: 'paid', tender: 'card' });
    // Positive control: the card number did pass through the driver (its last four survived, nothing more).
    expect(TEST_PANS.map((p) => p.slice(-4))).toContain(journal.transaction(paid)!.last4);
    expect(journal.transaction(declined)).toMatchObject({ outcome: 'cancelled' });
    expect(journal.transaction(refused)).toMatchObject({ outcome: 'cancelled', paid: 0 });
    await vi.waitFor(() => expect(sim!.runtime.telemetry!.status().outboxDepth).toBe(0), { timeout: 15_000 });
    await vi.waitFor(() => expect(mqttSeen.some((m) => m.includes(paid))).toBe(true));

    await sim.runtime.telemetry?.stop();
    const dbPath = sim.config.journal.path;
    const files = [dbPath, `${dbPath}-wal`].filter(existsSync).map((p) => readFileSync(p));
    const corpus: [string, string][] = [
      ['logs', logs.join('')],
      ['journal+outbox (sqlite bytes as latin1)', files.map((b) => b.toString('latin1')).join('')],
      ['journal+outbox (sqlite bytes as hex)', files.map((b) => b.toString('hex')).join('')],
      ['mqtt', mqttSeen.join('\n')],
      ['receipts', sim.devices.receiptPrinter.printed.map((r) => r.join('\n')).join('\n')],
      ['screens', screens.join('\n')],
    ];
    expect(logs.length).toBeGreaterThan(50);
    expect(sim.devices.receiptPrinter.lastText()).toBeDefined();
    for (const pan of TEST_PANS) {
      for (const needle of needles(pan)) {
        for (const [where, text] of corpus) {
          expect(text.includes(needle), `${pan} as "${needle}" found in ${where}`).toBe(false);
        }
      }
    }
  });
});
