import type { CheckResult } from '../../verify/check-result';
import { httpAnswers } from '../../verify/http-answers';
import type { BalancerState } from '../cluster/balancer/balancer-client';
import { type BalancerRecord, balancerUrl, sameUpstreams } from '../cluster/balancer-record';
import { isUnrecorded, type LiveTarget } from './live-upstreams';

/**
 * The checks a service's front door must pass: its process answers for the service, it points at
 * the live cluster's instances (or at nothing when there is none), and a request through its port
 * is served by the live cluster.
 */
export async function balancerChecks(
  service: string,
  record: BalancerRecord,
  state: BalancerState | null,
  live: LiveTarget | null,
): Promise<CheckResult[]> {
  const where = `the balancer of ${service} (pid ${record.pid}, port ${record.port})`;
  const answering: CheckResult = {
    name: `balancer of ${service} runs and answers`,
    ok: state !== null,
    message: state
      ? `${where} runs and answers on its admin port`
      : `${where} is not running or does not answer; repair the service (POST /v1/services/{id}/repair)`,
    durationMs: 0,
  };
  if (isUnrecorded(live)) {
    const unrecorded: CheckResult = {
      name: `balancer of ${service} points at the live cluster`,
      ok: false,
      message: live.unrecorded,
      durationMs: 0,
    };
    return [answering, unrecorded];
  }
  if (!state) return [answering];
  const expected = live ? live.clusterId : null;
  const pointed: CheckResult = {
    name: `balancer of ${service} points at the live cluster`,
    ok: state.clusterId === expected && (!live || sameUpstreams(state.upstreams, live.upstreams)),
    message:
      state.clusterId === expected
        ? `${where} serves ${expected ?? 'no cluster'}${live ? ` (${live.upstreams.join(' ')})` : ''}`
        : `${where} serves ${state.clusterId ?? 'no cluster'}, the live cluster is ${expected ?? 'none'}`,
    durationMs: 0,
  };
  if (!live) return [answering, pointed];
  const served = await httpAnswers({
    url: `${balancerUrl(record)}${live.healthPath}`,
    ...(live.version === null ? {} : { jsonField: { path: 'version', equals: live.version } }),
    timeoutMs: 5000,
  });
  return [answering, pointed, { ...served, name: `requests through ${where} reach the live cluster` }];
}
