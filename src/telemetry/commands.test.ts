import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KioskError } from '../errors/index.js';
import { ManualClock } from '../hal/clock.js';
import { Journal, type SqliteDatabase } from '../ledger/index.js';
import { Outbox } from './outbox.js';
import { canonicalJson, parseCommand, publicKeyBase64, signCommand, signingText, verifySignature, loadPublicKeys, type CommandDraft } from './command-envelope.js';
import { CommandProcessor, type CommandReply, type CommandTarget } from './commands.js';

const fleetKey = generateKeyPairSync('ed25519').privateKey;
const otherKey = generateKeyPairSync('ed25519').privateKey;
const publicKeys = [{ id: 'ops', key: publicKeyBase64(fleetKey) }];
const NOW = 1_760_000_000_000;

let dir: string;
let journal: Journal;
let clock: ManualClock;
let synced: boolean;
let calls: string[];
let replies: CommandReply[];
let reboots: number;

const target: CommandTarget = {
  setOperatorService: (b) => { calls.push(b ? 'in' : 'out'); },
  reprint: async (txId) => { calls.push(`reprint:${txId ?? ''}`); return { printed: true }; },
  serviceState: () => ({ service: 'in-service', reasons: [] }),
};

function processor(over: Partial<ConstructorParameters<typeof CommandProcessor>[0]> = {}): CommandProcessor {
  return new CommandProcessor({
    terminal: 'K1', settings: { publicKeys, maxCommandBytes: 2048, maxNonces: 100 }, db: dbOf(journal), clock,
    clockSynced: () => synced, target,
    hooks: {
      reboot: () => { reboots += 1; },
      diagnostics: () => ({ ok: true }),
      reloadConfig: async (o) => {
        if ('bad' in o) throw new KioskError('KIOSK_E_OVERRIDE_REFUSED', 'refused', { details: { issues: [{ path: 'bad', message: 'no such key' }] } });
        return { stored: true };
      },
    },
    ...over,
  });
}

function dbOf(j: Journal): SqliteDatabase {
  return Outbox.attachJournal(j, { prefix: 'kiosk/v1', fleet: 'north', terminal: 'K1', bootId: 'b', clock }).database;
}

let n = 0;
function cmd(over: Partial<CommandDraft> = {}, key = fleetKey): Buffer {
  n += 1;
  return Buffer.from(JSON.stringify(signCommand({ id: `c${n}`, terminal: 'K1', name: 'out-of-service', expires: NOW + 60_000, nonce: `nonce-${n}-abcdef`, ...over }, key)));
}

async function send(p: CommandProcessor, name: string, payload: Buffer | string): Promise<CommandReply> {
  const before = replies.length;
  p.handle(name, Buffer.from(payload), (r, after) => { replies.push(r); after?.(); });
  for (let i = 0; i < 20 && replies.length === before; i++) await Promise.resolve();
  expect(replies.length).toBe(before + 1);
  return replies[replies.length - 1]!;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kioskd-cmd-'));
  clock = new ManualClock(NOW);
  journal = Journal.open({ path: join(dir, 'j.db'), bootId: 'b', clock, synchronous: 'OFF' });
  synced = true; calls = []; replies = []; reboots = 0;
});
afterEach(() => { journal.close(); rmSync(dir, { recursive: true, force: true }); });

describe('command envelope', () => {
  it('canonical JSON sorts keys at every level and has one text per value', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 'x', null], c: true } })).toBe('{"a":{"c":true,"d":[1,"x",null]},"b":1}');
    expect(() => canonicalJson({ x: Number.NaN })).toThrow();
  });

  it('the signature covers terminal, name, args, expiry and nonce; any change breaks it', () => {
    const keys = loadPublicKeys(publicKeys);
    const c = signCommand({ id: 'x', terminal: 'K1', name: 'reprint', args: { txId: 'T1' }, expires: NOW, nonce: 'n-12345678' }, fleetKey);
    expect(verifySignature(c, keys)).toEqual({ ok: true, keyId: 'ops' });
    expect(signingText(c)).toBe('kioskd-command-v1\n{"args":{"txId":"T1"},"expires":1760000000000,"name":"reprint","nonce":"n-12345678","terminal":"K1"}');
    for (const tampered of [{ terminal: 'K2' }, { name: 'reboot' }, { args: { txId: 'T2' } }, { expires: NOW + 1 }, { nonce: 'n-87654321' }]) {
      expect(verifySignature({ ...c, ...tampered }, keys)).toEqual({ ok: false, reason: 'bad-signature' });
    }
    // The id only correlates the reply: not signed.
    expect(verifySignature({ ...c, id: 'y' }, keys).ok).toBe(true);
    expect(verifySignature({ ...c, sig: undefined } as never, keys)).toEqual({ ok: false, reason: 'unsigned' });
  });

  it('parses only v1 envelopes with exactly one of nonce and counter', () => {
    expect(parseCommand('nope')).toMatchObject({ ok: false, reason: 'malformed', id: null });
    expect(parseCommand(JSON.stringify({ v: 1, id: 'q', terminal: 'K1', name: 'x', args: {}, expires: 1 }))).toMatchObject({ ok: false, id: 'q' });
    expect(parseCommand(JSON.stringify({ v: 1, id: 'q', terminal: 'K1', name: 'x', args: {}, expires: 1, nonce: 'abcdefgh', counter: 3 }))).toMatchObject({ ok: false });
    expect(parseCommand(JSON.stringify({ v: 1, id: 'q', terminal: 'K1', name: 'x', args: {}, expires: 1, counter: 3 }))).toMatchObject({ ok: true });
  });
});

describe('CommandProcessor', () => {
  it('applies a good command once and replies ok with the command id', async () => {
    const p = processor();
    expect(await send(p, 'out-of-service', cmd({ id: 'good-1' }))).toMatchObject({ commandId: 'good-1', name: 'out-of-service', status: 'ok', result: { service: 'in-service' } });
    expect(calls).toEqual(['out']);
  });

  it.each([
    ['not JSON', () => Buffer.from('{oops'), 'malformed'],
    ['wrong schema', () => Buffer.from(JSON.stringify({ v: 1, id: 'w', terminal: 'K1' })), 'malformed'],
    ['topic differs from the name', () => cmd({ name: 'in-service' }), 'malformed'],
    ['unsigned', () => { const c = JSON.parse(cmd().toString()) as Record<string, unknown>; delete c['sig']; return Buffer.from(JSON.stringify(c)); }, 'unsigned'],
    ['signed by a key not in the config', () => cmd({}, otherKey), 'bad-signature'],
    ['tampered args', () => { const c = JSON.parse(cmd().toString()) as Record<string, unknown>; c['args'] = { x: 1 }; return Buffer.from(JSON.stringify(c)); }, 'bad-signature'],
    ['for another terminal', () => cmd({ terminal: 'K2' }), 'wrong-terminal'],
    ['expired', () => cmd({ expires: NOW - 1 }), 'expired'],
    ['oversized', () => Buffer.from(JSON.stringify({ pad: 'x'.repeat(3000) })), 'oversized'],
  ] as const)('refuses a command that is %s, and applies nothing', async (_what, make, reason) => {
    const r = await send(processor(), 'out-of-service', make());
    expect(r).toMatchObject({ status: 'refused', reason });
    expect(calls).toEqual([]);
  });

  it('checks expiry only while the clock is synchronised', async () => {
    synced = false;
    expect(await send(processor(), 'out-of-service', cmd({ expires: NOW - 1 }))).toMatchObject({ status: 'ok' });
  });

  it('refuses replays, also after a restart, and counters that do not increase', async () => {
    const payload = cmd({ id: 'once' });
    expect(await send(processor(), 'out-of-service', payload)).toMatchObject({ status: 'ok' });
    expect(await send(processor(), 'out-of-service', payload)).toMatchObject({ status: 'refused', reason: 'replayed' });
    journal.close();
    journal = Journal.open({ path: join(dir, 'j.db'), bootId: 'b2', clock, synchronous: 'OFF' });
    const p = processor();
    expect(await send(p, 'out-of-service', payload)).toMatchObject({ status: 'refused', reason: 'replayed' });
    expect(await send(p, 'out-of-service', cmd({ nonce: undefined, counter: 5 }))).toMatchObject({ status: 'ok' });
    expect(await send(p, 'out-of-service', cmd({ nonce: undefined, counter: 5 }))).toMatchObject({ status: 'refused', reason: 'replayed' });
    expect(await send(p, 'out-of-service', cmd({ nonce: undefined, counter: 6 }))).toMatchObject({ status: 'ok' });
    expect(calls).toEqual(['out', 'out', 'out']);
  });

  it('keeps the nonce store bounded; forgotten nonces stay refused through the expiry floor', async () => {
    const p = processor({ perMinute: 1000 });
    const first = cmd({ expires: NOW + 1000 });
    await send(p, 'out-of-service', first);
    for (let i = 0; i < 120; i++) await send(p, 'out-of-service', cmd({ expires: NOW + 2000 + i }));
    const count = (dbOf(journal).prepare('SELECT count(*) FROM command_nonce').pluck().get() as number);
    expect(count).toBeLessThanOrEqual(100);
    expect(await send(p, 'out-of-service', first)).toMatchObject({ status: 'refused', reason: 'replayed' });
  });

  it('refuses unknown commands and bad arguments; runs reprint, diagnostics, reload-config and reboot', async () => {
    const p = processor();
    expect(await send(p, 'self-destruct', cmd({ name: 'self-destruct' }))).toMatchObject({ status: 'refused', reason: 'unknown-command' });
    expect(await send(p, 'reprint', cmd({ name: 'reprint', args: { txId: 7 } }))).toMatchObject({ status: 'refused', reason: 'bad-args' });
    expect(await send(p, 'reprint', cmd({ name: 'reprint', args: { txId: 'T9' } }))).toMatchObject({ status: 'ok', result: { printed: true } });
    expect(await send(p, 'diagnostics', cmd({ name: 'diagnostics' }))).toMatchObject({ status: 'ok', result: { ok: true } });
    expect(await send(p, 'reload-config', cmd({ name: 'reload-config', args: { overrides: { bad: 1 } } }))).toMatchObject({ status: 'failed', reason: 'config-invalid', issues: [{ path: 'bad' }] });
    expect(await send(p, 'reload-config', cmd({ name: 'reload-config', args: { overrides: { log: { level: 'debug' } } } }))).toMatchObject({ status: 'ok', result: { stored: true } });
    expect(reboots).toBe(0);
    expect(await send(p, 'reboot', cmd({ name: 'reboot' }))).toMatchObject({ status: 'ok' });
    expect(reboots).toBe(1);
    expect(calls).toEqual(['reprint:T9']);
  });

  it('drops a flood unread beyond its rate, without replies or memory growth', async () => {
    const p = processor({ perMinute: 5 });
    let got = 0;
    for (let i = 0; i < 1000; i++) p.handle('out-of-service', Buffer.from('x'), () => { got += 1; });
    expect(got).toBe(5);
    clock.advance(60_000);
    p.handle('out-of-service', Buffer.from('x'), () => { got += 1; });
    expect(got).toBe(6);
  });
});
