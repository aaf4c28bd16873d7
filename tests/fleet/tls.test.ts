import { readFileSync, rmSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock, systemTimers } from '../../src/hal/index.js';
import { consumer, openTerminal } from './harness.js';
import { haveMosquitto, startMosquitto } from './mosquitto.js';
import { makeTestPki } from './tls.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

describe.runIf(haveMosquitto())('real broker: TLS with client certificates', () => {
  it('connects with the configured CA, certificate and key, and delivers; a certificate the broker does not trust keeps retrying without throwing', async () => {
    const pki = makeTestPki('K1');
    cleanups.push(() => rmSync(pki.dir, { recursive: true, force: true }));
    const mosq = await startMosquitto({ tls: { caFile: pki.ca, certFile: pki.serverCert, keyFile: pki.serverKey } });
    cleanups.push(() => mosq.dispose());
    const tlsOpts = { ca: readFileSync(pki.ca), cert: readFileSync(pki.clientCert), key: readFileSync(pki.clientKey) };
    const c = await consumer(mosq.url, ['kiosk/v1/north/K1/#'], tlsOpts);
    cleanups.push(() => c.close());

    const good = openTerminal({
      brokers: [{ url: mosq.url, protocolVersion: 5, caFile: pki.ca, certFile: pki.clientCert, keyFile: pki.clientKey }],
      clock: systemClock, timers: systemTimers,
    });
    cleanups.push(() => good.close());
    await vi.waitFor(() => expect(good.publisher.status().connected).toBe(true), { timeout: 10_000 });
    good.pay('TLS-1');
    await vi.waitFor(() => expect(c.unique.map((r) => r.env.data['txId'])).toEqual(['TLS-1']), { timeout: 10_000 });

    const stranger = openTerminal({
      terminal: 'K9',
      brokers: [{ url: mosq.url, protocolVersion: 4, caFile: pki.ca, certFile: pki.strangerCert, keyFile: pki.strangerKey }],
      clock: systemClock, timers: systemTimers,
    });
    cleanups.push(() => stranger.close());
    stranger.pay('NOPE-1');
    await vi.waitFor(() => expect(stranger.publisher.status().lastError).toBeDefined(), { timeout: 10_000 });
    await new Promise((r) => setTimeout(r, 500));
    expect(stranger.publisher.status()).toMatchObject({ connected: false, outboxDepth: 1 });
    await c.settle();
    expect(c.nonConforming).toEqual([]);
  }, 30_000);
});
