/**
 * Scenario 1 (SPEC §1): the restaurant admin dashboard, with two admins signed in (two browser
 * contexts) and a customer placing orders and reservations from a third.
 */
import { bell, expect, newDevice, open, soundsPlayed, test, toastCount, toastShownAt, toastsSeen, type Stack } from './fixtures.js';

async function placeOrder(stack: Stack, table: number, items: { name: string; qty: number }[]): Promise<number> {
  const res = await stack.api('POST', '/api/restaurants/7/orders', { table, items });
  expect(res.status).toBe(201);
  return res.body.order.number;
}

test('every admin gets one toast per new order and reservation, with a chime; nothing on first load, nothing again after a reload', async ({ browser, stack }) => {
  // An order placed before anyone opens the dashboard is part of the first load: no toast for it.
  const before = await placeOrder(stack, 3, [{ name: 'Lasagna', qty: 1 }]);
  const ana = await open(await newDevice(browser), stack, '/restaurant/7/admin');
  const ben = await open(await newDevice(browser), stack, '/restaurant/7/admin?as=ben');
  for (const page of [ana, ben]) {
    await expect(page.getByTestId('order-row').filter({ hasText: `#${before}` })).toHaveCount(1);
    await expect(bell(page)).toHaveAttribute('aria-label', '1 unread notification');
  }
  const seededRows = await ana.getByTestId('order-row').count();
  // The first click on the page unlocks sound (browsers block it before a gesture).
  for (const page of [ana, ben]) await page.locator('.lead').click();

  // The customer orders from their own page, through the restaurant's back end.
  const customer = await open(await newDevice(browser), stack, '/restaurant/7/order', { live: false });
  await customer.getByRole('button', { name: 'One more Margherita' }).click();
  await customer.getByRole('button', { name: 'One more Margherita' }).click();
  await customer.getByRole('button', { name: 'One more Tiramisù' }).click();
  await customer.getByLabel('Table').selectOption('5');
  await customer.getByRole('button', { name: 'Place order' }).click();
  await expect(customer.getByTestId('notice')).toContainText('placed for table 5');
  const number = Number((await customer.getByTestId('notice').textContent())!.match(/#(\d+)/)![1]);
  const title = `New order #${number} · table 5`;

  for (const page of [ana, ben]) {
    await expect(page.locator('.hrd-toast', { hasText: title })).toBeVisible();
    await expect(page.getByTestId('order-row')).toHaveCount(seededRows + 1);
    await expect(page.getByTestId('order-row').first()).toContainText('2× Margherita, 1× Tiramisù');
    await expect(bell(page)).toHaveAttribute('aria-label', '2 unread notifications');
    await expect.poll(() => soundsPlayed(page)).toBe(1);
  }

  // A reservation: its own toast and list row, on both.
  await customer.getByLabel('Name').fill('Okafor');
  await customer.getByLabel('Party size').fill('6');
  await customer.getByLabel('When').fill('2026-12-24T19:30');
  await customer.getByRole('button', { name: 'Reserve' }).click();
  const reservation = 'New reservation · Okafor, 6 people';
  for (const page of [ana, ben]) {
    await expect(page.locator('.hrd-toast', { hasText: reservation })).toBeVisible();
    await expect(page.getByTestId('reservation-row').filter({ hasText: 'Okafor' })).toHaveCount(1);
    await expect(bell(page)).toHaveAttribute('aria-label', '3 unread notifications');
    await expect.poll(() => soundsPlayed(page)).toBe(2);
  }

  // Exactly once each, and never the one that was there before the page loaded.
  await ana.waitForTimeout(1000);
  for (const page of [ana, ben]) {
    expect(await toastsSeen(page)).toEqual([title, reservation]);
  }

  // A toast is clickable: it marks the notification read and brings its order into view. (The
  // order's toast is second in the stack: hovering the stack spreads it out, as for a user.)
  await ana.locator('.hrd-toast', { hasText: reservation }).hover();
  await ana.locator('.hrd-toast', { hasText: title }).getByRole('button', { name: title }).click();
  await expect(ana).toHaveURL(/#order-/);
  await expect(ana.locator(`tr:focus`)).toContainText(`#${number}`);
  // Read state is per user: Ana read it, Ben did not.
  await expect(bell(ana)).toHaveAttribute('aria-label', '2 unread notifications');
  await expect(bell(ben)).toHaveAttribute('aria-label', '3 unread notifications');

  // It hides by itself after 7 s (Ben's is untouched).
  const shownAt = (await toastShownAt(ben, reservation))!;
  await expect(ben.locator('.hrd-toast', { hasText: reservation })).toBeHidden({ timeout: 12_000 });
  const hiddenAfter = Date.now() - shownAt;
  expect(hiddenAfter).toBeGreaterThan(6500);
  expect(hiddenAfter).toBeLessThan(10_500);

  // Reload: the lists come back from the back end, and nothing is announced again.
  await ben.reload();
  await expect(ben.locator('.hrd-conn')).toHaveText('Live');
  await expect(ben.getByTestId('order-row')).toHaveCount(seededRows + 1);
  await ben.waitForTimeout(1500);
  expect(await toastsSeen(ben)).toEqual([]);
  expect(await toastCount(ana, title)).toBe(1);
});

test('publish → toast visible latency, measured in the browser', async ({ browser, stack }) => {
  // Reduced motion: no fade-in, so a painted toast is a visible one.
  const page = await open(await newDevice(browser, { reducedMotion: 'reduce' }), stack, '/restaurant/7/admin');
  await page.locator('.lead').click();
  const latencies: number[] = [];
  for (let i = 0; i < 20; i++) {
    const title = `Latency probe ${i}`;
    const sent = Date.now();
    const res = await stack.herald('POST', '/v1/notifications', { to: ['restaurant:7:admins'], type: 'order_created', title });
    expect(res.status).toBe(201);
    await expect.poll(() => toastShownAt(page, title), { intervals: [5] }).toBeDefined();
    latencies.push((await toastShownAt(page, title))! - sent);
    await page.waitForTimeout(100);
  }
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(1);
  console.log(`publish → toast visible (20 notifications, Chromium): p50 ${pct(50)} ms, p90 ${pct(90)} ms, max ${pct(100)} ms`);
  expect(await toastsSeen(page)).toHaveLength(20);
});
