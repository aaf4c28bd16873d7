import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { run } from '../../src/cli/run.js';
import { MAX_REQUEST_BYTES, startControlSocket, type ControlSocket } from '../../src/runtime/control-socket.js';
import { localDay } from '../../src/runtime/local-day.js';
import { insertNote, startSimKiosk, type SimKiosk } from '../sim/harness.js';

const dir = mkdtempSync(join(tmpdir(), 'kioskctl-ctl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
let sim: SimKiosk;
let control: ControlSocket;
let sock: string;

beforeEach(async () => {
  sim = await startSimKiosk();
  await sim.runtime.kiosk.start();
  sock = join(dir, `c${++n}.sock`);
  control = await startControlSocket({ path: sock, kiosk: sim.runtime.kiosk, logger: pino({ level: 'silent' }) });
});
afterEach(async () => { await control.close(); await sim.close(); });

/** Raw lines to the socket; resolves with every response line received before the server closes or `count` arrive. */
function raw(payload: string, count: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const c = createConnection(sock);
    let buf = '';
    c.setEncoding('utf8');
    c.on('data', (d: string) => { buf += d; const lines = buf.split('\n').filter(Boolean); if (lines.length >= count) { c.destroy(); resolve(lines); } });
    c.on('close', () => resolve(buf.split('\n').filter(Boolean)));
    c.on('error', reject);
    c.write(payload);
  });
}

describe('control socket + kioskctl', () => {
  it('status, service out/in and exit codes follow the service state; the socket is mode 0660', async () => {
    expect(statSync(sock).mode & 0o777).toBe(0o660);
    const st = await run(['status', '--socket', sock, '--json']);
    expect(st.code).toBe(0);
    expect(st.json).toMatchObject({ service: 'in-service', fsm: 'idle', devices: { billValidator: { state: 'online' } } });
    const out = await run(['service', 'out', '--socket', sock]);
    expect(out.code).toBe(0);
    expect(out.text).toContain('out-of-service');
    const st2 = await run(['status', '--socket', sock]);
    expect(st2.code).toBe(1);
    expect(st2.text).toContain('operator');
    expect((await run(['service', 'in', '--socket', sock])).code).toBe(0);
    expect((await run(['status', '--socket', sock])).code).toBe(0);
    expect((await run(['service', 'sideways', '--socket', sock])).code).toBe(64);
  });

  it('reprint, cash collect with collector and seal, settle: through the running kiosk', async () => {
    const k = sim.runtime.kiosk;
    expect((await run(['reprint', '--socket', sock, '--json'])).json).toEqual({ printed: false, reason: 'no-such-transaction' });
    sim.devices.scanner.scan(sim.biller.sampleBarcodes().find((b) => b.account === '000123456789' && b.kind === 'bill')!.code);
    await vi.waitFor(() => expect(k.state().name).toBe('bill-shown'));
    sim.devices.panel.press('cash');
    await k.settle();
    for (const v of [2_000, 2_000, 1_000]) await insertNote(sim, v);
    await vi.waitFor(() => expect(k.state().name).toBe('done'));
    const re = await run(['reprint', '--socket', sock]);
    expect(re.code).toBe(0);
    expect(sim.devices.receiptPrinter.lastText()).toContain('COPY');

    const c = await run(['cash', 'collect', '--collector', 'EMP-0042', '--seal', 'SEAL-1234', '--socket', sock, '--json']);
    expect(c.code).toBe(0);
    expect(c.json).toMatchObject({ total: 5_000, notes: 3, slip: { printed: true } });
    const id = (c.json as { collectionId: string }).collectionId;
    expect(sim.runtime.journal.collection(id)).toMatchObject({ collectorId: 'EMP-0042', sealNumber: 'SEAL-1234', reason: 'operator' });
    expect((await run(['cash', 'collect', '--collector', 'EMP-1', '--socket', sock])).code).toBe(64);

    const day = localDay(Date.now());
    const s = await run(['settle', '--day', day, '--socket', sock, '--json']);
    expect([0, 1]).toContain(s.code);
    expect(s.json).toMatchObject({ day, journalTotal: 5_000, journalPostings: 1 });
    expect((await run(['settle', '--day', '2025-13-45', '--socket', sock])).code).toBe(64);
  });

  it('malformed, unknown and oversized requests get an error line and kioskd keeps serving', async () => {
    const lines = await raw('not json\n{"id":7,"method":"format-disk"}\n{"method":"status"}\n{"id":"x","method":"service","params":{"inService":"yes"}}\n{"id":8,"method":"status"}\n', 5);
    const r = lines.map((l) => JSON.parse(l) as { id: unknown; ok: boolean; error?: { code: string } });
    expect(r.map((x) => [x.id, x.ok, x.error?.code])).toEqual([
      [null, false, 'bad-request'], [7, false, 'unknown-method'], [null, false, 'bad-request'], ['x', false, 'bad-params'], [8, true, undefined],
    ]);
    const big = await raw(`{"id":1,"method":"status","pad":"${'x'.repeat(MAX_REQUEST_BYTES + 10)}`, 1);
    expect(JSON.parse(big[0]!)).toMatchObject({ ok: false, error: { code: 'too-large' } });
    expect((await run(['status', '--socket', sock])).code).toBe(0);
  });

  it('kioskd not running: exit 69 with a clear message, no stack trace', async () => {
    const r = await run(['status', '--socket', join(dir, 'nobody-here.sock')]);
    expect(r.code).toBe(69);
    expect(r.text).toContain('kioskd is not running');
    expect(r.text).not.toMatch(/\n\s+at /);
    expect((await run(['reprint', '--socket', join(dir, 'nobody-here.sock')])).code).toBe(69);
    expect((await run(['cash', 'collect', '--socket', join(dir, 'nobody-here.sock')])).code).toBe(69);
  });
});
