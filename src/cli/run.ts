/**
 * kioskctl — the field engineer's tool. Every command has --help and --json; exit codes follow
 * sysexits.h (64 usage, 66 no input, 78 configuration). Errors are one clear line, never a stack trace.
 */
import { parseArgs } from 'node:util';
import { configShow, configValidate } from './commands/config.js';
import { journalTail, journalTotals } from './commands/journal.js';
import { EXIT, type CommandResult } from './output.js';

const HELP: Readonly<Record<string, string>> = {
  '': `usage: kioskctl <command> [options] [--json]

commands:
  config validate   check the configuration; every error by path (exit 78 when invalid)
  config show       print the effective configuration
  journal tail      the last journal events (-n N, default 20)
  journal totals    closed transactions by outcome, and the cash box

common options: --config-dir DIR  --profile NAME  --journal PATH  --json  --help`,
  config: 'usage: kioskctl config validate|show [--config-dir DIR] [--profile NAME] [--json]',
  journal: 'usage: kioskctl journal tail|totals [--journal PATH] [-n N] [--json]  (default journal: from the configuration)',
};

export async function run(argv: readonly string[]): Promise<CommandResult> {
  const { values, positionals } = parseArgs({
    args: [...argv], allowPositionals: true, strict: true,
    options: {
      'config-dir': { type: 'string' }, profile: { type: 'string' }, journal: { type: 'string' },
      n: { type: 'string', short: 'n' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  const [group = '', sub = ''] = positionals;
  if (values.help || group === '' || group === 'help') return { code: EXIT.ok, text: HELP[group] ?? HELP['']!, json: { help: HELP[group] ?? HELP[''] } };
  const cfg = { ...(values['config-dir'] ? { dir: values['config-dir'] } : {}), ...(values.profile ? { profile: values.profile } : {}) };
  switch (`${group} ${sub}`) {
    case 'config validate': return configValidate(cfg);
    case 'config show': return configShow(cfg);
    case 'journal tail':
    case 'journal totals': {
      let path = values.journal;
      if (!path) {
        const shown = await configShow(cfg);
        if (shown.code !== EXIT.ok) return shown;
        path = (shown.json as { journal: { path: string } }).journal.path;
      }
      if (sub === 'totals') return journalTotals(path);
      const n = Number(values.n ?? 20);
      if (!Number.isInteger(n) || n <= 0) return usage('-n takes a positive whole number');
      return journalTail(path, n);
    }
    default:
      return usage(`unknown command "${positionals.join(' ')}"`);
  }
}

function usage(msg: string): CommandResult {
  return { code: EXIT.usage, text: `kioskctl: ${msg}\n${HELP['']}`, json: { error: 'usage', message: msg } };
}

