export { SspValidatorSim, type SspSimOptions, type StackedNote, type ReceivedCommand } from './validator-sim.js';
export { crc16, buildPacket, PacketReader, type RxPacket } from './wire.js';
export { powMod, probablyPrime, seal, open, aesKey } from './crypto.js';
