/**
 * The SQL condition that makes a notification one item per viewer on SQLite (see `rows.ts`): row
 * `n` is the viewer's row of its notification when it is the notification's only row, or when no
 * row of the same id on a channel that sorts before it is on one of the viewer's channels
 * (`@channels`, a JSON array). Single-target rows, nearly all of them, are decided from the index alone.
 */
export const FIRST_TARGET = `(n.targets = 1 OR NOT EXISTS (SELECT 1 FROM notifications m
  WHERE m.id = n.id AND m.channel < n.channel AND m.channel IN (SELECT value FROM json_each(@channels))))`;
