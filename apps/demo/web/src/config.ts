/** Where Herald is, as the demo back end tells the browser (`GET /api/config`), read once at start. */
export const config: { heraldUrl: string } = { heraldUrl: '' };

export async function loadConfig(): Promise<void> {
  const res = await fetch('/api/config');
  if (!res.ok) throw new Error(`GET /api/config answered ${res.status}`);
  Object.assign(config, await res.json());
}
