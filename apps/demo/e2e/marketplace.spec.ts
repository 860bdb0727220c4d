/**
 * Scenario 5 (SPEC §1): the marketplace's client and provider dashboards follow bookings,
 * payments and payouts; the badge shows Live, Polling with the WebSocket blocked (messages keep
 * arriving, in order), Offline with Herald stopped, and after Herald restarts everything missed
 * arrives once.
 */
import type { Page } from '@playwright/test';
import { blockSocketIo, connection, expect, expectAppliedOnce, newDevice, open, test, toastsSeen, type Stack } from './fixtures.js';

/**
 * Record in the page every value each booking's status, payment and payout take, in order, as
 * the DOM shows them: a message applied twice or out of order would show as a repeat or a step
 * back. (Two steps applied in one turn render once, so a step may be skipped, never repeated.)
 */
async function recordBookings(page: Page): Promise<() => Promise<Record<string, { status: string[]; payment: string[]; payout: string[] }>>> {
  await page.evaluate(() => {
    const seen: Record<string, { status: string[]; payment: string[]; payout: string[] }> = {};
    const scan = () => {
      for (const li of document.querySelectorAll<HTMLElement>('[data-testid="booking"]')) {
        const rec = (seen[li.dataset.id!] ??= { status: [], payment: [], payout: [] });
        const values = {
          status: li.dataset.status ?? '',
          payment: li.querySelector<HTMLElement>('[data-testid="payment"]')?.dataset.value ?? '',
          payout: li.querySelector<HTMLElement>('[data-testid="payout"]')?.dataset.value ?? '',
        };
        for (const k of ['status', 'payment', 'payout'] as const) if (values[k] && rec[k].at(-1) !== values[k]) rec[k].push(values[k]);
      }
    };
    scan();
    new MutationObserver(scan).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status', 'data-value'] });
    (window as unknown as { __bookings: typeof seen }).__bookings = seen;
  });
  return () => page.evaluate(() => (window as unknown as { __bookings: Record<string, { status: string[]; payment: string[]; payout: string[] }> }).__bookings);
}

const booking = (page: Page, id: string) => page.locator(`[data-testid="booking"][data-id="${id}"]`);

/** `seen` goes forward through `steps` without repeating or stepping back, and ends on `last`. */
function expectSteps(seen: string[], steps: string[], last: string): void {
  const at = seen.map((s) => steps.indexOf(s));
  expect(at.every((i, n) => i >= 0 && (n === 0 || i > at[n - 1]!)), `${seen.join(' → ')} follows ${steps.join(' → ')}`).toBe(true);
  expect(seen.at(-1)).toBe(last);
}

const headOf = async (stack: Stack, channel: string) => (await stack.herald('GET', `/v1/channels/${channel}/history?limit=1`)).body.head as number;

test('client and provider follow a booking from request to payout, the client over a blocked WebSocket (Polling)', async ({ browser, stack }) => {
  const provider = await open(await newDevice(browser), stack, '/market/provider/pat');
  const blocked = await newDevice(browser);
  // A proxy that refuses WebSockets and Socket.IO's polling alike: only plain HTTP gets through.
  await blockSocketIo(blocked);
  const client = await open(blocked, stack, '/market/client/cleo', { live: false });
  await expect(connection(client)).toHaveText('Polling', { timeout: 15_000 });
  const clientLog = await recordBookings(client);
  const providerLog = await recordBookings(provider);

  await client.getByLabel('Service').selectOption('Window cleaning');
  await client.getByRole('button', { name: 'Request booking' }).click();
  const row = provider.locator('[data-testid="booking"][data-status="created"]');
  await expect(row).toHaveCount(1);
  const id = (await row.getAttribute('data-id'))!;
  await expect(booking(client, id)).toHaveAttribute('data-status', 'created');

  await booking(provider, id).getByRole('button', { name: 'Accept' }).click();
  await expect(booking(client, id)).toHaveAttribute('data-status', 'accepted');
  await expect(client.locator('.hrd-toast', { hasText: 'Booking accepted' })).toBeVisible();
  await booking(client, id).getByRole('button', { name: /^Pay/ }).click();
  for (const page of [client, provider]) await expect(booking(page, id).getByTestId('payment')).toHaveAttribute('data-value', 'ESCROW');
  await booking(provider, id).getByRole('button', { name: 'Mark job done' }).click();
  await expect(booking(provider, id).getByTestId('payout')).toHaveAttribute('data-value', 'COMPLETED');
  await expect(booking(client, id).getByTestId('payment')).toHaveAttribute('data-value', 'RELEASED');
  await expect(connection(client)).toHaveText('Polling');

  // Every message once, in order, on both sides; the screens went forward only.
  await expectAppliedOnce(client, 'market:client-cleo', await headOf(stack, 'market:client-cleo'));
  await expectAppliedOnce(provider, 'market:provider-pat', await headOf(stack, 'market:provider-pat'));
  for (const log of [await clientLog(), await providerLog()]) {
    expectSteps(log[id]!.status, ['created', 'accepted'], 'accepted');
    expectSteps(log[id]!.payment, ['PAID', 'ESCROW', 'RELEASED'], 'RELEASED');
  }
  expectSteps((await providerLog())[id]!.payout, ['PENDING', 'PROCESSING', 'COMPLETED'], 'COMPLETED');
  expect((await toastsSeen(client)).filter((t) => t === 'Booking accepted')).toHaveLength(1);

  // A payout that fails shows FAILED on the provider's side, with a notification.
  await provider.getByLabel('Simulate a failed payout').check();
  const second = (await stack.api('POST', '/api/market/bookings', { clientId: 'cleo', providerId: 'pat', service: 'Garden care', date: '2026-12-20', price: 60 })).body.booking.id;
  await booking(provider, second).getByRole('button', { name: 'Accept' }).click();
  await booking(client, second).getByRole('button', { name: /^Pay/ }).click();
  await booking(provider, second).getByRole('button', { name: 'Mark job done' }).click({ timeout: 15_000 });
  await expect(booking(provider, second).getByTestId('payout')).toHaveAttribute('data-value', 'FAILED');
  expectSteps((await providerLog())[second]!.payout, ['PENDING', 'PROCESSING', 'FAILED'], 'FAILED');
  await expect(provider.locator('.hrd-toast', { hasText: /payout/i }).last()).toBeVisible();
});

test('Offline while Herald is stopped; after its restart everything missed arrives, once and in order', async ({ browser, stack }) => {
  const client = await open(await newDevice(browser), stack, '/market/client/cleo');
  const provider = await open(await newDevice(browser), stack, '/market/provider/pat');
  const id = (await stack.api('POST', '/api/market/bookings', { clientId: 'cleo', providerId: 'pat', service: 'Deep cleaning', date: '2026-12-21', price: 90 })).body.booking.id;
  for (const page of [client, provider]) await expect(booking(page, id)).toHaveAttribute('data-status', 'created');
  const clientLog = await recordBookings(client);
  const providerLog = await recordBookings(provider);

  await stack.stopHerald();
  for (const page of [client, provider]) await expect(connection(page)).toHaveText('Offline', { timeout: 20_000 });

  // The application keeps working while Herald is down: its outbox holds the events.
  expect((await stack.api('POST', `/api/market/bookings/${id}/accept`)).status).toBe(200);
  expect((await stack.api('POST', `/api/market/bookings/${id}/pay`)).status).toBe(200);
  await client.waitForTimeout(1500); // the back end moves the payment to ESCROW meanwhile
  await expect(booking(client, id)).toHaveAttribute('data-status', 'created');

  await stack.startHerald();
  for (const page of [client, provider]) {
    await expect(connection(page)).toHaveText('Live', { timeout: 30_000 });
    await expect(booking(page, id)).toHaveAttribute('data-status', 'accepted');
    await expect(booking(page, id).getByTestId('payment')).toHaveAttribute('data-value', 'ESCROW');
  }
  await expectAppliedOnce(client, 'market:client-cleo', await headOf(stack, 'market:client-cleo'));
  await expectAppliedOnce(provider, 'market:provider-pat', await headOf(stack, 'market:provider-pat'));
  for (const log of [await clientLog(), await providerLog()]) {
    expect(log[id]!.status).toEqual(['created', 'accepted']);
    expectSteps(log[id]!.payment, ['PAID', 'ESCROW'], 'ESCROW');
  }
  expect((await toastsSeen(client)).filter((t) => t === 'Booking accepted')).toHaveLength(1);
});
