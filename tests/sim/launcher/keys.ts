import type { SampleBarcode } from '../biller/index.js';

/** What a key does in the simulated kiosk; the same map serves the terminal UI and stdin line mode. */
export type Action =
  | { readonly kind: 'scan'; readonly sample: SampleBarcode }
  | { readonly kind: 'note'; readonly value: number }
  | { readonly kind: 'button'; readonly button: 'cash' | 'cancel' | 'moreTime' | 'confirm' }
  | { readonly kind: 'door' }
  | { readonly kind: 'unplug' }
  | { readonly kind: 'paper' }
  | { readonly kind: 'broker' }
  | { readonly kind: 'receipt' }
  | { readonly kind: 'cashbox' }
  | { readonly kind: 'badge'; readonly code: string }
  /** Any code held to the scanner (the web panel's wallet codes). */
  | { readonly kind: 'code'; readonly code: string }
  /** Jams a note in the validator, or clears the jam (fake validator only). */
  | { readonly kind: 'jam' }
  /** A card presented to the card module: how it answers the kiosk's authorization. */
  | { readonly kind: 'card'; readonly decision: 'approve' | 'decline' }
  | { readonly kind: 'quit' };

/** Note keys follow the CNY series 1, 5, 10, 20, 50, 100 yuan (in fen). */
export const NOTE_KEYS: readonly (readonly [string, number])[] = [['a', 100], ['s', 500], ['d', 1000], ['f', 2000], ['g', 5000], ['h', 10000]];

export function keyMap(samples: readonly SampleBarcode[]): Map<string, Action> {
  const m = new Map<string, Action>();
  samples.slice(0, 9).forEach((sample, i) => m.set(String(i + 1), { kind: 'scan', sample }));
  for (const [k, value] of NOTE_KEYS) m.set(k, { kind: 'note', value });
  m.set('c', { kind: 'button', button: 'cash' });
  m.set('x', { kind: 'button', button: 'cancel' });
  m.set('\u001b', { kind: 'button', button: 'cancel' });
  m.set('m', { kind: 'button', button: 'moreTime' });
  m.set('o', { kind: 'door' });
  m.set('u', { kind: 'unplug' });
  m.set('p', { kind: 'paper' });
  m.set('b', { kind: 'broker' });
  m.set('r', { kind: 'receipt' });
  m.set('k', { kind: 'cashbox' });
  m.set('e', { kind: 'badge', code: 'EMP-0042' });
  m.set('l', { kind: 'badge', code: 'SEAL-778899' });
  m.set('\u0003', { kind: 'quit' });
  m.set('\u0004', { kind: 'quit' });
  m.set('Q', { kind: 'quit' });
  return m;
}

export const KEY_HELP: readonly string[] = [
  'c cash   x/Esc cancel   m more time',
  'a s d f g h  insert 1 5 10 20 50 100',
  'o door   u unplug validator   p paper',
  'b broker down/up   r receipt   ^C quit',
  'k cash box out/in  e badge  l bag seal',
];
