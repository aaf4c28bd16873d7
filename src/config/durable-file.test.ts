import { existsSync } from 'node:fs';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DurableJsonFile, nodeDurableFs, type DurableFs } from './durable-file.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kioskd-durable-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Real file operations, with a log of what happened to which path. */
function recordingFs(log: string[], opts: { failRename?: boolean } = {}): DurableFs {
  const name = (p: string): string => (p === dir ? '<dir>' : p.slice(dir.length + 1));
  return {
    readFile: (p) => nodeDurableFs.readFile(p),
    open: async (p, flags, mode) => {
      const h = await nodeDurableFs.open(p, flags, mode);
      log.push(`open ${flags} ${name(p)}`);
      return {
        writeFile: async (d) => { await h.writeFile(d); log.push(`write ${name(p)}`); },
        sync: async () => { await h.sync(); log.push(`sync ${name(p)}`); },
        close: async () => { await h.close(); log.push(`close ${name(p)}`); },
      };
    },
    rename: async (from, to) => {
      if (opts.failRename) throw Object.assign(new Error('power lost'), { code: 'EIO' });
      await nodeDurableFs.rename(from, to);
      log.push(`rename ${name(from)} ${name(to)}`);
    },
  };
}

describe('DurableJsonFile', () => {
  it('fsyncs the temp file before the rename and the directory after it', async () => {
    const log: string[] = [];
    const file = join(dir, 'settings.json');
    await new DurableJsonFile<{ a: number }>(file, { fs: recordingFs(log) }).write({ a: 1 });
    expect(log).toEqual([
      'open w .settings.json.tmp',
      'write .settings.json.tmp',
      'sync .settings.json.tmp',
      'close .settings.json.tmp',
      'rename .settings.json.tmp settings.json',
      'open r <dir>',
      'sync <dir>',
      'close <dir>',
    ]);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ a: 1 });
  });

  it('calls FileHandle.sync for the file and the directory with the default fs', async () => {
    const probe = await open(join(dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { sync: () => Promise<void> };
    await probe.close();
    const spy = vi.spyOn(proto, 'sync');
    try {
      await new DurableJsonFile(join(dir, 'settings.json')).write({ a: 1 });
      expect(spy).toHaveBeenCalledTimes(2);
    } finally {
      spy.mockRestore();
    }
  });

  it('reads null for a missing file', async () => {
    expect(await new DurableJsonFile(join(dir, 'none.json')).read()).toBeNull();
  });

  it('survives a crash between temp write and rename', async () => {
    const file = join(dir, 'settings.json');
    await new DurableJsonFile<{ v: number }>(file).write({ v: 1 });

    const crashing = new DurableJsonFile<{ v: number }>(file, { fs: recordingFs([], { failRename: true }) });
    await expect(crashing.write({ v: 2 })).rejects.toThrow('power lost');
    // The temp file with the new data is left behind, as after a power cut.
    expect(JSON.parse(await readFile(join(dir, '.settings.json.tmp'), 'utf8'))).toEqual({ v: 2 });

    const after = new DurableJsonFile<{ v: number }>(file);
    expect(await after.read()).toEqual({ v: 1 });
    await after.write({ v: 3 });
    expect(await after.read()).toEqual({ v: 3 });
    expect(existsSync(join(dir, '.settings.json.tmp'))).toBe(false);
  });

  it('ignores a garbage temp file left behind', async () => {
    const file = join(dir, 'settings.json');
    await writeFile(file, '{"v":1}');
    await writeFile(join(dir, '.settings.json.tmp'), '\u0000\u0000{');
    expect(await new DurableJsonFile(file).read()).toEqual({ v: 1 });
  });

  it('serialises overlapping writes; the last one wins', async () => {
    const file = join(dir, 'settings.json');
    const a = new DurableJsonFile<{ n: number }>(file);
    await Promise.all([1, 2, 3, 4, 5].map((n) => a.write({ n })));
    expect(await a.read()).toEqual({ n: 5 });
  });

  it('hands parse errors of the target to the caller', async () => {
    const file = join(dir, 'settings.json');
    await writeFile(file, 'not json');
    const a = new DurableJsonFile(file, { parse: () => { throw new Error('corrupt'); } });
    await expect(a.read()).rejects.toThrow('corrupt');
  });
});
