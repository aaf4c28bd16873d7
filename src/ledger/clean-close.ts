import { closeSync, fsyncSync, openSync, readFileSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import { dirname } from 'node:path';

/*
 * The clean-close marker decides how hard `Journal.open` looks at an existing file. A full quick_check
 * reads every page (≈ 0.4 s per million events), so it runs only when the previous run may have ended
 * mid-write: no marker, a marker that does not describe the file as it is now, or a non-empty `-wal`.
 *
 * The marker is a sidecar (`<journal>-clean`) written by a clean close() after the final checkpoint. It
 * records the file's identity (device, inode, size) and an mtime that close() stamps with a random
 * sub-second part: any later write to the file, by anyone, sets the mtime to the kernel's "now", which
 * cannot reproduce that value (coarse timestamps would otherwise let a rewrite in the same tick pass).
 * A writable open removes the marker before it writes, so a crash from then on is always "unclean".
 */

export function markerPath(journalPath: string): string {
  return `${journalPath}-clean`;
}

interface Identity {
  readonly dev: string;
  readonly ino: string;
  readonly size: string;
  readonly mtimeNs: string;
}

function identityOf(path: string): Identity {
  const st = statSync(path, { bigint: true });
  return { dev: String(st.dev), ino: String(st.ino), size: String(st.size), mtimeNs: String(st.mtimeNs) };
}

function fileSize(path: string): number | undefined {
  try {
    return statSync(path).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** True when the file is exactly as a clean close() left it; false on any doubt (never throws). */
export function closedCleanly(journalPath: string): boolean {
  try {
    const wal = fileSize(`${journalPath}-wal`);
    if (wal !== undefined && wal > 0) return false;
    const parsed = JSON.parse(readFileSync(markerPath(journalPath), 'utf8')) as Partial<Identity>;
    const now = identityOf(journalPath);
    return parsed.dev === now.dev && parsed.ino === now.ino && parsed.size === now.size && parsed.mtimeNs === now.mtimeNs;
  } catch {
    return false;
  }
}

/** Stamps the closed journal's mtime and records its identity, durably. Call after the last connection closed. */
export function writeCleanMarker(journalPath: string): void {
  const st = statSync(journalPath);
  const mtimeSec = Math.floor(st.mtimeMs / 1000) + randomInt(1, 1_000_000) / 1_000_000;
  utimesSync(journalPath, st.atime, mtimeSec);
  const fd = openSync(markerPath(journalPath), 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify(identityOf(journalPath)));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  fsyncDir(dirname(journalPath));
}

/** Removes the marker (durably) before the journal is opened for writing. */
export function clearCleanMarker(journalPath: string): void {
  try {
    unlinkSync(markerPath(journalPath));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  fsyncDir(dirname(journalPath));
}
