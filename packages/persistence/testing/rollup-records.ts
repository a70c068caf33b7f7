import {
  bucketKeyOf,
  bucketsOfFacts,
  factOfRun,
  factOfTransition,
  type RollupBucket,
  type RollupFact,
  type Run,
  type RunStore,
  recoveryFactOfRun,
  type Transition,
} from '@slipway/domain';

/** The brute-force answer: every bucket recomputed from the raw runs and transitions. */
export function bucketsFromRecords(runs: readonly Run[], transitions: readonly Transition[]): RollupBucket[] {
  const facts: RollupFact[] = [];
  for (const run of runs) {
    const fact = factOfRun(run);
    if (fact) facts.push(fact);
    const recovery = recoveryFactOfRun(run);
    if (recovery) facts.push(recovery);
  }
  for (const transition of transitions) {
    const fact = factOfTransition(transition);
    if (fact) facts.push(fact);
  }
  return sortBuckets([...bucketsOfFacts(facts).values()]);
}

/** Every run and transition the store holds, page by page, for the brute-force recomputation. */
export async function allRecords(store: RunStore): Promise<{ runs: Run[]; transitions: Transition[] }> {
  const runs: Run[] = [];
  const transitions: Transition[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listRuns({ limit: 500, cursor });
    runs.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  do {
    const page = await store.listTransitions({ limit: 500, cursor });
    transitions.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return { runs, transitions };
}

export function sortBuckets(buckets: readonly RollupBucket[]): RollupBucket[] {
  const keyed = buckets.map((bucket) => [bucketKeyOf(bucket), bucket] as const);
  return keyed.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, bucket]) => bucket);
}
