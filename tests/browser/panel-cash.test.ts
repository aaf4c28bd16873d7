import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext } from 'playwright-core';
import { WebSocket } from 'ws';
import { buildPages, launchChromium, requireChromium, screenshotPath, startStack, type Stack } from './support.js';

const run = requireChromium();

describe.runIf(run)('browser: the kiosk panel page', () => {
  let pages: Awaited<ReturnType<typeof buildPages>> | undefined;
  let stack: Stack | undefined;
  let browser: { context: BrowserContext; close(): Promise<void> } | undefined;

  beforeAll(async () => {
    pages = await buildPages();
    let n = 0;
    stack = await startStack(pages.dir, () => `TX-WEB-${++n}`);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    pages?.remove();
  });

  it('completes a cash payment by clicking and shows the receipt the printer rendered', async () => {
    const { sim, web } = stack!;
    const page = await browser!.context.newPage();
    await page.goto(`${web.url}panel/?lang=en`);
    const lcd = page.getByTestId('lcd-text');
    await expect.poll(() => lcd.textContent()).toContain('欢迎使用');

    const bill = sim.biller.sampleBarcodes().find((b) => b.account === 'E0012345678' && b.period === '202507');
    expect(bill).toBeDefined();
    await page.locator(`#bills button[data-code="${bill!.code}"]`).click();
    await expect.poll(() => lcd.textContent()).toContain('196.20');

    await page.getByRole('button', { name: 'Cash', exact: true }).click();
    await expect.poll(() => lcd.textContent()).toContain('本机不找零');

    for (const value of [10_000, 5_000, 5_000]) await page.locator(`#notes button[data-note="${value}"]`).click();

    const receipt = page.getByTestId('receipt');
    await expect.poll(() => receipt.textContent(), { timeout: 20_000 }).toContain('缴费成功');
    const text = (await receipt.textContent()) ?? '';
    expect(text).toContain('TX-WEB-1');
    expect(text).toContain('196.20 CNY');
    expect(text).toContain('200.00 CNY');
    expect(text).toContain('3.80 CNY');
    // The page shows what the simulated printer rendered: its text lines, and the code lines as labelled blocks.
    const printed = sim.devices.receiptPrinter.lastText() ?? '';
    const qrLine = printed.split('\n').find((l) => l.trim().startsWith('[QR:'));
    expect(qrLine).toBeDefined();
    const qr = page.locator('#receipt [data-kind="qr"]');
    expect(await qr.textContent()).toContain(qrLine!.trim().slice(4, -1));
    expect(await page.locator('#receipt [data-kind="barcode"]').textContent()).toContain('TX-WEB-1');
    expect(sim.runtime.journal.transaction('TX-WEB-1')).toMatchObject({ outcome: 'paid', paid: 20_000, notes: 3 });
    expect(await page.getByTestId('events').textContent()).toContain('transaction TX-WEB-1 paid');

    // The page chrome switches language; the kiosk's own screen does not.
    await page.locator('#lang').click();
    expect(await page.locator('#h-receipt').textContent()).toBe('凭条');
    expect(await page.evaluate('document.documentElement.lang')).toBe('zh-CN');
    const shot = screenshotPath('panel');
    if (shot) await page.screenshot({ path: shot, fullPage: true });
    await page.close();
  });

  it('serves the control socket to its own origin only', async () => {
    const { web, sim } = stack!;
    const open = (origin: string): Promise<string> => new Promise((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${web.port}/ws`, { origin });
      ws.once('message', (d: Buffer) => { ws.close(); resolve(`message ${(JSON.parse(d.toString()) as { t: string }).t}`); });
      ws.once('unexpected-response', (_req, res) => { resolve(`status ${res.statusCode ?? 0}`); ws.terminate(); });
      ws.once('error', () => resolve('error'));
    });
    expect(await open(`http://127.0.0.1:${web.port}`)).toBe('message hello');
    expect(await open('http://evil.example')).toMatch(/^(status 403|error)$/);
    const info = await (await fetch(`${web.url}api/info`)).json() as { terminal: string; display: { cols: number } };
    expect(info.terminal).toBe(sim.config.terminal.id);
    expect(info.display.cols).toBe(16);
  });
});
