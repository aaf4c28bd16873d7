import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { sharedJ5Io, type J5IoHandle, type J5IoPlugin } from './j5-io.js';

describe('sharedJ5Io', () => {
  it('opens one plugin for several users and closes it after the last one', async () => {
    let opens = 0;
    let closes = 0;
    const open = sharedJ5Io(async (): Promise<J5IoHandle> => {
      opens += 1;
      return { io: new EventEmitter() as unknown as J5IoPlugin, close: async () => { closes += 1; } };
    });
    const a = await open();
    const b = await open();
    expect(a.io).toBe(b.io);
    expect(opens).toBe(1);
    await a.close();
    await a.close();
    expect(closes).toBe(0);
    await b.close();
    expect(closes).toBe(1);
    await open();
    expect(opens).toBe(2);
  });

  it('lets the next caller retry after a failed open', async () => {
    let n = 0;
    const open = sharedJ5Io(async () => {
      n += 1;
      if (n === 1) throw new Error('port busy');
      return { io: new EventEmitter() as unknown as J5IoPlugin, close: async () => {} };
    });
    await expect(open()).rejects.toThrow('port busy');
    await expect(open()).resolves.toBeDefined();
  });
});
