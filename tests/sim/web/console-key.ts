import { existsSync, readFileSync } from 'node:fs';
import { fleet } from '../../../src/cli/fleet/index.js';
import { loadPrivateKey, publicKeyBase64 } from '../../../src/telemetry/index.js';

export interface ConsoleKey {
  readonly keyId: string;
  /** The private key (PEM) the fleet console signs with; stays on this machine. */
  readonly keyFile: string;
  /** For the simulated terminal's `telemetry.commands.publicKeys`. */
  readonly publicKey: { readonly id: string; readonly key: string };
}

/**
 * The simulated fleet operator's Ed25519 key, made by the fleet console's own `keygen` on first use and
 * kept in the sim's data directory, so the dashboard's commands are signed exactly as `kioskctl fleet send`
 * signs them and the simulated terminal trusts them.
 */
export async function simConsoleKey(keyFile: string, keyId = 'sim-console'): Promise<ConsoleKey> {
  if (existsSync(keyFile)) {
    return { keyId, keyFile, publicKey: { id: keyId, key: publicKeyBase64(loadPrivateKey(readFileSync(keyFile))) } };
  }
  const r = await fleet(['keygen', '--out', keyFile, '--key-id', keyId], { write: () => {} });
  const made = r.json as { publicKey?: { id: string; key: string } } | null;
  if (r.code !== 0 || !made?.publicKey) throw new Error(`fleet keygen failed: ${r.text}`);
  return { keyId, keyFile, publicKey: made.publicKey };
}
