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
    // The signed-command form stays off until the fleet console's signer exists.
    expect(await fleet.getByRole('button', { name: 'Sign and send' }).isDisabled()).toBe(true);
    const shot = screenshotPath('fleet');
    if (shot) await fleet.screenshot({ path: shot, fullPage: true });

    // Paper loaded again: the terminal goes back in service and the alarm clears.
    await paperSwitch.click();
    await expect.poll(() => card.getByTestId('service').textContent(), { timeout: 15_000 }).toBe('in-service');
    expect(await card.getByTestId('alarms').textContent()).toBe('none');
  });
});
