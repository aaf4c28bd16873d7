import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fleet } from '../../src/cli/fleet/index.js';
import { run } from '../../src/cli/run.js';
import { systemClock, systemTimers } from '../../src/hal/index.js';
import { openTerminal } from './harness.js';
import { haveMosquitto, startMosquitto, type Mosquitto } from './mosquitto.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

async function broker(): Promise<Mosquitto> {
  const m = await startMosquitto();
  cleanups.push(() => m.dispose());
  return m;
}

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'kioskctl-fleet-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

describe('kioskctl fleet (no broker needed)', () => {
  it('is reachable from the kioskctl dispatcher and says what is wrong with exit 64', async () => {
    expect((await run(['fleet', '--help'])).text).toContain('fleet send T CMD');
    expect((await run(['fleet', 'frobnicate'])).code).toBe(64);
    expect((await fleet(['send', 'K1', 'reboot', '--fleet', 'north'])).code).toBe(64);
    expect((await fleet(['send', 'K1', 'reboot', '--key', '/nonexistent', '--fleet', 'north'])).code).toBe(66);
    expect((await fleet(['watch', '--mqtt', '7'])).code).toBe(64);
  });
});

describe.runIf(haveMosquitto())('kioskctl fleet against a real broker', () => {
  it('status shows each terminal online with its alarms and paper; send signs, and the reply says how it went', async () => {
    const mosq = await broker();
    const dir = tmp();
    const gen = await fleet(['keygen', '--out', join(dir, 'ops.pem'), '--key-id', 'ops', '--json']);
    expect(gen.code).toBe(0);
    const publicKey = (gen.json as { publicKey: { id: string; key: string } }).publicKey;
    const t = openTerminal({
      brokers: [{ url: mosq.url, protocolVersion: 5 }], clock: systemClock, timers: systemTimers,
      commands: { enabled: true, publicKeys: [publicKey], maxCommandBytes: 8192, maxNonces: 1000 },
    });
    cleanups.push(() => t.close());
    await vi.waitFor(() => expect(t.publisher.status().connected).toBe(true), { timeout: 10_000 });
    t.kiosk.device('receiptPrinter', { state: 'error', reason: 'paper-out', text: 'paper out' });
    await vi.waitFor(() => expect(t.outbox.size()).toBe(0), { timeout: 10_000 });

    const status = await fleet(['status', '--url', mosq.url, '--wait', '800', '--json']);
    expect(status.code).toBe(0);
    const rows = (status.json as { terminals: Record<string, unknown>[] }).terminals;
    expect(rows).toEqual([expect.objectContaining({ fleet: 'north', terminal: 'K1', online: true, service: 'in-service', paper: 'error/paper-out' })]);
    // The alarm was delivered before the console came: the live table shows retained state; the feed shows what arrives.
    const text = await fleet(['status', '--url', mosq.url, '--wait', '300']);
    expect(text.text).toMatch(/north\/K1\s+yes\s+in-service/);

    const sent = await fleet(['send', 'K1', 'out-of-service', '--key', join(dir, 'ops.pem'), '--key-id', 'ops', '--fleet', 'north', '--url', mosq.url, '--mqtt', '5', '--wait', '8000', '--json']);
    expect(sent).toMatchObject({ code: 0, json: { reply: { status: 'ok', name: 'out-of-service' } } });
    expect(t.kiosk.calls).toEqual(['out-of-service']);
    const diag = await fleet(['send', 'K1', 'diagnostics', '--key', join(dir, 'ops.pem'), '--fleet', 'north', '--url', mosq.url, '--wait', '8000', '--json']);
    expect(diag.json).toMatchObject({ reply: { status: 'ok', result: { health: { cpuTempC: 48.5 }, alarms: [{ alarm: 'paper-out' }] } } });

    const stranger = join(dir, 'stranger.pem');
    await fleet(['keygen', '--out', stranger]);
    const refused = await fleet(['send', 'K1', 'reboot', '--key', stranger, '--fleet', 'north', '--url', mosq.url, '--wait', '8000', '--json']);
    expect(refused).toMatchObject({ code: 1, json: { reply: { status: 'refused', reason: 'bad-signature' } } });
  }, 40_000);

  it('--share GROUP: two consoles split the event stream between them, each still sees the retained state', async () => {
    const mosq = await broker();
    const t = openTerminal({ brokers: [{ url: mosq.url, protocolVersion: 4 }], clock: systemClock, timers: systemTimers });
    cleanups.push(() => t.close());
    await vi.waitFor(() => expect(t.publisher.status().connected).toBe(true), { timeout: 10_000 });
    const lines: [string[], string[]] = [[], []];
    const watchers = lines.map((out) => fleet(['watch', '--url', mosq.url, '--mqtt', '5', '--share', 'ops', '--for', '3000', '--json'], { write: (s) => { out.push(s); } }));
    await new Promise((r) => setTimeout(r, 700));
    for (let i = 1; i <= 40; i++) t.pay(`SH-${i}`);
    const results = await Promise.all(watchers);
    const events = lines.map((out) => out.map((l) => JSON.parse(l) as { topic: string; envelope: { class: string; data: Record<string, unknown> } })
      .filter((m) => m.envelope.class === 'transaction').map((m) => String(m.envelope.data['txId'])));
    expect(events[0]!.length).toBeGreaterThan(0);
    expect(events[1]!.length).toBeGreaterThan(0);
    expect(events[0]!.filter((x) => events[1]!.includes(x))).toEqual([]);
    expect(new Set([...events[0]!, ...events[1]!]).size).toBe(40);
    for (const r of results) expect((r.json as { terminals: { online: boolean }[] }).terminals[0]).toMatchObject({ online: true });
  }, 40_000);
});
