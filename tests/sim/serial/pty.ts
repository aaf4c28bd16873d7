import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import type { DeviceSide } from './device-side.js';

let warned = false;

/**
 * Whether socat is installed. Without it the PTY tests skip themselves on a developer machine — loudly —
 * while CI (CI=true) runs them regardless, so a missing package fails there instead of hiding.
 */
export function socatAvailable(): boolean {
  const ok = spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;
  if (!ok && !warned && process.env.CI !== 'true') {
    warned = true;
    process.stderr.write('\n*** socat is not installed: the serial PTY tests (real serialport binding) are SKIPPED. apt-get install socat ***\n\n');
  }
  return ok;
}

export interface PtyPair {
  /** The path the code under test opens with the real SerialPort binding. */
  readonly hostPath: string;
  /** The path the simulator opens. */
  readonly devicePath: string;
  close(): Promise<void>;
}

/** Starts `socat` with two raw PTYs linked to temp paths and waits until both exist. */
export async function openPtyPair(): Promise<PtyPair> {
  const dir = mkdtempSync(join(tmpdir(), 'kioskd-pty-'));
  const hostPath = join(dir, 'host');
  const devicePath = join(dir, 'device');
  const proc: ChildProcess = spawn('socat', [`pty,raw,echo=0,link=${hostPath}`, `pty,raw,echo=0,link=${devicePath}`], { stdio: 'ignore' });
  for (let i = 0; i < 200 && !(existsSync(hostPath) && existsSync(devicePath)); i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  if (!existsSync(hostPath) || !existsSync(devicePath)) { proc.kill(); throw new Error('socat did not create the PTY pair'); }
  return {
    hostPath, devicePath,
    close: () => new Promise<void>((resolve) => {
      if (proc.exitCode !== null) { resolve(); return; }
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    }),
  };
}

/** Opens the device end of a PTY pair with the real binding and wires a simulator to it. */
export async function attachToPty(devicePath: string, sim: DeviceSide): Promise<{ close(): Promise<void> }> {
  const port = new SerialPort({ path: devicePath, baudRate: 9600, autoOpen: false });
  await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())));
  port.on('data', (chunk: Buffer) => sim.receive(chunk));
  sim.attach((bytes) => { if (port.isOpen) port.write(bytes); });
  return {
    close: () => new Promise<void>((resolve) => { sim.attach(undefined); if (!port.isOpen) { resolve(); return; } port.close(() => resolve()); }),
  };
}
