/**
 * Who may read a channel (SPEC §2): `user:{sub}` only its owner; `role:{r}` holders of role r;
 * `broadcast` any authenticated client; any other channel when the token's `channels` claim names
 * it exactly or as `ns:*`. The back end (API key) may read everything.
 */
import { BROADCAST_CHANNEL, channelNamespace, roleChannel, userChannel } from '@herald/protocol';
import type { Principal, ClientPrincipal } from './principal.js';

export function isEntitled(principal: Principal, channel: string): boolean {
  if (principal.kind === 'server') return true;
  const ns = channelNamespace(channel);
  if (ns === 'user') return channel === userChannel(principal.sub);
  if (ns === 'role') return principal.roles.some((r) => channel === roleChannel(r));
  if (channel === BROADCAST_CHANNEL) return true;
  // `broadcast:x` is not the broadcast channel; like any application channel it needs a grant.
  for (const grant of principal.channels) {
    if (grant === channel) return true;
    if (grant.endsWith(':*') && channel.startsWith(grant.slice(0, -1)) && channel.length > grant.length - 1) return true;
  }
  return false;
}

/** The channels a client's socket starts subscribed to: its own, its roles', and broadcast. */
export function inboxChannels(principal: ClientPrincipal): string[] {
  return [userChannel(principal.sub), ...principal.roles.map(roleChannel), BROADCAST_CHANNEL];
}
