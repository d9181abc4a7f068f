// The routing semantics as pure functions: the same code decides at ingest, in
// explainRouting and in routingCoverage (the API tests check that they are wired in).
import { describe, expect, it } from 'vitest';
import { evaluateRouting, type RoutableEvent, type RouteSpec, type RoutingConfig, type RuleSpec } from '../../src/routing/evaluate.js';
import { Outcome, Severity } from '../../src/events/event.enums.js';

const rule = (locations: string[], targetIds: string[], extra: Partial<RuleSpec> = {}): RuleSpec => ({
  locations,
  targetIds,
  actionPatterns: [],
  minSeverity: null,
  outcomes: [],
  ...extra,
});
const route = (id: string, ...rules: RuleSpec[]): RouteSpec => ({ id, name: `route ${id}`, rules });
const config = (routes: readonly RouteSpec[], defaultTargetIds: string[] = []): RoutingConfig => ({ routes, defaultTargetIds });
const event = (overrides: Partial<RoutableEvent> = {}): RoutableEvent => ({
  location: 'us-south',
  action: 'audit-log.vsi.reboot',
  severity: Severity.NORMAL,
  outcome: Outcome.SUCCESS,
  ...overrides,
});

describe('within a route', () => {
  it('the first matching rule wins, even when later rules match too', () => {
    const c = config([route('r', rule(['eu-de'], ['A']), rule(['us-south'], ['B']), rule(['*'], ['C']))]);
    const d = evaluateRouting(c, event(), true);
    expect(d.targetIds).toEqual(['B']);
    expect(d.routes[0]).toMatchObject({ matchedRule: 1, misses: [{ rule: 0, reason: expect.stringContaining('location "us-south" is not among "eu-de"') }] });
  });

  it('a final * rule catches what the others leave', () => {
    const c = config([route('r', rule(['eu-de'], ['A']), rule(['*'], ['C']))]);
    expect(evaluateRouting(c, event({ location: 'jp-tok' })).targetIds).toEqual(['C']);
    expect(evaluateRouting(c, event({ location: 'eu-de' })).targetIds).toEqual(['A']);
  });

  it('a * rule placed first shadows every rule after it', () => {
    const c = config([route('r', rule(['*'], ['C']), rule(['us-south'], ['B']))]);
    expect(evaluateRouting(c, event(), true).routes[0]).toMatchObject({ matchedRule: 0, targetIds: ['C'] });
  });

  it('a rule sends to all of its targets', () => {
    const c = config([route('r', rule(['us-south'], ['A', 'B', 'C']))]);
    expect(evaluateRouting(c, event()).targetIds).toEqual(['A', 'B', 'C']);
  });
});

describe('across routes', () => {
  it('routes are independent: an event matched by two routes goes to both', () => {
    const c = config([route('r1', rule(['us-south'], ['A'])), route('r2', rule(['*'], ['B']))]);
    const d = evaluateRouting(c, event(), true);
    expect(d.targetIds).toEqual(['A', 'B']);
    expect(d.via).toEqual(new Map([['A', 'r1'], ['B', 'r2']]));
    expect(d.routes.map((r) => r.matchedRule)).toEqual([0, 0]);
  });

  it('a target two routes share receives the event once, credited to the first route', () => {
    const c = config([route('r1', rule(['us-south'], ['A'])), route('r2', rule(['*'], ['A', 'B']))]);
    const d = evaluateRouting(c, event());
    expect(d.targetIds).toEqual(['A', 'B']);
    expect(d.via.get('A')).toBe('r1');
  });

  it('one route matching is enough: default targets are not added', () => {
    const c = config([route('r1', rule(['eu-de'], ['A'])), route('r2', rule(['us-south'], ['B']))], ['D']);
    const d = evaluateRouting(c, event());
    expect(d).toMatchObject({ targetIds: ['B'], usedDefaultTargets: false, dropped: false });
  });
});

describe('global events', () => {
  const c = config([route('r', rule(['us-south', 'eu-de'], ['R']), rule(['global'], ['G']))]);

  it('go to rules that name global, not to regional rules', () => {
    expect(evaluateRouting(c, event({ location: 'global', action: 'iam-am.policy.create' })).targetIds).toEqual(['G']);
    expect(evaluateRouting(c, event({ location: 'eu-de' })).targetIds).toEqual(['R']);
  });

  it('are caught by *', () => {
    expect(evaluateRouting(config([route('r', rule(['*'], ['S']))]), event({ location: 'global' })).targetIds).toEqual(['S']);
  });
});

describe('no rule matches', () => {
  const c = config([route('r', rule(['eu-de'], ['A']))]);

  it('the event goes to the default targets', () => {
    const d = evaluateRouting(config(c.routes, ['D1', 'D2']), event(), true);
    expect(d).toMatchObject({ targetIds: ['D1', 'D2'], usedDefaultTargets: true, dropped: false });
    expect(d.via).toEqual(new Map([['D1', null], ['D2', null]]));
    expect(d.routes[0]!.matchedRule).toBeNull();
  });

  it('without default targets it is dropped (the caller counts it)', () => {
    expect(evaluateRouting(c, event())).toMatchObject({ targetIds: [], usedDefaultTargets: false, dropped: true });
  });

  it('with no routes at all, default targets take everything', () => {
    expect(evaluateRouting(config([], ['D']), event()).targetIds).toEqual(['D']);
    expect(evaluateRouting(config([]), event()).dropped).toBe(true);
  });
});

describe('narrowing rules (this gateway\'s extension)', () => {
  it('by action pattern, over the concrete name or its catalog template', () => {
    const c = config([route('r', rule(['*'], ['VSI'], { actionPatterns: ['audit-log.vsi.*'] }), rule(['*'], ['ML'], { actionPatterns: ['pm-20.<asset_type>.list'] }), rule(['*'], ['REST']))]);
    expect(evaluateRouting(c, event()).targetIds).toEqual(['VSI']);
    expect(evaluateRouting(c, event({ action: 'pm-20.wml_model.list', catalogAction: 'pm-20.<asset_type>.list' })).targetIds).toEqual(['ML']);
    const d = evaluateRouting(c, event({ action: 'iam-am.policy.create' }), true);
    expect(d.targetIds).toEqual(['REST']);
    expect(d.routes[0]!.misses[0]!.reason).toContain('matches none of "audit-log.vsi.*"');
  });

  it('by minimum severity', () => {
    const c = config([route('r', rule(['*'], ['HIGH'], { minSeverity: Severity.WARNING }))]);
    expect(evaluateRouting(c, event({ severity: Severity.CRITICAL })).targetIds).toEqual(['HIGH']);
    expect(evaluateRouting(c, event({ severity: Severity.WARNING })).targetIds).toEqual(['HIGH']);
    const d = evaluateRouting(c, event({ severity: Severity.NORMAL }), true);
    expect(d.dropped).toBe(true);
    expect(d.routes[0]!.misses[0]!.reason).toBe('severity normal is below warning');
  });

  it('by outcome', () => {
    const c = config([route('r', rule(['*'], ['F'], { outcomes: [Outcome.FAILURE, Outcome.PENDING] }))]);
    expect(evaluateRouting(c, event({ outcome: Outcome.FAILURE })).targetIds).toEqual(['F']);
    expect(evaluateRouting(c, event({ outcome: Outcome.SUCCESS })).dropped).toBe(true);
  });
});
