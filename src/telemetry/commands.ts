import type { Logger } from 'pino';
import { z } from 'zod';
import { toKioskError } from '../errors/index.js';
import type { Clock } from '../hal/index.js';
import type { SqliteDatabase } from '../ledger/index.js';
import {
  isCommandName, loadPublicKeys, parseCommand, verifySignature,
  type CommandEnvelope, type CommandName, type FleetPublicKey, type Refusal, type VerifyKey,
} from './command-envelope.js';
import type { JsonObject } from './envelope.js';
import { ReplayGuard } from './replay.js';

/** What the commands act on: the runtime's Kiosk fits (structural; telemetry does not import runtime). */
export interface CommandTarget {
  setOperatorService(inService: boolean): void;
  reprint(txId?: string): Promise<{ readonly printed: boolean; readonly reason?: string }>;
  serviceState(): { readonly service: string; readonly reasons: readonly string[] };
}

export interface CommandHooks {
  /** Called after the reply went out. Default (in the publisher): log, then exit so systemd restarts kioskd. */
  readonly reboot?: () => void;
  /**
   * Validates and stores configuration overrides; throws (KIOSK_E_CONFIG_INVALID / KIOSK_E_OVERRIDE_REFUSED
   * with issues) to refuse, in which case the last good configuration stays. Resolves to what to report.
   */
  readonly reloadConfig?: (overrides: JsonObject) => Promise<JsonObject>;
  /** Health, devices and service for the `diagnostics` reply. */
  readonly diagnostics?: () => JsonObject;
}

export interface CommandSettings {
  readonly publicKeys: readonly FleetPublicKey[];
  readonly maxCommandBytes: number;
  readonly maxNonces: number;
}

export type ReplyStatus = 'ok' | 'refused' | 'failed';

/** The `reply` message's data: always the command id (null when none was readable). */
export interface CommandReply extends JsonObject {
  readonly commandId: string | null;
  readonly name: string | null;
  readonly status: ReplyStatus;
}

export interface CommandProcessorOptions {
  readonly terminal: string;
  readonly settings: CommandSettings;
  /** The journal's connection: spent nonces and counters commit there. */
  readonly db: SqliteDatabase;
  readonly clock: Clock;
  /** Expiry is checked only while the wall clock is known to be right. */
  readonly clockSynced?: () => boolean;
  readonly target?: CommandTarget;
  readonly hooks?: CommandHooks;
  readonly logger?: Logger;
  /** Command messages looked at per minute at most; the rest are dropped unread (a flood). Default 120. */
  readonly perMinute?: number;
  /** Accepted commands waiting to run at most; more are refused `busy`. Default 8. */
  readonly maxQueued?: number;
}

/** Sends one reply; `after` runs once it was handed to the broker (or could not be). */
export type ReplySink = (reply: CommandReply, after?: () => void) => void;

const NoArgs = z.strictObject({});
const ARGS: Readonly<Record<CommandName, z.ZodType<JsonObject>>> = {
  'out-of-service': NoArgs,
  'in-service': NoArgs,
  reboot: NoArgs,
  diagnostics: NoArgs,
  reprint: z.strictObject({ txId: z.string().min(1).max(64).optional() }),
  'reload-config': z.strictObject({ overrides: z.record(z.string(), z.unknown()) }) as z.ZodType<JsonObject>,
};

/**
 * Checks and runs fleet commands. Refusals in order: oversized, malformed (not JSON, wrong schema, name
 * differs from the topic), unsigned, bad signature, another terminal, expired (only with a synchronised
 * clock), replayed, unknown command, bad arguments, busy. Nothing is applied on a refusal; a command
 * that passes is recorded as spent before it runs, so a crash cannot make it run twice.
 */
export class CommandProcessor {
  private readonly keys: VerifyKey[];
  private readonly replay: ReplayGuard;
  private readonly perMinute: number;
  private readonly maxQueued: number;
  private tokens: number;
  private refilledAt: number;
  private dropped = 0;
  private droppedLoggedAt = -Infinity;
  private readonly queue: (() => Promise<void>)[] = [];
  private running = false;

  constructor(private readonly o: CommandProcessorOptions) {
    this.keys = loadPublicKeys(o.settings.publicKeys);
    this.replay = new ReplayGuard(o.db, { maxNonces: o.settings.maxNonces });
    this.perMinute = o.perMinute ?? 120;
    this.maxQueued = o.maxQueued ?? 8;
    this.tokens = this.perMinute;
    this.refilledAt = o.clock.monoMs();
  }

  /** One message from `.../cmd/{topicName}`. */
  handle(topicName: string, payload: Uint8Array, reply: ReplySink): void {
    if (!this.admit()) return;
    const refuse = (reason: Refusal, message: string, id: string | null, name: string | null): void => {
      this.o.logger?.warn({ commandId: id, name, reason }, `command refused: ${message}`);
      reply({ commandId: id, name, status: 'refused', reason, message });
    };
    if (payload.byteLength > this.o.settings.maxCommandBytes) {
      refuse('oversized', `payload of ${payload.byteLength} bytes is over the ${this.o.settings.maxCommandBytes}-byte limit`, null, topicName);
      return;
    }
    const parsed = parseCommand(payload);
    if (!parsed.ok) { refuse(parsed.reason, parsed.message, parsed.id, topicName); return; }
    const c = parsed.command;
    if (c.name !== topicName) { refuse('malformed', `command name ${JSON.stringify(c.name)} differs from its topic`, c.id, topicName); return; }
    const sig = verifySignature(c, this.keys);
    if (!sig.ok) { refuse(sig.reason, sig.reason === 'unsigned' ? 'command carries no signature' : 'signature does not verify with any fleet key', c.id, c.name); return; }
    if (c.terminal !== this.o.terminal) { refuse('wrong-terminal', `command is for terminal ${c.terminal}`, c.id, c.name); return; }
    if ((this.o.clockSynced?.() ?? false) && c.expires <= this.o.clock.wallMs()) { refuse('expired', 'command expired', c.id, c.name); return; }
    const seen = c.nonce !== undefined ? this.replay.nonceSeen(c.nonce, c.expires) : this.replay.counterSeen(sig.keyId, c.counter!);
    if (seen) { refuse('replayed', c.nonce !== undefined ? 'nonce already used' : 'counter not above the last accepted', c.id, c.name); return; }
    if (!isCommandName(c.name)) { refuse('unknown-command', `no command ${JSON.stringify(c.name)}`, c.id, c.name); return; }
    const args = ARGS[c.name].safeParse(c.args);
    if (!args.success) { refuse('bad-args', `arguments do not fit ${c.name}: ${args.error.issues.map((i) => i.path.join('.') || i.message).join(', ')}`, c.id, c.name); return; }
    if (this.queue.length >= this.maxQueued) { refuse('busy', 'too many commands waiting; send it again later', c.id, c.name); return; }
    try {
      this.replay.spend(c, sig.keyId);
    } catch (e) {
      // Without a durable record of the nonce the command must not run (it could run again after a restart).
      const err = toKioskError(e);
      this.o.logger?.error({ commandId: c.id, code: err.code }, 'command not recorded; not applied');
      reply({ commandId: c.id, name: c.name, status: 'failed', reason: 'not-recorded', message: err.code });
      return;
    }
    this.o.logger?.info({ commandId: c.id, name: c.name, keyId: sig.keyId }, 'command accepted');
    this.enqueue(() => this.apply(c, c.name as CommandName, args.data, reply));
  }

  private enqueue(job: () => Promise<void>): void {
    this.queue.push(job);
    if (!this.running) void this.runQueue();
  }

  private async runQueue(): Promise<void> {
    this.running = true;
    try {
      for (let job = this.queue.shift(); job; job = this.queue.shift()) await job();
    } finally {
      this.running = false;
    }
  }

  private async apply(c: CommandEnvelope, name: CommandName, args: JsonObject, reply: ReplySink): Promise<void> {
    const ok = (result: JsonObject, after?: () => void): void => reply({ commandId: c.id, name, status: 'ok', result }, after);
    const failed = (reason: string, message: string, extra: JsonObject = {}): void => {
      this.o.logger?.warn({ commandId: c.id, name, reason }, `command failed: ${message}`);
      reply({ commandId: c.id, name, status: 'failed', reason, message, ...extra });
    };
    const { target, hooks } = this.o;
    try {
      switch (name) {
        case 'out-of-service':
        case 'in-service': {
          if (!target) { failed('unsupported', 'no kiosk attached'); return; }
          target.setOperatorService(name === 'in-service');
          const s = target.serviceState();
          ok({ service: s.service, reasons: [...s.reasons] });
          return;
        }
        case 'reprint': {
          if (!target) { failed('unsupported', 'no kiosk attached'); return; }
          const txId = typeof args['txId'] === 'string' ? args['txId'] : undefined;
          const r = await target.reprint(txId);
          if (r.printed) ok({ printed: true }); else failed('not-printed', r.reason ?? 'receipt not printed', { result: { printed: false } });
          return;
        }
        case 'diagnostics':
          ok(hooks?.diagnostics?.() ?? {});
          return;
        case 'reload-config': {
          if (!hooks?.reloadConfig) { failed('unsupported', 'configuration reload is not available here'); return; }
          try {
            ok(await hooks.reloadConfig(args['overrides'] as JsonObject));
          } catch (e) {
            const err = toKioskError(e);
            const issues = Array.isArray(err.details['issues']) ? (err.details['issues'] as { path?: unknown; message?: unknown }[]) : [];
            failed('config-invalid', `configuration refused (${err.code}); the last good one stays`, {
              issues: issues.slice(0, 20).map((i) => ({ path: String(i.path ?? ''), message: String(i.message ?? '') })),
            });
          }
          return;
        }
        case 'reboot':
          // The reply goes out first; the hook runs once it was handed to the broker.
          ok({ rebooting: true }, () => hooks?.reboot?.());
          return;
      }
    } catch (e) {
      const err = toKioskError(e);
      failed('error', err.code);
    }
  }

  /** Token bucket on the monotonic clock: a flood costs no verification and no memory. */
  private admit(): boolean {
    const now = this.o.clock.monoMs();
    this.tokens = Math.min(this.perMinute, this.tokens + ((now - this.refilledAt) * this.perMinute) / 60_000);
    this.refilledAt = now;
    if (this.tokens >= 1) { this.tokens -= 1; return true; }
    this.dropped += 1;
    if (now - this.droppedLoggedAt >= 60_000) {
      this.o.logger?.warn({ dropped: this.dropped, perMinute: this.perMinute }, 'command flood: messages dropped unread');
      this.droppedLoggedAt = now;
      this.dropped = 0;
    }
    return false;
  }
}
