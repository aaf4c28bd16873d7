export { Id003Simulator, CNY_TABLE, type Id003SimOptions, type SimDenomination, type SimState, type StackedNote, type ReturnedNote } from './simulator.js';
export { kermit, packet, PacketScanner, type HostPacket } from './wire.js';
