export { createMemoryBus, type Bus, type BusListener } from './bus.js';
