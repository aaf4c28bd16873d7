/** What a kioskctl command returns: exit code, human text and the same facts as JSON for scripts. */
export interface CommandResult {
  readonly code: number;
  readonly text: string;
  readonly json: unknown;
}

/** Exit codes that mean something to a script (sysexits.h where one fits). */
export const EXIT = { ok: 0, failure: 1, usage: 64, dataErr: 65, noInput: 66, unavailable: 69, software: 70, config: 78 } as const;

export function print(r: CommandResult, json: boolean): void {
  if (json) process.stdout.write(`${JSON.stringify(r.json, null, 2)}\n`);
  else if (r.text) process.stdout.write(r.text.endsWith('\n') ? r.text : `${r.text}\n`);
}
