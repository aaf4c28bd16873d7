import { describe, expect, it } from 'vitest';
import { APPEND_SITES } from '../../src/runtime/kiosk.js';
import { checkAll, checkScenario, type Evidence, type ScenarioLog } from './checks.js';
import { buildKillPlan, PAYMENT_SITES, rng, scenarioScript, scriptedSites } from './plan.js';
import { parseCrashAt } from './protocol.js';

const scenario = (over: Partial<ScenarioLog> = {}): ScenarioLog => ({
  id: 'S0001', txIds: ['S0001a1'], inserted: [2_000, 500], stacked: [2_000, 500], kills: ['after:note.decided:1'], refuse: false, outage: false, ...over,
});
const evidence = (over: Partial<Evidence> = {}): Evidence => ({
  postings: [{ txId: 'S0001a1', amount: 2_500, cancelled: false }],
  attempts: [{ txId: 'S0001a1', amount: 2_500, status: 200 }],
  receipts: [{ txId: 'S0001a1', text: '...' }],
  ...over,
});

describe('crash harness money checks (simulator records only)', () => {
  it('accepts a scenario whose cash box, posting and receipt agree', () => {
    expect(checkScenario(scenario(), evidence())).toEqual([]);
  });

  it('flags a stacked note the posting does not cover, naming the kills', () => {
    const v = checkScenario(scenario(), evidence({ postings: [{ txId: 'S0001a1', amount: 2_000, cancelled: false }], attempts: [{ txId: 'S0001a1', amount: 2_000, status: 200 }] }));
    expect(v.map((x) => x.kind)).toEqual(['credit']);
    expect(v[0]!.kills).toEqual(['after:note.decided:1']);
  });

  it('flags money posted although nothing reached the cash box', () => {
    expect(checkScenario(scenario({ stacked: [] }), evidence()).map((x) => x.kind)).toEqual(['credit']);
  });

  it('flags one transaction posted with two amounts, and two postings for one customer', () => {
    const twice = evidence({ attempts: [{ txId: 'S0001a1', amount: 2_000, status: 200 }, { txId: 'S0001a1', amount: 2_500, status: 409 }] });
    expect(checkScenario(scenario(), twice).map((x) => x.kind)).toEqual(['double-post']);
    const two = evidence({ postings: [{ txId: 'S0001a1', amount: 2_500, cancelled: false }, { txId: 'S0001a2', amount: 2_500, cancelled: false }] });
    expect(checkScenario(scenario({ txIds: ['S0001a1', 'S0001a2'] }), two).map((x) => x.kind)).toEqual(['double-post']);
  });

  it('counts a final refusal as accounted money (needs-refund), a dropped request not', () => {
    const refused = evidence({ postings: [], attempts: [{ txId: 'S0001a1', amount: 2_500, status: 422 }] });
    expect(checkScenario(scenario({ refuse: true }), refused)).toEqual([]);
    const dropped = evidence({ postings: [], attempts: [{ txId: 'S0001a1', amount: 2_500, status: 0 }] });
    expect(checkScenario(scenario({ outage: true }), dropped).map((x) => x.kind)).toEqual(['credit']);
  });

  it('flags money taken without a receipt, and accepts no receipt when no money was taken', () => {
    expect(checkScenario(scenario(), evidence({ receipts: [] })).map((x) => x.kind)).toEqual(['receipt']);
    expect(checkScenario(scenario({ stacked: [], inserted: [] }), { postings: [], attempts: [], receipts: [] })).toEqual([]);
  });

  it('flags postings under ids the script never handed out', () => {
    const v = checkAll([scenario()], evidence({ postings: [...evidence().postings, { txId: 'X99-1', amount: 100, cancelled: false }] }));
    expect(v.map((x) => x.kind)).toEqual(['unknown-posting']);
  });
});

describe('crash harness money checks for card and wallet customers', () => {
  const card = (over: Partial<ScenarioLog> = {}): ScenarioLog => scenario({ tender: 'card', inserted: [], stacked: [], ...over });
  const paid = (over: Partial<Evidence> = {}): Evidence => evidence({
    card: [{ ref: 'S0001a1', amount: 2_500, state: 'booked' }],
    wallet: [{ ref: 'S0001a1', amount: 2_500, status: 'confirmed', taken: 2_500 }],
    ...over,
  });

  it('accepts a booking whose bill is posted for the same amount, with its receipt', () => {
    expect(checkScenario(card(), paid())).toEqual([]);
    expect(checkScenario(card({ tender: 'wallet' }), paid())).toEqual([]);
  });

  it('accepts a reversed authorisation with the posting taken back', () => {
    const reversed = paid({ card: [{ ref: 'S0001a1', amount: 2_500, state: 'reversed' }], postings: [{ txId: 'S0001a1', amount: 2_500, cancelled: true }], receipts: [] });
    expect(checkScenario(card(), reversed)).toEqual([]);
  });

  it('flags card money booked with no bill posted, or posted for another amount', () => {
    expect(checkScenario(card(), paid({ postings: [] })).map((x) => x.kind)).toEqual(['booked-not-posted']);
    expect(checkScenario(card(), paid({ postings: [{ txId: 'S0001a1', amount: 2_500, cancelled: true }] })).map((x) => x.kind)).toEqual(['booked-not-posted']);
    const other = paid({ postings: [{ txId: 'S0001a1', amount: 2_000, cancelled: false }] });
    expect(checkScenario(card(), other).map((x) => x.kind)).toEqual(['booked-not-posted', 'posted-not-booked']);
  });

  it('flags a posted bill without the money, unless the customer holds a needs-refund receipt', () => {
    const unbooked = paid({ wallet: [{ ref: 'S0001a1', amount: 2_500, status: 'reversed', taken: 0 }], receipts: [] });
    expect(checkScenario(card({ tender: 'wallet' }), unbooked).map((x) => x.kind)).toEqual(['posted-not-booked']);
    const refund = { ...unbooked, receipts: [{ txId: 'S0001a1', text: '缴费凭条\n需退款，请致电客服' }] };
    expect(checkScenario(card({ tender: 'wallet' }), refund)).toEqual([]);
    // A wallet order paid but never confirmed is not booked: the gateway refunds it.
    const limbo = paid({ wallet: [{ ref: 'S0001a1', amount: 2_500, status: 'paid', taken: 2_500 }], receipts: [] });
    expect(checkScenario(card({ tender: 'wallet' }), limbo).map((x) => x.kind)).toEqual(['posted-not-booked']);
  });

  it('flags a booking without a receipt, two bookings, notes stacked during a card payment, and bookings no customer made', () => {
    expect(checkScenario(card(), paid({ receipts: [] })).map((x) => x.kind)).toEqual(['receipt']);
    const twice = paid({ card: [{ ref: 'S0001a1', amount: 2_500, state: 'booked' }, { ref: 'S0001a1', amount: 2_500, state: 'booked' }] });
    expect(checkScenario(card(), twice).map((x) => x.kind)).toContain('double-book');
    expect(checkScenario(card({ stacked: [500] }), paid()).map((x) => x.kind)).toEqual(['credit']);
    const stray = paid({ card: [{ ref: 'S0001a1', amount: 2_500, state: 'booked' }, { ref: '#7', amount: 100, state: 'booked' }] });
    expect(checkAll([card()], stray).map((x) => x.kind)).toEqual(['unknown-booking']);
  });
});

describe('crash harness plan', () => {
  it('is reproducible from the seed and spreads a short plan over distinct sites', () => {
    const a = buildKillPlan(20, rng(7));
    expect(buildKillPlan(20, rng(7))).toEqual(a);
    expect(a).toHaveLength(20);
    const sites = new Set(a.flatMap((e) => (e.kind === 'site' ? [e.at.site] : [])));
    expect(sites.size).toBe(Math.min(16, PAYMENT_SITES.length));
    expect(a.filter((e) => e.kind === 'random')).toHaveLength(4);
  });

  it('aims at every payment site with increasing hit counts over a long plan', () => {
    const plan = buildKillPlan(300, rng(1));
    const sites = new Set(plan.flatMap((e) => (e.kind === 'site' ? [e.at.site] : [])));
    expect([...sites].sort()).toEqual([...PAYMENT_SITES].sort());
    expect(PAYMENT_SITES.every((s) => APPEND_SITES.includes(s))).toBe(true);
    expect(PAYMENT_SITES).toContain('before:note.credited');
    expect(plan.some((e) => e.kind === 'site' && e.at.hit === 3)).toBe(true);
    expect(plan.some((e) => e.kind === 'site' && e.at.site.endsWith(':validator.counters') && e.at.hit > 1)).toBe(false);
  });

  it('scripts 1–3 CNY notes per customer and a positive amount due', () => {
    for (let n = 1; n <= 200; n++) {
      const s = scenarioScript(n, rng(n), undefined);
      if (s.tender === 'collect') continue;
      if (s.tender !== 'cash') throw new Error(`a cash-only plan scripted a ${s.tender} customer`);
      expect(s.notes.length).toBeGreaterThanOrEqual(1);
      expect(s.notes.length).toBeLessThanOrEqual(3);
      expect(s.due).toBeGreaterThan(0);
      expect(s.refuse && s.outage).toBe(false);
    }
  });

  it('mixes tenders, and sends the customer a kill site needs: cash for note sites, card or wallet for booking sites', () => {
    const all = ['cash', 'card', 'wallet'] as const;
    const mix = Array.from({ length: 300 }, (_, n) => scenarioScript(n, rng(n), undefined, all).tender);
    for (const t of all) expect(mix.filter((x) => x === t).length).toBeGreaterThan(50);
    expect(mix.filter((x) => x === 'collect').length).toBeGreaterThan(0);
    expect(scriptedSites(['card', 'wallet']).some((s) => s.endsWith('collected'))).toBe(false);
    for (let n = 0; n < 50; n++) {
      expect(['cash', 'collect']).toContain(scenarioScript(n, rng(n), 'after:note.credited', all).tender);
      expect(['card', 'wallet', 'collect']).toContain(scenarioScript(n, rng(n), 'before:tx.booked', all).tender);
    }
    expect(scriptedSites(['cash'])).not.toContain('before:tx.booked');
    expect(scriptedSites(['card'])).not.toContain('before:note.credited');
    expect(scriptedSites(['card'])).not.toContain('before:cash.collected');
    expect(scriptedSites(all)).toEqual(APPEND_SITES);
    expect(PAYMENT_SITES).not.toContain('before:tx.auth-intent'); // never first in a commit
  });

  it('parses --crash-at and refuses unknown sites', () => {
    expect(parseCrashAt('before:note.credited:2')).toEqual({ site: 'before:note.credited', hit: 2 });
    expect(() => parseCrashAt('before:nothing:1')).toThrow(RangeError);
    expect(() => parseCrashAt('after:tx.opened:0')).toThrow(RangeError);
  });
});
