import type { Action, ConditionT, RuleSet } from "./rule-set.ts";

export interface References {
  groups: Set<string>;
  /** Groups whose live figures (availability, load) conditions read. */
  measuredGroups: Set<string>;
  users: Set<string>;
  schedules: Set<string>;
}

/** Everything a rule set names, so publishing can refuse a rule set that points at nothing. */
export function references(ruleSet: RuleSet): References {
  const refs: References = { groups: new Set(), measuredGroups: new Set(), users: new Set(), schedules: new Set() };
  const visit = (c: ConditionT): void => {
    switch (c.type) {
      case "open":
        refs.schedules.add(c.schedule);
        break;
      case "group_available":
      case "group_load":
        refs.groups.add(c.group);
        refs.measuredGroups.add(c.group);
        break;
      case "all":
      case "any":
        c.of.forEach(visit);
        break;
      case "not":
        visit(c.condition);
        break;
      default:
        break;
    }
  };
  const act = (a: Action): void => {
    if (a.type === "enqueue") refs.groups.add(a.group);
    if (a.type === "overflow" && a.group) refs.groups.add(a.group);
    if ((a.type === "route_to_agent" || a.type === "route_to_supervisor") && a.fallback_group) refs.groups.add(a.fallback_group);
    if (a.type === "route_to_agent") refs.users.add(a.agent);
    if (a.type === "route_to_supervisor") refs.users.add(a.supervisor);
  };
  for (const rule of ruleSet.rules) {
    rule.when.forEach(visit);
    rule.then.forEach(act);
  }
  ruleSet.fallback.forEach(act);
  return refs;
}

export interface RuleSetDiff {
  added: string[];
  removed: string[];
  changed: string[];
  reordered: boolean;
  fallback_changed: boolean;
  intent_keywords_changed: boolean;
}

/** What changed between two versions, rule by rule (by id). */
export function diffRuleSets(from: RuleSet, to: RuleSet): RuleSetDiff {
  const before = new Map(from.rules.map((r) => [r.id, JSON.stringify(r)]));
  const after = new Map(to.rules.map((r) => [r.id, JSON.stringify(r)]));
  const kept = to.rules.map((r) => r.id).filter((id) => before.has(id));
  const keptBefore = from.rules.map((r) => r.id).filter((id) => after.has(id));
  return {
    added: [...after.keys()].filter((id) => !before.has(id)),
    removed: [...before.keys()].filter((id) => !after.has(id)),
    changed: kept.filter((id) => before.get(id) !== after.get(id)),
    reordered: kept.join("\n") !== keptBefore.join("\n"),
    fallback_changed: JSON.stringify(from.fallback) !== JSON.stringify(to.fallback),
    intent_keywords_changed: JSON.stringify(from.intent_keywords) !== JSON.stringify(to.intent_keywords),
  };
}
