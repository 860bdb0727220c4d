/**
 * Scenario 4 (SPEC §1): a back-end job queue creates notifications for Quinn, whose two devices
 * (two browser contexts, separate storage) show them; read, delete, archive, mute and the unread
 * count follow on both and agree with the server. And the notification center used with the
 * keyboard alone.
 */
import type { Page } from '@playwright/test';
import { bell, expect, newDevice, open, test, toastsSeen, type Stack } from './fixtures.js';

const panel = (page: Page) => page.locator('.hrd-panel');
const items = (page: Page) => panel(page).locator('.hrd-item');

async function serverUnread(stack: Stack): Promise<number> {
  const token = (await stack.api('POST', '/api/token', { persona: 'queue-user', user: 'quinn' })).body.token;
  return (await stack.herald('GET', '/v1/inbox/unread-count', undefined, token)).body.unread;
}

async function expectBoth(devices: Page[], unread: number, count: number) {
  for (const page of devices) {
    await expect(page.getByTestId('unread-summary')).toHaveText(`${unread} unread, ${count} shown`);
    await expect(items(page)).toHaveCount(count);
    await expect(bell(page)).toHaveAttribute('aria-label', unread === 0 ? 'Notifications, none unread' : `${unread} unread notification${unread === 1 ? '' : 's'}`);
  }
}

test('two devices of one user show what the job queue sends and agree on read, delete, archive, mute and the count', async ({ browser, stack }) => {
  const a = await open(await newDevice(browser), stack, '/inbox/quinn');
  const b = await open(await newDevice(browser), stack, '/inbox/quinn');
  const devices = [a, b];
  await expect(panel(a).getByText('No notifications yet.')).toBeVisible();

  // The job queue console: the back end's worker creates one notification per job.
  const console_ = await open(await newDevice(browser), stack, '/inbox/quinn/jobs');
  const done = console_.locator('[data-testid="job"][data-status="done"]');
  await expect(console_.getByRole('list', { name: 'Jobs' })).toBeVisible();
  const doneBefore = await done.count();
  await console_.getByLabel('Job type').selectOption('report_ready');
  await console_.getByLabel('How many').fill('3');
  await console_.getByRole('button', { name: 'Enqueue' }).click();
  await console_.getByLabel('Job type').selectOption('security_alert');
  await console_.getByLabel('How many').fill('1');
  await console_.getByRole('button', { name: 'Enqueue' }).click();
  await expect(done).toHaveCount(doneBefore + 4);
  await expectBoth(devices, 4, 4);
  expect(await serverUnread(stack)).toBe(4);
  for (const page of devices) {
    await expect.poll(() => toastsSeen(page)).toHaveLength(4);
    expect((await toastsSeen(page)).sort()).toEqual(['New sign-in to your account', 'Your report is ready', 'Your report is ready', 'Your report is ready']);
  }

  // Read one on A: both count 3, and B shows it read.
  const first = items(a).first();
  const firstTitle = (await first.locator('.hrd-item-title').textContent())!.replace(/^Unread: /, '');
  await first.hover();
  await first.getByRole('button', { name: `Mark as read: ${firstTitle}` }).click();
  await expectBoth(devices, 3, 4);
  await expect(items(b).first()).toHaveAttribute('data-unread', 'false');

  // Delete one on B: both list 3; the unread count follows (it was unread).
  const second = items(b).nth(1);
  await second.hover();
  await second.getByRole('button', { name: /^Delete: / }).click();
  await expectBoth(devices, 2, 3);

  // Archive on A: it leaves "All" on both, and shows under "Archived" on B; unarchive it back from B.
  const archivedTitle = (await items(a).first().locator('.hrd-item-title').textContent())!;
  await items(a).first().hover();
  await items(a).first().getByRole('button', { name: /^Archive: / }).click();
  await expectBoth(devices, 2, 2);
  await panel(b).getByRole('tab', { name: 'Archived' }).click();
  await expect(items(b)).toHaveCount(1);
  await expect(items(b).first()).toContainText(archivedTitle);
  await items(b).first().hover();
  await items(b).first().getByRole('button', { name: /^Move to inbox: / }).click();
  await expect(panel(b).getByText('Nothing archived.')).toBeVisible();
  await panel(b).getByRole('tab', { name: 'All' }).click();
  await expectBoth(devices, 2, 3);

  // Mark all read on B.
  await panel(b).getByRole('button', { name: 'Mark all as read' }).click();
  await expectBoth(devices, 0, 3);
  expect(await serverUnread(stack)).toBe(0);

  // Mute weekly digests on A: B's switch follows; a digest arrives on both, silently and uncounted.
  const digestSwitch = (page: Page) => page.getByRole('switch', { name: 'Weekly digest' });
  await digestSwitch(a).click();
  await expect(digestSwitch(b)).toHaveAttribute('aria-checked', 'false');
  await console_.getByLabel('Job type').selectOption('weekly_digest');
  await console_.getByRole('button', { name: 'Enqueue' }).click();
  await expectBoth(devices, 0, 4);
  await a.waitForTimeout(500);
  for (const page of devices) expect(await toastsSeen(page)).not.toContain('Your weekly digest');
  expect(await serverUnread(stack)).toBe(0);
});

test('the notification center can be opened, navigated and used with the keyboard alone', async ({ browser, stack }) => {
  for (const title of ['First alert', 'Second alert', 'Third alert']) {
    await stack.herald('POST', '/v1/notifications', { to: ['role:admin'], type: 'system_alert', title, priority: 'high' });
  }
  const page = await open(await newDevice(browser), stack, '/loyalty/admin');
  await expect(bell(page)).toHaveAttribute('aria-label', '3 unread notifications');
  // Tab from the top of the page to the bell.
  for (let i = 0; i < 20 && !(await bell(page).evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  await expect(bell(page)).toBeFocused();
  await expect(bell(page)).toHaveAttribute('aria-expanded', 'false');

  // Enter opens it; focus moves into the dialog, on the selected tab.
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Notifications' });
  await expect(dialog).toBeVisible();
  await expect(bell(page)).toHaveAttribute('aria-expanded', 'true');
  await expect(dialog.getByRole('tab', { name: 'All' })).toBeFocused();
  // Arrows move between tabs (and select them).
  await page.keyboard.press('ArrowRight');
  await expect(dialog.getByRole('tab', { name: /Unread/ })).toBeFocused();
  await expect(dialog.getByRole('tab', { name: /Unread/ })).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowRight');
  await expect(dialog.getByRole('tab', { name: 'Archived' })).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await expect(dialog.getByRole('tab', { name: 'All' })).toHaveAttribute('aria-selected', 'true');

  // Tab into the list; arrows move between items; Enter opens one (marks it read, closes, focus back on the bell).
  await page.keyboard.press('Tab');
  await expect(dialog.getByRole('button', { name: /Third alert/ }).first()).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(dialog.getByRole('button', { name: /Second alert/ }).first()).toBeFocused();
  await page.keyboard.press('End');
  await expect(dialog.getByRole('button', { name: /First alert/ }).first()).toBeFocused();
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await expect(dialog).toBeHidden();
  await expect(bell(page)).toBeFocused();
  await expect(bell(page)).toHaveAttribute('aria-label', '2 unread notifications');

  // Reopen; the item's actions are reachable with Tab; Escape closes and returns focus.
  await page.keyboard.press('Enter');
  await expect(dialog).toBeVisible();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await expect(dialog.getByRole('button', { name: 'Mark as read: Third alert' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(bell(page)).toHaveAttribute('aria-label', '1 unread notification');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(bell(page)).toBeFocused();

  // "Mark all as read" is in the dialog's header: Shift+Tab from the tabs.
  await page.keyboard.press('Enter');
  await expect(dialog.getByRole('tab', { name: 'All' })).toBeFocused();
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Shift+Tab');
  await expect(dialog.getByRole('button', { name: 'Mark all as read' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(bell(page)).toHaveAttribute('aria-label', 'Notifications, none unread');
  // Shift+Tab out of the dialog (past the bell's side) closes it without trapping focus.
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Shift+Tab');
  await expect(dialog).toBeHidden();
});

test('offline: the center says so, applies actions at once, shows them pending, and syncs them when Herald is back', async ({ browser, stack }) => {
  await stack.api('POST', '/api/jobs', { user: 'quinn', type: 'report_ready', count: 2 });
  const a = await open(await newDevice(browser), stack, '/inbox/quinn');
  const b = await open(await newDevice(browser), stack, '/inbox/quinn');
  await expectBoth([a, b], 2, 2);

  await stack.stopHerald();
  await expect(a.locator('.hrd-conn')).toHaveText('Offline', { timeout: 20_000 });
  await expect(panel(a).getByRole('status').filter({ hasText: /^Offline\./ })).toBeVisible();
  // Read one and delete the other while offline: shown at once, and as waiting to sync.
  await items(a).first().hover();
  await items(a).first().getByRole('button', { name: /^Mark as read: / }).click();
  await expect(items(a).first()).toHaveAttribute('data-unread', 'false');
  await items(a).nth(1).hover();
  await items(a).nth(1).getByRole('button', { name: /^Delete: / }).click();
  await expect(panel(a).getByText('2 changes waiting to sync')).toBeVisible();
  await expect(a.getByTestId('unread-summary')).toHaveText('0 unread, 1 shown');

  await stack.startHerald();
  await expect(a.locator('.hrd-conn')).toHaveText('Live', { timeout: 30_000 });
  await expect(panel(a).getByText(/waiting to sync/)).toBeHidden();
  await expectBoth([a, b], 0, 1);
  expect(await serverUnread(stack)).toBe(0);
});

test('the center pages through a long inbox as it is scrolled (infinite scroll)', async ({ browser, stack }) => {
  for (let i = 1; i <= 120; i++) {
    const res = await stack.herald('POST', '/v1/notifications', { to: ['user:quinn'], type: 'report_ready', title: `Report ${i}` });
    expect(res.status).toBe(201);
  }
  const page = await open(await newDevice(browser), stack, '/inbox/quinn');
  await expect(page.getByTestId('unread-summary')).toHaveText('120 unread, 50 shown');
  await expect(items(page)).toHaveCount(50);
  await expect(items(page).first()).toContainText('Report 120');
  // Scrolling to the end of the list loads the next page, and the next.
  await items(page).last().scrollIntoViewIfNeeded();
  await expect(items(page)).toHaveCount(100);
  await items(page).last().scrollIntoViewIfNeeded();
  await expect(items(page)).toHaveCount(120);
  await expect(items(page).last()).toContainText('Report 1');
  await expect(panel(page).getByRole('button', { name: /Load more|Loading more/ })).toHaveCount(0);
  const titles = await items(page).locator('.hrd-item-title').allTextContents();
  expect(new Set(titles).size).toBe(120);
});
