/**
 * Consumer-side delivery bookkeeping: at-least-once delivery means duplicates, which a consumer drops by
 * (terminal, class, seq) and counts; a seq that never arrives is a gap. Bounded: per stream it keeps the
 * contiguous high-water mark and only the seqs seen above it.
 */
export interface StreamStats {
  readonly terminal: string;
  readonly class: string;
  /** Every seq from 1 to this one has been seen. */
  readonly contiguous: number;
  readonly highest: number;
  readonly duplicates: number;
  /** Seqs below `highest` not seen yet. */
  readonly missing: number;
}

interface Stream {
  contiguous: number;
  above: Set<number>;
  highest: number;
  duplicates: number;
}

export class SeqLedger {
  private readonly streams = new Map<string, Stream>();

  /** True for a message not seen before; false for a duplicate (counted). */
  accept(terminal: string, cls: string, seq: number): boolean {
    const key = `${terminal}\u0000${cls}`;
    let s = this.streams.get(key);
    if (!s) { s = { contiguous: 0, above: new Set(), highest: 0, duplicates: 0 }; this.streams.set(key, s); }
    if (seq <= s.contiguous || s.above.has(seq)) { s.duplicates += 1; return false; }
    s.above.add(seq);
    s.highest = Math.max(s.highest, seq);
    while (s.above.delete(s.contiguous + 1)) s.contiguous += 1;
    return true;
  }

  stats(): StreamStats[] {
    return [...this.streams.entries()].map(([key, s]) => {
      const [terminal = '', cls = ''] = key.split('\u0000');
      return { terminal, class: cls, contiguous: s.contiguous, highest: s.highest, duplicates: s.duplicates, missing: s.highest - s.contiguous - s.above.size };
    });
  }
}
