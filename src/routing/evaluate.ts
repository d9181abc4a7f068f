// Where an event goes: the routing semantics of the source system, plus this gateway's
// narrowing fields. Routes are independent (an event matched by two routes goes to both);
// within a route the first matching rule wins; `*` matches every location; an event that
// no rule of any route takes goes to the account's default targets, or else is dropped
// (and counted). Pure functions: ingest, explainRouting and routingCoverage share them.
import { globMatcher } from '../catalog/naming.js';
import { SEVERITY_RANK, type Outcome, type Severity } from '../events/event.enums.js';

export interface RuleSpec {
  locations: readonly string[];
  targetIds: readonly string[];
  /** `*` globs over action names; empty: every action. */
  actionPatterns: readonly string[];
  minSeverity: Severity | null;
  /** Empty: every outcome. */
  outcomes: readonly Outcome[];
}

export interface RouteSpec {
  id: string;
  name: string;
  rules: readonly RuleSpec[];
}

export interface RoutingConfig {
  routes: readonly RouteSpec[];
  defaultTargetIds: readonly string[];
}

/** What routing looks at in an event. */
export interface RoutableEvent {
  location: string;
  /** The concrete action name. */
  action: string;
  /** The catalog name, when it differs (the template of a concrete name). */
  catalogAction?: string | null;
  severity: Severity;
  outcome: Outcome;
}

export interface RouteVerdict {
  routeId: string;
  routeName: string;
  /** Index of the rule that took the event, or null. */
  matchedRule: number | null;
  /** For each rule before the match (or every rule when none matched): why it did not. */
  misses: Array<{ rule: number; reason: string }>;
  targetIds: string[];
}

export interface RoutingDecision {
  routes: RouteVerdict[];
  /** Every target the event goes to, each once, in first-seen order. */
  targetIds: string[];
  /** The route that first sent the event to each target (null: a default target). */
  via: Map<string, string | null>;
  usedDefaultTargets: boolean;
  /** No rule took the event and the account has no default targets. */
  dropped: boolean;
}

const patterns = new Map<string, (name: string) => boolean>();
function pattern(glob: string): (name: string) => boolean {
  let test = patterns.get(glob);
  if (!test) {
    test = globMatcher(glob);
    if (patterns.size < 10_000) patterns.set(glob, test);
  }
  return test;
}

/** Why a rule does not take an event, or null when it does. */
export function ruleMiss(rule: RuleSpec, e: RoutableEvent): string | null {
  if (!rule.locations.includes('*') && !rule.locations.includes(e.location)) {
    return `location "${e.location}" is not among ${rule.locations.map((l) => `"${l}"`).join(', ')}`;
  }
  if (rule.actionPatterns.length && !rule.actionPatterns.some((p) => pattern(p)(e.action) || (!!e.catalogAction && pattern(p)(e.catalogAction)))) {
    return `action "${e.action}" matches none of ${rule.actionPatterns.map((p) => `"${p}"`).join(', ')}`;
  }
  if (rule.minSeverity && SEVERITY_RANK[e.severity] < SEVERITY_RANK[rule.minSeverity]) {
    return `severity ${e.severity} is below ${rule.minSeverity}`;
  }
  if (rule.outcomes.length && !rule.outcomes.includes(e.outcome)) {
    return `outcome ${e.outcome} is not among ${rule.outcomes.join(', ')}`;
  }
  return null;
}

export function evaluateRouting(config: RoutingConfig, e: RoutableEvent, explain = false): RoutingDecision {
  const routes: RouteVerdict[] = [];
  const targets: string[] = [];
  const via = new Map<string, string | null>();
  const add = (ids: readonly string[], routeId: string | null) => {
    for (const id of ids) {
      if (via.has(id)) continue;
      via.set(id, routeId);
      targets.push(id);
    }
  };
  let anyMatch = false;
  for (const route of config.routes) {
    const misses: RouteVerdict['misses'] = [];
    let matchedRule: number | null = null;
    for (let i = 0; i < route.rules.length; i++) {
      const miss = ruleMiss(route.rules[i]!, e);
      if (miss === null) {
        matchedRule = i;
        break;
      }
      if (explain) misses.push({ rule: i, reason: miss });
    }
    const ruleTargets = matchedRule === null ? [] : [...route.rules[matchedRule]!.targetIds];
    if (matchedRule !== null) {
      anyMatch = true;
      add(ruleTargets, route.id);
    }
    if (explain) routes.push({ routeId: route.id, routeName: route.name, matchedRule, misses, targetIds: ruleTargets });
  }
  const usedDefaultTargets = !anyMatch && config.defaultTargetIds.length > 0;
  if (usedDefaultTargets) add(config.defaultTargetIds, null);
  return { routes, targetIds: targets, via, usedDefaultTargets, dropped: !anyMatch && !usedDefaultTargets };
}
