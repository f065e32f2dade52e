/**
 * The fault scenarios, in the order `--scenario all` runs them and the tables list them.
 */
import { none, killRestart, pause, wipe, rollingRestart, joinLeave, handoffKill, memberRestart } from './process-faults';
import { deleteHeal, siblings } from './data-faults';
import { overload } from './overload';
import { oneWay, slowLink, clockSkew, isolate, bridge, split } from './network-faults';
import { chatFailover } from './chat-failover';
import { Scenario } from './scenario';

export type { Scenario, ScenarioContext } from './scenario';

export const SCENARIOS: readonly Scenario[] = [none, killRestart, pause, wipe, deleteHeal, siblings, rollingRestart, joinLeave, handoffKill, memberRestart, overload, oneWay, slowLink, clockSkew, chatFailover, isolate, bridge, split];

export function scenarioNamed(name: string): Scenario {
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new Error(`no scenario '${name}'; known: ${SCENARIOS.map((x) => x.name).join(', ')}`);
  return s;
}
