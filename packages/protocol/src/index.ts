export * from './channel.js';
export * from './message.js';
export * from './event-map.js';
export * from './errors.js';
export * from './schemas.js';
export * from './events.js';
export * from './notification.js';
export * from './notification-schemas.js';
