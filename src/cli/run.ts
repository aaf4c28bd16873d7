/**
 * kioskctl — the field engineer's tool. Every command has --help and --json; exit codes follow
 * sysexits.h (see EXIT in output.ts). Errors are one clear line, never a stack trace.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { cashCollect, reprint, service, settle, status } from './commands/control.js';
import { configInit, configMigrate, configSet, configShow, configValidate } from './commands/config.js';
import { flashIoBoard } from './commands/flash.js';
import { cashReport, journalExportCsv, journalTail, journalTotals } from './commands/journal.js';
import { ports } from './commands/ports.js';
import { probe } from './commands/probe.js';
import { provision } from './commands/provision.js';
import { selftest } from './commands/selftest.js';
import { fleet } from './fleet/index.js';
import { EXIT, usageError, type CommandResult } from './output.js';

const HELP: Readonly<Record<string, string>> = {
  '': `usage: kioskctl <command> [options] [--json]

on the terminal, kioskd stopped or running:
  ports                     serial and HID devices with USB ids and a guess of what each is
  probe PORT                which protocol answers on PORT (SSP, ID-003, ESC/POS, ZVT, scanner)
  selftest [DEVICE]         test the configured devices (printer, display, validator, scanner, card)
  config validate|show|set|init|migrate
  journal tail|export|totals
  cash report               what the journal says is in the cash box; the last collections
  flash io-board FILE.hex   program the Arduino I/O board (kioskd stopped)
  provision                 terminal id, fleet, broker; device key and CSR for mTLS

through the running kioskd (control socket):
  status                    service state, transaction state, devices (exit 1 when out of service)
  service in|out            take the terminal out of service or back
  reprint [TXID]            print a receipt again, marked COPY
  cash collect              close the cash period (--collector ID --seal NO to attest and print the slip)
  settle [--day YYYY-MM-DD] run the daily settlement (default: yesterday)

over MQTT, from anywhere with broker access:
  fleet watch|status|send|keygen  live table of terminals, alarm feed, signed commands (fleet --help)

common options: --config-dir DIR  --profile NAME  --journal PATH  --socket PATH  --json  --help
exit codes: 0 ok, 1 check failed, 64 usage, 65 bad data, 66 no such file/port, 69 unavailable
(kioskd not running, nothing answered), 73 cannot create, 74 I/O error, 75 busy/timeout,
77 permission denied, 78 invalid configuration`,
  ports: 'usage: kioskctl ports [--json]\nLists serial ports (serialport, or sysfs when udevadm is missing) and HID devices (node-hid).',
  probe: `usage: kioskctl probe PORT [--only ssp,id003,escpos,zvt,scanner] [--timeout-ms N] [--listen-ms N]
                     [--escpos-baud N] [--zvt-password NNNNNN] [--json]
Tries each protocol with its own line settings; stop kioskd first (it holds the ports).
exit: 0 found, 69 nothing answered, 66 no such port, 77 permission denied, 75 port busy`,
  selftest: `usage: kioskctl selftest [printer|display|validator|scanner|card] [--timeout-ms N] [--config-dir DIR] [--profile NAME] [--json]
Builds the configured drivers and tests each device: printer test page, display pattern, validator
enable/disable cycle, scanner read (scan a barcode within the timeout), card terminal status.
Stop kioskd first. exit: 0 all passed, 1 a test failed, 78 invalid configuration`,
  config: `usage: kioskctl config validate|show|set|init|migrate [--config-dir DIR] [--profile NAME] [--json]
  validate              schema errors by path, secret files' modes (exit 78 when invalid)
  show                  the effective configuration
  set KEY VALUE         runtime override in the settings store, validated first (--unset to withdraw)
  init [--force]        write a starting configuration into --config-dir (default /etc/kioskd)
  migrate [--dry-run]   bring default.json to the current schema version (backup kept)`,
  journal: `usage: kioskctl journal tail|export|totals [--journal PATH] [--json]
  tail [-n N]               the last events (default 20)
  export --csv [--out FILE] every event as CSV (no account numbers)
  totals                    closed transactions by outcome, and the cash box`,
  cash: `usage: kioskctl cash report [--journal PATH]
       kioskctl cash collect [--collector ID --seal NO] [--socket PATH]`,
  settle: 'usage: kioskctl settle [--day YYYY-MM-DD] [--socket PATH] [--json]\nexit: 0 no differences, 1 differences found, 69 kioskd not running',
  status: 'usage: kioskctl status [--socket PATH] [--json]\nexit: 0 in service, 1 out of service, 69 kioskd not running, 77 no permission on the socket',
  service: 'usage: kioskctl service in|out [--socket PATH] [--json]',
  reprint: 'usage: kioskctl reprint [TXID] [--socket PATH] [--json]\nexit: 0 printed, 1 not printed',
  flash: `usage: kioskctl flash io-board FILE.hex --port PORT [--baud 115200] [--no-verify] [--json]
Programs the Arduino I/O board through its STK500v1 bootloader (Uno: 115200, old Nano: 57600) and reads
it back. Stop kioskd first. exit: 0 ok, 65 not Intel HEX, 66 no such file/port, 69 no bootloader, 74 verify failed`,
  provision: `usage: kioskctl provision --terminal-id ID --fleet NAME --broker-url mqtts://HOST:8883
                         [--key-type ed25519|p256] [--state-dir /var/lib/kioskd] [--force] [--json]
Stores identity and broker in the settings store, writes the device key (mode 0600) and a CSR for mTLS
into the state directory, and prints what the operator must enrol.`,
};

type Options = NonNullable<ParseArgsConfig['options']>;
const COMMON: Options = {
  json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  'config-dir': { type: 'string' }, profile: { type: 'string' }, journal: { type: 'string' },
  socket: { type: 'string' }, 'timeout-ms': { type: 'string' },
};
type Values = Record<string, string | boolean | undefined>;

function parse(args: readonly string[], extra: Options = {}): { values: Values; positionals: string[] } {
  const r = parseArgs({ args: [...args], allowPositionals: true, strict: true, options: { ...COMMON, ...extra } });
  return { values: r.values as Values, positionals: r.positionals };
}

const s = (v: Values, k: string): string | undefined => (typeof v[k] === 'string' ? v[k] : undefined);
const help = (group: string): CommandResult => ({ code: EXIT.ok, text: HELP[group] ?? HELP['']!, json: { help: HELP[group] ?? HELP[''] } });
const isParseError = (err: unknown): boolean => err instanceof TypeError && String((err as { code?: unknown }).code ?? '').startsWith('ERR_PARSE_ARGS');

function positiveInt(v: string | undefined, name: string): number | undefined | CommandResult {
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? n : usageError(`${name} takes a positive whole number`, '');
}
const isResult = (x: unknown): x is CommandResult => typeof x === 'object' && x !== null && 'code' in x && 'text' in x;

export async function run(argv: readonly string[]): Promise<CommandResult> {
  try {
    return await dispatch(argv);
  } catch (err) {
    if (isParseError(err)) return usageError((err as Error).message, HELP[argv[0] ?? ''] ?? HELP['']!);
    throw err;
  }
}

async function dispatch(argv: readonly string[]): Promise<CommandResult> {
  // Leading global flags (kioskctl --json status) are allowed before the command.
  const lead = argv.findIndex((a) => a !== '--json');
  const args = lead < 0 ? [] : [...argv.slice(0, lead), ...argv.slice(lead + 1)];
  const group = lead < 0 ? '' : argv[lead]!;
  if (group === '' || group === 'help' || group === '--help' || group === '-h') return help(args[0] ?? '');
  switch (group) {
    case 'ports': {
      const { values } = parse(args);
      return values['help'] ? help(group) : ports();
    }
    case 'probe': {
      const { values, positionals } = parse(args, {
        only: { type: 'string' }, 'listen-ms': { type: 'string' }, 'escpos-baud': { type: 'string' }, 'zvt-password': { type: 'string' }, binding: { type: 'string' },
      });
      if (values['help']) return help(group);
      const [path] = positionals;
      if (!path || positionals.length > 1) return usageError('probe takes one port, e.g. kioskctl probe /dev/ttyUSB0', HELP['probe']!);
      const timeoutMs = positiveInt(s(values, 'timeout-ms'), '--timeout-ms');
      const listenMs = positiveInt(s(values, 'listen-ms'), '--listen-ms');
      const escposBaud = positiveInt(s(values, 'escpos-baud'), '--escpos-baud');
      for (const x of [timeoutMs, listenMs, escposBaud]) if (isResult(x)) return x;
      const binding = s(values, 'binding');
      if (binding !== undefined && binding !== 'real' && binding !== 'mock') return usageError('--binding is real or mock', HELP['probe']!);
      const pw = s(values, 'zvt-password');
      if (pw !== undefined && !/^\d{6}$/.test(pw)) return usageError('--zvt-password is 6 digits', HELP['probe']!);
      return probe({
        path, ...(binding ? { binding } : {}), ...(s(values, 'only') ? { only: s(values, 'only')! } : {}),
        ...(typeof timeoutMs === 'number' ? { timeoutMs } : {}), ...(typeof listenMs === 'number' ? { listenMs } : {}),
        ...(typeof escposBaud === 'number' ? { escposBaud } : {}), ...(pw ? { zvtPassword: pw } : {}),
        ...(values['json'] ? {} : { say: (line: string) => process.stderr.write(`${line}\n`) }),
      });
    }
    case 'selftest': {
      const { values, positionals } = parse(args);
      if (values['help']) return help(group);
      const timeoutMs = positiveInt(s(values, 'timeout-ms'), '--timeout-ms');
      if (isResult(timeoutMs)) return timeoutMs;
      return selftest({
        ...cfgArgs(values), ...(positionals[0] ? { device: positionals[0] } : {}), ...(typeof timeoutMs === 'number' ? { timeoutMs } : {}),
        ...(values['json'] ? {} : { say: (line: string) => process.stderr.write(`${line}\n`) }),
      });
    }
    case 'config': {
      // A negative number is a value (config set billing.retries -1), not an option.
      const isNeg = (x: string): boolean => /^-\d/.test(x);
      const parsed = parse(args.filter((x) => !isNeg(x)), { force: { type: 'boolean' }, 'dry-run': { type: 'boolean' }, unset: { type: 'boolean' } });
      const values = parsed.values;
      const positionals = [...parsed.positionals, ...args.filter(isNeg)];
      const [sub = ''] = positionals;
      if (values['help'] || sub === '') return help(group);
      const cfg = cfgArgs(values);
      switch (sub) {
        case 'validate': return configValidate(cfg);
        case 'show': return configShow(cfg);
        case 'set': {
          const [, key, value] = positionals;
          if (!key) return usageError('config set KEY VALUE', HELP['config']!);
          return configSet({ ...cfg, key, ...(value !== undefined ? { value } : {}), ...(values['unset'] ? { unset: true } : {}) });
        }
        case 'init': return configInit({ ...(cfg.dir ? { dir: cfg.dir } : {}), ...(values['force'] ? { force: true } : {}) });
        case 'migrate': return configMigrate({ ...cfg, ...(values['dry-run'] ? { dryRun: true } : {}) });
        default: return usageError(`unknown command "config ${sub}"`, HELP['config']!);
      }
    }
    case 'journal': {
      const { values, positionals } = parse(args, { n: { type: 'string', short: 'n' }, csv: { type: 'boolean' }, out: { type: 'string' } });
      const [sub = ''] = positionals;
      if (values['help'] || sub === '') return help(group);
      if (!['tail', 'totals', 'export'].includes(sub)) return usageError(`unknown command "journal ${sub}"`, HELP['journal']!);
      if (sub === 'tail') {
        const n = Number(s(values, 'n') ?? 20);
        if (!Number.isInteger(n) || n <= 0) return usageError('-n takes a positive whole number', HELP['journal']!);
      }
      if (sub === 'export' && !values['csv']) return usageError('journal export needs --csv (the only format so far)', HELP['journal']!);
      const path = await journalPath(values);
      if (isResult(path)) return path;
      if (sub === 'totals') return journalTotals(path);
      if (sub === 'export') return journalExportCsv(path, s(values, 'out'));
      return journalTail(path, Number(s(values, 'n') ?? 20));
    }
    case 'cash': {
      const { values, positionals } = parse(args, { collector: { type: 'string' }, seal: { type: 'string' } });
      const [sub = ''] = positionals;
      if (values['help'] || sub === '') return help(group);
      if (sub === 'report') {
        const path = await journalPath(values);
        return isResult(path) ? path : cashReport(path);
      }
      if (sub === 'collect') {
        return cashCollect({ ...sockArgs(values), ...(s(values, 'collector') ? { collector: s(values, 'collector')! } : {}), ...(s(values, 'seal') ? { seal: s(values, 'seal')! } : {}) });
      }
      return usageError(`unknown command "cash ${sub}"`, HELP['cash']!);
    }
    case 'fleet': return fleet(args);
    case 'settle': {
      const { values } = parse(args, { day: { type: 'string' } });
      if (values['help']) return help(group);
      return settle({ ...sockArgs(values), ...(s(values, 'day') ? { day: s(values, 'day')! } : {}) });
    }
    case 'status': {
      const { values } = parse(args);
      return values['help'] ? help(group) : status(sockArgs(values));
    }
    case 'service': {
      const { values, positionals } = parse(args);
      if (values['help'] || positionals.length !== 1) return values['help'] ? help(group) : usageError('service takes "in" or "out"', HELP['service']!);
      return service(sockArgs(values), positionals[0]!);
    }
    case 'reprint': {
      const { values, positionals } = parse(args);
      return values['help'] ? help(group) : reprint(sockArgs(values), positionals[0]);
    }
    case 'flash': {
      const { values, positionals } = parse(args, { port: { type: 'string' }, baud: { type: 'string' }, 'no-verify': { type: 'boolean' }, binding: { type: 'string' } });
      if (values['help']) return help(group);
      const [target, file] = positionals;
      if (target !== 'io-board' || !file) return usageError('flash io-board FILE.hex --port PORT', HELP['flash']!);
      const baud = positiveInt(s(values, 'baud'), '--baud');
      if (isResult(baud)) return baud;
      const port = s(values, 'port');
      if (!port) return usageError('flash needs --port (the Arduino, e.g. /dev/kiosk/io-board or /dev/ttyACM0)', HELP['flash']!);
      const binding = s(values, 'binding');
      const replyMs = positiveInt(s(values, 'timeout-ms'), '--timeout-ms');
      if (isResult(replyMs)) return replyMs;
      return flashIoBoard({
        file, port, ...(typeof baud === 'number' ? { baudRate: baud } : {}), verify: !values['no-verify'],
        ...(typeof replyMs === 'number' ? { replyTimeoutMs: replyMs } : {}),
        ...(binding === 'mock' ? { binding: 'mock' as const } : {}),
        ...(values['json'] ? {} : { progress: process.stderr.isTTY ? 'bar' as const : 'lines' as const }),
      });
    }
    case 'provision': {
      const { values } = parse(args, {
        'terminal-id': { type: 'string' }, fleet: { type: 'string' }, 'broker-url': { type: 'string' },
        'key-type': { type: 'string' }, 'state-dir': { type: 'string' }, force: { type: 'boolean' },
      });
      if (values['help']) return help(group);
      const id = s(values, 'terminal-id');
      const fleet = s(values, 'fleet');
      const brokerUrl = s(values, 'broker-url');
      if (!id || !fleet || !brokerUrl) return usageError('provision needs --terminal-id, --fleet and --broker-url', HELP['provision']!);
      const keyType = s(values, 'key-type') ?? 'ed25519';
      if (keyType !== 'ed25519' && keyType !== 'p256') return usageError('--key-type is ed25519 or p256', HELP['provision']!);
      return provision({
        ...cfgArgs(values), terminalId: id, fleet, brokerUrl, keyType,
        ...(s(values, 'state-dir') ? { stateDir: s(values, 'state-dir')! } : {}), ...(values['force'] ? { force: true } : {}),
      });
    }
    default:
      return usageError(`unknown command "${argv.filter((a) => !a.startsWith('-')).join(' ')}"`, HELP['']!);
  }
}

function cfgArgs(v: Values): { dir?: string; profile?: string } {
  return { ...(s(v, 'config-dir') ? { dir: s(v, 'config-dir')! } : {}), ...(s(v, 'profile') ? { profile: s(v, 'profile')! } : {}) };
}

function sockArgs(v: Values): { socket?: string; timeoutMs?: number } {
  const t = Number(s(v, 'timeout-ms'));
  return { ...(s(v, 'socket') ? { socket: s(v, 'socket')! } : {}), ...(Number.isInteger(t) && t > 0 ? { timeoutMs: t } : {}) };
}

/** --journal, else the journal the configuration names. */
async function journalPath(v: Values): Promise<string | CommandResult> {
  const given = s(v, 'journal');
  if (given) return given;
  const shown = await configShow(cfgArgs(v));
  if (shown.code !== EXIT.ok) return shown;
  return (shown.json as { journal: { path: string } }).journal.path;
}
