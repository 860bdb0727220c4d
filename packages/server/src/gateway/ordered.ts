/** Putting one channel's messages in seq order: several nodes' publishes may interleave or repeat. */
import type { Message } from '@herald/protocol';

/** `messages` ascending by seq, each seq once. */
export function ordered(messages: Message[]): Message[] {
  let sorted = true;
  for (let i = 1; i < messages.length; i++) {
    if (messages[i]!.seq <= messages[i - 1]!.seq) {
      sorted = false;
      break;
    }
  }
  if (sorted) return messages;
  const bySeq = new Map<number, Message>();
  for (const m of messages) bySeq.set(m.seq, m);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}
