/** What a kioskctl command returns: exit code, human text and the same facts as JSON for scripts. */
export interface CommandResult {
  readonly code: number;
  readonly text: string;
  readonly json: unknown;
}

/**
 * Exit codes that mean something to a script (sysexits.h where one fits):
 * 0 ok · 1 the check ran and failed (device test failed, terminal out of service) · 64 usage ·
 * 65 bad input data (not Intel HEX, corrupt journal) · 66 input missing (file, port) · 69 unavailable
 * (kioskd not running, nothing answered on the port) · 70 internal error · 73 cannot create (file
 * exists) · 74 I/O error (flash verification failed) · 75 temporary failure (timeout, port busy) ·
 * 77 permission denied · 78 configuration invalid.
 */
export const EXIT = {
  ok: 0, failure: 1, usage: 64, dataErr: 65, noInput: 66, unavailable: 69, software: 70,
  cantCreate: 73, ioErr: 74, tempFail: 75, noPerm: 77, config: 78,
} as const;

export function print(r: CommandResult, json: boolean): void {
  if (json) process.stdout.write(`${JSON.stringify(r.json, null, 2)}\n`);
  else if (r.text) {
    // Failures go to stderr so that scripts piping stdout still see them.
    const stream = r.code === EXIT.ok || r.code === EXIT.failure ? process.stdout : process.stderr;
    stream.write(r.text.endsWith('\n') ? r.text : `${r.text}\n`);
  }
}

/** A result for bad usage: the message and the command's help. */
export function usageError(msg: string, help: string): CommandResult {
  return { code: EXIT.usage, text: `kioskctl: ${msg}\n${help}`, json: { error: 'usage', message: msg } };
}

/** A one-line failure with a stable error word for scripts. */
export function fail(code: number, error: string, text: string, extra: Record<string, unknown> = {}): CommandResult {
  return { code, text: `kioskctl: ${text}`, json: { error, message: text, ...extra } };
}

/** Maps an errno from the filesystem or a device node to an exit code and a plain sentence. */
export function errnoResult(err: unknown, what: string): CommandResult {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const msg = err instanceof Error ? err.message : String(err);
  switch (code) {
    case 'ENOENT': return fail(EXIT.noInput, 'not-found', `${what}: no such file or device`);
    case 'EACCES':
    case 'EPERM': return fail(EXIT.noPerm, 'permission-denied', `${what}: permission denied (is your user in the kioskd / dialout group?)`);
    case 'EBUSY': return fail(EXIT.tempFail, 'busy', `${what}: busy (is kioskd running? stop it first: systemctl stop kioskd)`);
    default: return fail(EXIT.software, code ?? 'error', `${what}: ${msg}`);
  }
}
