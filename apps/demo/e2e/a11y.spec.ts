/**
 * Accessibility and isolation: no serious or critical axe violation on any page (light and dark,
 * with the notification center open, with a toast showing); and the components' stylesheet
 * changes nothing of the host page's own elements.
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { bell, expect, newDevice, open, test } from './fixtures.js';

const PAGES = [
  '/',
  '/restaurant/7/admin',
  '/restaurant/7/order',
  '/kitchen/7',
  '/table/7/5',
  '/loyalty/card/c-100',
  '/loyalty/restaurant/7',
  '/loyalty/admin',
  '/inbox/quinn',
  '/inbox/quinn/jobs',
  '/market/client/cleo',
  '/market/provider/pat',
];

async function seriousViolations(page: Page, what: string): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${what}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
}

for (const colorScheme of ['light', 'dark'] as const) {
  test(`no serious or critical accessibility violation on any page (${colorScheme})`, async ({ browser, stack }) => {
    // Something in every inbox, so lists, items and badges are checked too.
    await stack.api('POST', '/api/jobs', { user: 'quinn', type: 'invoice_due', count: 2 });
    await stack.api('POST', '/api/restaurants/7/orders', { table: 5, items: [{ name: 'Margherita', qty: 1 }] });
    await stack.api('POST', '/api/loyalty/alerts', { title: 'Disk almost full', priority: 'urgent' });
    const device = await newDevice(browser, { colorScheme, reducedMotion: 'reduce' });
    const found: string[] = [];
    for (const path of PAGES) {
      const page = await open(device, stack, path, { live: path !== '/' && path !== '/restaurant/7/order' });
      found.push(...(await seriousViolations(page, path)));
      if (await bell(page).count()) {
        await bell(page).click();
        const center = page.locator('.hrd-popover, .hrd-panel').first();
        await expect(center).toBeVisible();
        await expect(center.getByRole('tabpanel')).not.toContainText('Loading');
        found.push(...(await seriousViolations(page, `${path} with the notification center open`)));
      }
      await page.close();
    }
    // With a toast on screen.
    const admin = await open(device, stack, '/restaurant/7/admin');
    await stack.api('POST', '/api/restaurants/7/orders', { table: 2, items: [{ name: 'Espresso', qty: 2 }] });
    await expect(admin.locator('.hrd-toast')).toBeVisible();
    found.push(...(await seriousViolations(admin, 'admin with a toast')));
    expect(found).toEqual([]);
  });
}

test('the components’ styles do not reach the host page’s own elements', async ({ browser, stack }) => {
  const page = await open(await newDevice(browser), stack, '/inbox/quinn');
  await expect(page.locator('.hrd-panel')).toBeVisible();
  // Host elements of every kind the components use, outside any component.
  const styleOfHost = () =>
    page.evaluate(() => {
      let host = document.getElementById('host-probe');
      if (!host) {
        host = document.createElement('div');
        host.id = 'host-probe';
        host.innerHTML =
          '<button>b</button><ul><li>l</li></ul><ol><li>o</li></ol><h2>h</h2><h3>h</h3><p>p</p><fieldset><legend>l</legend></fieldset>' +
          '<time>t</time><section>s</section><span>s</span><svg width="10" height="10"></svg><div data-priority="urgent" data-state="live">d</div>';
        document.body.append(host);
      }
      const props = ['margin', 'padding', 'border', 'font', 'color', 'background', 'list-style', 'box-sizing', 'outline', 'display', 'opacity', 'cursor'];
      return [...host.querySelectorAll('*')].map((el) => {
        const cs = getComputedStyle(el);
        return `${el.tagName}: ${props.map((p) => cs.getPropertyValue(p)).join(' | ')} | ${cs.getPropertyValue('--hrd-p')}${cs.getPropertyValue('--herald-bg')}`;
      });
    });
  const stylesheet = page.locator('style[data-href="herald-react"]');
  await expect(stylesheet).toHaveCount(1);
  const withHerald = await styleOfHost();
  // The same elements once the stylesheet is removed: nothing may differ.
  await stylesheet.evaluate((el) => el.remove());
  const withoutHerald = await styleOfHost();
  expect(withHerald).toEqual(withoutHerald);
});

test('animations stop when the user prefers reduced motion', async ({ browser, stack }) => {
  const animations = async (reducedMotion: 'reduce' | 'no-preference') => {
    const page = await open(await newDevice(browser, { reducedMotion }), stack, '/loyalty/admin');
    await bell(page).click();
    const popover = page.locator('.hrd-popover');
    await expect(popover).toBeVisible();
    const names = {
      popover: await popover.evaluate((el) => getComputedStyle(el).animationName),
      liveDot: await page.locator('.hrd-conn-dot').evaluate((el) => getComputedStyle(el).animationName),
    };
    await page.close();
    return names;
  };
  expect(await animations('no-preference')).toEqual({ popover: 'hrd-pop', liveDot: 'hrd-pulse' });
  expect(await animations('reduce')).toEqual({ popover: 'none', liveDot: 'none' });
});
