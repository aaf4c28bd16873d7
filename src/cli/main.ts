/** kioskctl's process entry: runs one command, prints it (text or --json), exits with its code. */
import { toKioskError } from '../errors/index.js';
import { EXIT, print } from './output.js';
import { run } from './run.js';

const json = process.argv.includes('--json');
run(process.argv.slice(2)).then((r) => { print(r, json); process.exitCode = r.code; }, (err: unknown) => {
  const e = toKioskError(err);
  const isUsage = err instanceof TypeError && String((err as { code?: unknown }).code ?? '').startsWith('ERR_PARSE_ARGS');
  print({ code: isUsage ? EXIT.usage : EXIT.software, text: `kioskctl: ${e.message}`, json: { error: e.code, message: e.message } }, json);
  process.exitCode = isUsage ? EXIT.usage : EXIT.software;
});
