/** Small helpers of the demo pages' reducers and views. */

/** Replace the item with the same id, or add it first: the reducer of every live list here. */
export function upsert<T extends { id: string }>(list: readonly T[], item: T): T[] {
  const at = list.findIndex((x) => x.id === item.id);
  if (at === -1) return [item, ...list];
  const next = [...list];
  next[at] = item;
  return next;
}

export const money = (n: number) => `€${n.toFixed(2)}`;

/** "09:22 PM" today, "Nov 27, 07:22 PM" another day. */
export const time = (iso: string) => {
  const d = new Date(iso);
  const clock = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return d.toDateString() === new Date().toDateString() ? clock : `${d.toLocaleDateString([], { month: 'short', day: 'numeric' })}, ${clock}`;
};

export const dateTime = (iso: string) => new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
