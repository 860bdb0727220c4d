/**
 * The screenshots of the docs (`npm run screenshots`): the main components and pages, light and
 * dark, written to docs/screenshots/. Run it after a UI change and look at them.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bell, expect, newDevice, open, test } from './fixtures.js';

const out = (name: string) => path.join(fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url)), `${name}.png`);

for (const scheme of ['light', 'dark'] as const) {
  test(`components and pages, ${scheme}`, async ({ browser, stack }) => {
    const device = await newDevice(browser, { colorScheme: scheme, reducedMotion: 'reduce', viewport: { width: 1200, height: 800 } });
    for (let i = 0; i < 3; i++) await stack.api('POST', '/api/restaurants/7/orders', { table: 2 + i, items: [{ name: 'Margherita', qty: 1 + i }] });
    await stack.herald('POST', '/v1/notifications', { to: ['restaurant:7:admins'], type: 'system', title: 'Fridge 2 is above 6 °C', body: 'Check the door seal.', priority: 'urgent' });
    const admin = await open(device, stack, '/restaurant/7/admin');
    await admin.locator('.lead').click();
    await stack.api('POST', '/api/restaurants/7/orders', { table: 6, items: [{ name: 'Tiramisù', qty: 2 }] });
    await expect(admin.locator('.hrd-toast')).toHaveCount(1);
    await admin.screenshot({ path: out(`restaurant-admin-${scheme}`) });
    await admin.locator('.hrd-toast').screenshot({ path: out(`toast-${scheme}`) });
    await bell(admin).click();
    await expect(admin.locator('.hrd-popover')).toBeVisible();
    await admin.locator('.hrd-popover').screenshot({ path: out(`notification-center-${scheme}`) });
    await admin.keyboard.press('Escape');
    await admin.locator('.lead').click();
    await admin.locator('.topbar-actions').screenshot({ path: out(`badge-bell-${scheme}`) });

    const kitchen = await open(device, stack, '/kitchen/7');
    await kitchen.screenshot({ path: out(`kitchen-${scheme}`) });
    const card = await open(device, stack, '/loyalty/card/c-100');
    await card.screenshot({ path: out(`loyalty-card-${scheme}`) });
    const inbox = await open(device, stack, '/inbox/quinn');
    await stack.api('POST', '/api/jobs', { user: 'quinn', type: 'invoice_due', count: 2 });
    await stack.api('POST', '/api/jobs', { user: 'quinn', type: 'report_ready', count: 2 });
    await expect(inbox.locator('.hrd-panel .hrd-item')).toHaveCount(4, { timeout: 15_000 });
    await inbox.screenshot({ path: out(`inbox-${scheme}`) });
    const market = await open(device, stack, '/market/provider/pat');
    await market.screenshot({ path: out(`marketplace-provider-${scheme}`) });
  });
}
