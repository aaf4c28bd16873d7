import * as fsp from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Adapter } from 'lowdb';

/** The few file operations the adapter needs; tests inject a recording or failing variant. */
export interface DurableFs {
  readFile(path: string): Promise<string>;
  open(path: string, flags: 'w' | 'r', mode?: number): Promise<SyncableHandle>;
  rename(from: string, to: string): Promise<void>;
}

export interface SyncableHandle {
  writeFile(data: string): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

export const nodeDurableFs: DurableFs = {
  readFile: (path) => fsp.readFile(path, 'utf8'),
  open: async (path, flags, mode) => {
    const fh = await fsp.open(path, flags, mode);
    return {
      writeFile: (data) => fh.writeFile(data, 'utf8'),
      sync: () => fh.sync(),
      close: () => fh.close(),
    };
  },
  rename: (from, to) => fsp.rename(from, to),
};

export interface DurableJsonFileOptions<T> {
  /** Turns file text into data; throw to report a corrupt file. Default: JSON.parse. */
  readonly parse?: (text: string) => T;
  readonly fs?: DurableFs;
  /** Mode of a newly created file. Default 0o600: settings may name broker users. */
  readonly mode?: number;
}

/**
 * A lowdb adapter that survives power loss: write a temp file beside the target, fsync it, rename
 * it over the target, fsync the directory so the rename itself is on disk. lowdb's default (steno)
 * does the temp+rename without either fsync (DEPENDENCIES.md §7).
 *
 * Reads only ever look at the target, so a temp file left by a crash before the rename is ignored
 * (and truncated by the next write).
 */
export class DurableJsonFile<T> implements Adapter<T> {
  readonly path: string;
  readonly tempPath: string;
  private readonly fs: DurableFs;
  private readonly parse: (text: string) => T;
  private readonly mode: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(path: string, opts: DurableJsonFileOptions<T> = {}) {
    this.path = path;
    this.tempPath = join(dirname(path), `.${basename(path)}.tmp`);
    this.fs = opts.fs ?? nodeDurableFs;
    this.parse = opts.parse ?? ((text) => JSON.parse(text) as T);
    this.mode = opts.mode ?? 0o600;
  }

  async read(): Promise<T | null> {
    let text: string;
    try {
      text = await this.fs.readFile(this.path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    return this.parse(text);
  }

  /** Writes are serialised: two overlapping calls never share the temp file. */
  write(data: T): Promise<void> {
    // Serialise now: lowdb hands over its live object, which may change before our turn.
    const text = `${JSON.stringify(data, null, 2)}\n`;
    const run = this.queue.then(() => this.writeText(text));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async writeText(text: string): Promise<void> {
    const fh = await this.fs.open(this.tempPath, 'w', this.mode);
    try {
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await this.fs.rename(this.tempPath, this.path);
    const dh = await this.fs.open(dirname(this.path), 'r');
    try {
      await dh.sync();
    } catch (e) {
      // EINVAL: the file system cannot sync directories; the rename is as durable as it gets there.
      if ((e as NodeJS.ErrnoException).code !== 'EINVAL') throw e;
    } finally {
      await dh.close();
    }
  }
}
