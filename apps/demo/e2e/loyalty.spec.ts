/**
 * Scenario 3 (SPEC §1): loyalty events reach the guest's card page, the restaurant's live
 * transaction feed and the admins; admins also get system alerts (toast, bell, notification
 * center), and the admin page works in dark mode.
 */
import { bell, expect, newDevice, open, test, toastsSeen } from './fixtures.js';

test('points added, redeemed and expired reach the card, the restaurant feed and the admin; admins get system alerts', async ({ browser, stack }) => {
  const card = await open(await newDevice(browser), stack, '/loyalty/card/c-100');
  const feed = await open(await newDevice(browser), stack, '/loyalty/restaurant/7');
  const admin = await open(await newDevice(browser), stack, '/loyalty/admin');
  const balance = card.getByTestId('balance');
  await expect(balance).not.toHaveText('');
  const start = Number(await balance.textContent());
  const cardRows = await card.getByTestId('card-transaction').count();

  // The restaurant's point of sale adds 50 points, then redeems 30.
  await feed.getByLabel('Card').selectOption('c-100');
  await feed.getByLabel('Points').fill('50');
  await feed.getByRole('button', { name: 'Add points' }).click();
  await expect(balance).toHaveText(String(start + 50));
  await feed.getByLabel('Points').fill('30');
  await feed.getByRole('button', { name: 'Redeem' }).click();
  await expect(balance).toHaveText(String(start + 20));
  await expect(card.getByTestId('card-transaction')).toHaveCount(cardRows + 2);
  await expect(card.getByTestId('card-transaction').first()).toHaveAttribute('data-kind', 'points_redeemed');
  await expect(feed.getByTestId('restaurant-transaction').first()).toContainText('30');
  await expect(feed.getByTestId('restaurant-transaction').nth(1)).toContainText('50');
  await expect(admin.locator('[data-testid="loyalty-event"][data-event="points_redeemed"]').first()).toContainText('30 points · card c-100');

  // Redeeming more than the balance is refused by the back end; nothing moves.
  await feed.getByLabel('Points').fill('100000');
  await feed.getByRole('button', { name: 'Redeem' }).click();
  await expect(feed.getByRole('alert')).toBeVisible();
  await expect(balance).toHaveText(String(start + 20));

  // The admin expires points and registers a guest (a card is created for them).
  await admin.getByRole('button', { name: 'Expire 10 points of card c-100' }).click();
  await expect(balance).toHaveText(String(start + 10));
  await expect(card.getByTestId('card-transaction').first()).toHaveAttribute('data-kind', 'points_expired');
  await admin.getByLabel('Guest name').fill('Noor');
  await admin.getByRole('button', { name: 'Register and create a card' }).click();
  await expect(admin.locator('[data-event="guest_registered"]').filter({ hasText: 'Noor' })).toHaveCount(1);
  await expect(admin.locator('[data-event="card_created"]').filter({ hasText: 'Noor' })).toHaveCount(1);
  // The restaurant feed is about its transactions only.
  await expect(feed.getByTestId('restaurant-transaction').filter({ hasText: 'Noor' })).toHaveCount(0);

  // A system alert: toast, bell and notification center for the admin; nothing on the card page.
  await admin.getByLabel('Alert').fill('Payment terminal offline at restaurant 8');
  await admin.getByLabel('Priority').selectOption('urgent');
  await admin.getByRole('button', { name: 'Send alert to admins' }).click();
  const toast = admin.locator('.hrd-toast', { hasText: 'Payment terminal offline at restaurant 8' });
  await expect(toast).toBeVisible();
  await expect(toast).toHaveAttribute('data-priority', 'urgent');
  await expect(toast.getByText('Urgent')).toBeVisible();
  await expect(bell(admin)).toHaveAttribute('aria-label', '1 unread notification');
  await bell(admin).click();
  const item = admin.locator('.hrd-popover .hrd-item').first();
  await expect(item).toContainText('Payment terminal offline at restaurant 8');
  await expect(item).toHaveAttribute('data-priority', 'urgent');
  expect(await toastsSeen(card)).toEqual([]);
});

test('the admin page in dark mode: the page and every Herald component switch', async ({ browser, stack }) => {
  const admin = await open(await newDevice(browser), stack, '/loyalty/admin');
  await stack.api('POST', '/api/loyalty/alerts', { title: 'Nightly export failed', priority: 'high' });
  await expect(bell(admin)).toHaveAttribute('aria-label', '1 unread notification');
  await admin.getByLabel('Colour scheme').selectOption('dark');
  await expect(admin.locator('html')).toHaveAttribute('data-theme', 'dark');
  await bell(admin).click();
  const popover = admin.locator('.hrd-popover');
  await expect(popover).toBeVisible();
  for (const el of [admin.locator('.hrd-conn'), bell(admin), admin.locator('.hrd-center')]) await expect(el).toHaveAttribute('data-herald-theme', 'dark');
  // Dark surfaces, light text.
  const colours = await popover.evaluate((el) => ({ bg: getComputedStyle(el).backgroundColor, fg: getComputedStyle(el).color }));
  expect(colours).toEqual({ bg: 'rgb(15, 23, 42)', fg: 'rgb(226, 232, 240)' });
  expect(await admin.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(11, 17, 32)');
  // The choice is kept: a reload comes back dark.
  await admin.reload();
  await expect(admin.locator('.hrd-conn')).toHaveAttribute('data-herald-theme', 'dark');
});
