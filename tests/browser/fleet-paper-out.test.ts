import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext } from 'playwright-core';
import { buildPages, launchChromium, requireChromium, screenshotPath, startStack, type Stack } from './support.js';

const run = requireChromium();

describe.runIf(run)('browser: the fleet dashboard', () => {
  let pages: Awaited<ReturnType<typeof buildPages>> | undefined;
  let stack: Stack | undefined;
  let browser: { context: BrowserContext; close(): Promise<void> } | undefined;

  beforeAll(async () => {
    pages = await buildPages();
    stack = await startStack(pages.dir);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    pages?.remove();
  });

  it('shows a paper-out tripped on the panel as an alarm and out-of-service, over MQTT over WebSocket', async () => {
    const { sim, web } = stack!;
    const id = sim.config.terminal.id;
    const fleet = await browser!.context.newPage();
    await fleet.goto(`${web.url}fleet/?lang=en`);
    const card = fleet.locator(`article.terminal[data-terminal="${id}"]`);
    await expect.poll(() => card.getByTestId('online').textContent(), { timeout: 15_000 }).toBe('online');
    await expect.poll(() => card.getByTestId('service').textContent()).toBe('in-service');
    expect(await card.getByTestId('alarms').textContent()).toBe('none');
    expect(await card.getByTestId('paper').getAttribute('data-level')).toBe('ok');

    // The fault is tripped where a person would: the panel's switch.
    const panel = await browser!.context.newPage();
    await panel.goto(`${web.url}panel/?lang=en`);
    const paperSwitch = panel.locator('button[data-fault="paperOut"]');
    await expect.poll(() => paperSwitch.getAttribute('aria-pressed')).toBe('false');
    await paperSwitch.click();
    await expect.poll(() => paperSwitch.getAttribute('aria-pressed')).toBe('true');
    expect(sim.devices.receiptPrinter.status().reason).toBe('paper-out');

    await expect.poll(() => card.getByTestId('alarms').textContent(), { timeout: 15_000 }).toContain('paper-out');
    await expect.poll(() => card.getByTestId('service').textContent()).toBe('out-of-service');
    expect(await card.getByTestId('reasons').textContent()).toContain('receiptPrinter-paper-out');
    expect(await card.getByTestId('paper').getAttribute('data-level')).toBe('bad');
    expect(await card.getAttribute('data-alarm')).toBe('true');
    expect(await fleet.getByTestId('fleet-events').textContent()).toContain(`${id} devices/devices`);
    const shot = screenshotPath('fleet');
    if (shot) await fleet.screenshot({ path: shot, fullPage: true });

    // Paper loaded again: the terminal goes back in service and the alarm clears.
    await paperSwitch.click();
    await expect.poll(() => card.getByTestId('service').textContent(), { timeout: 15_000 }).toBe('in-service');
    expect(await card.getByTestId('alarms').textContent()).toBe('none');
  });

  it('takes a terminal out of service and back with commands signed by the fleet console', async () => {
    const { sim, web } = stack!;
    const id = sim.config.terminal.id;
    const page = await browser!.context.newPage();
    await page.goto(`${web.url}fleet/?lang=en`);
    const card = page.locator(`article.terminal[data-terminal="${id}"]`);
    await expect.poll(() => card.getByTestId('service').textContent(), { timeout: 15_000 }).toBe('in-service');
    const send = page.getByRole('button', { name: 'Sign and send' });
    await expect.poll(() => send.isEnabled()).toBe(true);
    await page.locator('#cmd-terminal').selectOption(`${sim.config.terminal.fleet}/${id}`);

    await page.locator('#cmd-name').selectOption('out-of-service');
    await send.click();
    const result = page.getByTestId('command-result');
    await expect.poll(() => result.getAttribute('data-ok'), { timeout: 15_000 }).toBe('true');
    expect(await result.textContent()).toContain('out-of-service: ok');
    await expect.poll(() => card.getByTestId('service').textContent(), { timeout: 15_000 }).toBe('out-of-service');
    expect(sim.runtime.kiosk.serviceState().service).toBe('out-of-service');

    await page.locator('#cmd-name').selectOption('in-service');
    await send.click();
    await expect.poll(() => result.textContent(), { timeout: 15_000 }).toContain('in-service: ok');
    await expect.poll(() => card.getByTestId('service').textContent(), { timeout: 15_000 }).toBe('in-service');
    await page.close();
  });
});
