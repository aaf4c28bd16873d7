export {
  startWalletSim,
  type WalletSim, type WalletSimMode, type WalletSimGarbage, type WalletSimOptions, type SimWalletOrder, type SimOrderStatus,
  type SimWalletRequest,
} from './server.js';
export { makeSimCode, simWalletOf, type SimWallet } from './codes.js';
