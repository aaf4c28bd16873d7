/** `kioskctl probe <port>`: what answers on a serial port. */
import { accessSync, constants, statSync } from 'node:fs';
import { toKioskError } from '../../errors/index.js';
import { EXIT, errnoResult, fail, type CommandResult } from '../output.js';
import { PROBE_PROTOCOLS, probePort, type ProbeOptions, type ProbeProtocol } from '../probe.js';

export interface ProbeArgs extends Omit<ProbeOptions, 'only'> {
  readonly only?: string;
}

/** Exit 0 when something answered, 69 when nothing did, 66 no such port, 77 no permission, 75 busy. */
export async function probe(a: ProbeArgs): Promise<CommandResult> {
  let only: ProbeProtocol[] | undefined;
  if (a.only !== undefined) {
    only = a.only.split(',').map((s) => s.trim()) as ProbeProtocol[];
    const bad = only.filter((p) => !(PROBE_PROTOCOLS as readonly string[]).includes(p));
    if (bad.length) return fail(EXIT.usage, 'usage', `unknown protocol ${bad.join(',')}: choose from ${PROBE_PROTOCOLS.join(', ')}`);
  }
  if ((a.binding ?? 'real') === 'real') {
    try {
      if (!statSync(a.path).isCharacterDevice()) return fail(EXIT.noInput, 'not-a-port', `${a.path} is not a serial device (run kioskctl ports to list them)`);
      accessSync(a.path, constants.R_OK | constants.W_OK);
    } catch (err) {
      const r = errnoResult(err, a.path);
      return r.code === EXIT.noInput ? fail(EXIT.noInput, 'not-found', `${a.path}: no such port (run kioskctl ports to list them)`) : r;
    }
  }
  let report;
  try {
    const { only: _ignored, ...rest } = a;
    report = await probePort({ ...rest, ...(only ? { only } : {}) });
  } catch (err) {
    const e = toKioskError(err);
    const msg = e.message;
    if (/lock/i.test(msg) || /busy/i.test(msg)) return fail(EXIT.tempFail, 'busy', `${a.path} is in use (is kioskd running? systemctl stop kioskd first)`);
    if (/does not exist|no such file/i.test(msg)) return fail(EXIT.noInput, 'not-found', `${a.path}: no such port (run kioskctl ports to list them)`);
    if (/permission/i.test(msg)) return fail(EXIT.noPerm, 'permission-denied', `${a.path}: permission denied (add your user to the dialout group)`);
    return fail(EXIT.unavailable, e.code, `cannot open ${a.path}: ${msg}`);
  }
  const tried = report.attempts.map((t) => t.protocol).join(', ');
  const f = report.finding;
  if (!f) {
    return {
      code: EXIT.unavailable,
      text: `kioskctl: nothing answered on ${a.path} (tried ${tried}).\nCheck the cable and the device's power, that the device is set to its default baud rate, and that kioskd is not holding the port.`,
      json: { port: a.path, found: false, attempts: report.attempts },
    };
  }
  const lines = [
    `${a.path}: ${f.device}`,
    `  protocol: ${f.protocol}`,
    ...(f.model ? [`  model:    ${f.model}`] : []),
    ...(f.serial ? [`  serial:   ${f.serial}`] : []),
    ...(f.firmware ? [`  firmware: ${f.firmware}`] : []),
    ...(f.currency ? [`  currency: ${f.currency}`] : []),
    ...Object.entries(f.details ?? {}).map(([k, v]) => `  ${k}: ${String(v)}`),
  ];
  return { code: EXIT.ok, text: lines.join('\n'), json: { port: a.path, found: true, ...f, attempts: report.attempts } };
}
