/**
 * Scenario 2 (SPEC §1): a guest at table 5 orders from the table's link (no account); both
 * kitchen screens of restaurant 7 get the order with a sound; staff move it pending → cooking →
 * ready → served and the guest and both screens follow. Restaurant 8's kitchen and the guest at
 * table 6 see nothing, and their tokens cannot read what is not theirs.
 */
import { expect, newDevice, open, soundsPlayed, test } from './fixtures.js';

test('the kitchens of the guest’s restaurant get the order with a sound, both follow its status with the guest, and nobody else sees it', async ({ browser, stack }) => {
  const kitchenA = await open(await newDevice(browser), stack, '/kitchen/7?screen=a');
  const kitchenB = await open(await newDevice(browser), stack, '/kitchen/7?screen=b');
  const kitchen8 = await open(await newDevice(browser), stack, '/kitchen/8');
  const guest = await open(await newDevice(browser), stack, '/table/7/5');
  const otherGuest = await open(await newDevice(browser), stack, '/table/7/6');
  for (const page of [kitchenA, kitchenB, kitchen8]) await page.locator('.card-head h2').first().click(); // a gesture unlocks sound
  const kitchen8Tickets = await kitchen8.getByTestId('ticket').count();
  await expect(guest.getByText('Nothing ordered yet.')).toBeVisible();

  await guest.getByRole('button', { name: 'One more Margherita' }).click();
  await guest.getByRole('button', { name: 'One more Espresso' }).click();
  // When the guest clicks, and when the first kitchen screen paints the new ticket (both clocks are this machine's).
  const clicked = guest.evaluate(() => new Promise<number>((r) => document.addEventListener('click', () => r(performance.timeOrigin + performance.now()), { capture: true, once: true })));
  // Two times on the kitchen screen: the ticket in the DOM, and the next frame (painted). With
  // five browser windows on two cores, frames of a window in the background can come late.
  const arrived = kitchenA.evaluate(
    () =>
      new Promise<{ dom: number; frame: number }>((resolve) => {
        const list = document.querySelector('[aria-label="pending orders"]')!;
        const now = () => performance.timeOrigin + performance.now();
        new MutationObserver(() => {
          const dom = now();
          requestAnimationFrame(() => resolve({ dom, frame: now() }));
        }).observe(list, { childList: true });
      }),
  );
  await guest.getByRole('button', { name: 'Place order' }).click();
  const mine = guest.getByTestId('guest-order');
  await expect(mine).toHaveCount(1);
  await expect(mine).toHaveAttribute('data-status', 'pending');
  const number = (await mine.locator('strong').textContent())!.slice(1);

  for (const page of [kitchenA, kitchenB]) {
    const ticket = page.getByRole('list', { name: 'pending orders' }).locator(`[data-order="${number}"]`);
    await expect(ticket).toContainText('1× Margherita');
    await expect(ticket).toContainText('Table 5');
    await expect.poll(() => soundsPlayed(page)).toBe(1);
  }
  const { dom, frame } = await arrived;
  const click = await clicked;
  console.log(`guest order → kitchen screen (guest's click, through the demo back end and Herald): in the DOM ${(dom - click).toFixed(1)} ms, next frame ${(frame - click).toFixed(1)} ms`);

  const step = async (actor: typeof kitchenA, button: string, column: string | null, status: string) => {
    await actor.getByRole('button', { name: `${button} #${number}` }).click();
    await expect(mine).toHaveAttribute('data-status', status);
    for (const page of [kitchenA, kitchenB]) {
      const ticket = page.locator(`[data-order="${number}"]`);
      if (column) await expect(page.getByRole('list', { name: `${column} orders` }).locator(`[data-order="${number}"]`)).toHaveCount(1);
      else await expect(ticket).toHaveCount(0);
    }
  };
  await step(kitchenA, 'Start cooking', 'cooking', 'cooking');
  await step(kitchenB, 'Ready', 'ready', 'ready');
  await step(kitchenA, 'Served', null, 'served');
  await expect(mine.getByRole('list')).toHaveAccessibleName(`Order ${number} status: served`);

  // Nobody else saw anything: restaurant 8's kitchen, the guest at table 6.
  await kitchen8.waitForTimeout(500);
  expect(await kitchen8.getByTestId('ticket').count()).toBe(kitchen8Tickets);
  expect(await soundsPlayed(kitchen8)).toBe(0);
  await expect(otherGuest.getByText('Nothing ordered yet.')).toBeVisible();
  // Status changes are not new orders: one sound per screen in all.
  expect(await soundsPlayed(kitchenA)).toBe(1);

  // And their tokens could not have: Herald refuses the channels they are not entitled to.
  const sessionId = await guest.evaluate(() => sessionStorage.getItem('demo-session:7:5'));
  const otherSession = await otherGuest.evaluate(() => sessionStorage.getItem('demo-session:7:6'));
  const tokenOf = async (body: Record<string, unknown>) => (await stack.api('POST', '/api/token', body)).body.token as string;
  const guestToken = await tokenOf({ persona: 'guest', sessionId });
  const kitchen8Token = await tokenOf({ persona: 'kitchen', restaurantId: 8, screen: 'main' });
  const read = (channel: string, token: string) => stack.herald('GET', `/v1/channels/${encodeURIComponent(channel)}/history`, undefined, token);
  expect((await read(`session:${sessionId}`, guestToken)).status).toBe(200);
  for (const [channel, token] of [
    ['restaurant:7:kitchen', guestToken],
    ['restaurant:7:dashboard', guestToken],
    [`session:${otherSession}`, guestToken],
    ['restaurant:7:kitchen', kitchen8Token],
  ] as const) {
    const res = await read(channel, token);
    expect(res.status, channel).toBe(403);
    expect(res.body.error.code).toBe('CHANNEL_FORBIDDEN');
  }
});
