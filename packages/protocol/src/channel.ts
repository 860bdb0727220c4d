/**
 * Channel names and the namespaces Herald gives meaning to.
 *
 * A channel is `namespace:id` or a bare `namespace`: 1–200 characters of `[A-Za-z0-9_.:@-]`.
 */

/** Longest channel name accepted, in characters. */
export const CHANNEL_MAX_LENGTH = 200;

/** Every valid channel name matches this pattern. */
export const CHANNEL_PATTERN = /^[A-Za-z0-9_.:@-]{1,200}$/;

/** Namespaces with built-in entitlement rules; every other namespace is an application channel. */
export const BUILTIN_NAMESPACES = ['user', 'role', 'broadcast'] as const;

/** The channel every authenticated client may read. */
export const BROADCAST_CHANNEL = 'broadcast';

/**
 * Whether `name` is a syntactically valid channel name.
 * @example isChannelName('restaurant:7') // true
 */
export function isChannelName(name: unknown): name is string {
  return typeof name === 'string' && CHANNEL_PATTERN.test(name);
}

/**
 * The namespace of a channel: the part before the first `:`, or the whole name.
 * @example channelNamespace('restaurant:7') // 'restaurant'
 * @example channelNamespace('broadcast') // 'broadcast'
 */
export function channelNamespace(channel: string): string {
  const colon = channel.indexOf(':');
  return colon === -1 ? channel : channel.slice(0, colon);
}

/** The personal channel of user `sub`. */
export function userChannel(sub: string): string {
  return `user:${sub}`;
}

/** The channel of role `role`. */
export function roleChannel(role: string): string {
  return `role:${role}`;
}
