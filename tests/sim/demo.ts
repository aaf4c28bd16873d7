/**
 * `npm run demo`: one scripted cash payment through the real runtime on the simulated devices and
 * biller gateway. Prints each screen change and the receipt, then exits 0 (1 if anything went wrong).
 */
import { insertNote, startSimKiosk } from './harness.js';

async function main(): Promise<void> {
  const sim = await startSimKiosk();
  const { kiosk } = sim.runtime;
  const out = (s: string): void => { process.stdout.write(`${s}\n`); };
  kiosk.on('screen', ({ frame }) => out(`[screen] ${frame.lines.filter(Boolean).join(' / ')}`));
  try {
    await kiosk.start();
    const bill = sim.biller.sampleBarcodes().find((b) => b.kind === 'bill' && b.billerId === 'power-east')!;
    out(`[scan]   ${bill.label}`);
    sim.devices.scanner.scan(bill.code);
    await kiosk.settle();
    const state = kiosk.state();
    if (state.name !== 'bill-shown') throw new Error(`expected the bill on screen, got ${state.name}`);
    out('[press]  CASH');
    sim.devices.panel.press('cash');
    await kiosk.settle();
    let paid = 0;
    for (const note of [10_000, 10_000, 5_000]) {
      if (paid >= state.tx.bill.due) break;
      out(`[insert] ${note / 100} yuan note`);
      const r = await insertNote(sim, note);
      if (r !== 'escrow') throw new Error(`note refused: ${r}`);
      paid += note;
    }
    await kiosk.settle();
    const row = sim.runtime.journal.transaction(state.tx.txId);
    out(`[biller] postings: ${sim.biller.postings.map((p) => `${p.txId} ${p.amount / 100} ${p.currency}${p.partial ? ' (partial)' : ''}`).join(', ')}`);
    out(`[ledger] ${state.tx.txId}: ${row?.outcome ?? 'open'}, paid ${((row?.paid ?? 0) / 100).toFixed(2)}, surplus ${((row?.surplus ?? 0) / 100).toFixed(2)}`);
    out('\n----- receipt -----');
    out(sim.devices.receiptPrinter.lastText() ?? '(nothing printed)');
    out('-------------------');
    if (row?.outcome !== 'paid') throw new Error('the payment did not complete');
  } finally {
    await sim.close();
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
