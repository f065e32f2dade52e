/**
 * Garbage collection on a node's main thread, read from its Prometheus metrics
 * (`ringnest_nodejs_gc_duration_seconds`, one series per kind of collection), so that a benchmark
 * can say how much of a request's time its nodes spent collecting: the figure that shows a change
 * in allocation where throughput, which varies by 10–15 % between cluster starts, cannot.
 */

/** Collections of one kind: how many, and their summed pauses in seconds. */
export interface GcKind {
  readonly count: number;
  readonly seconds: number;
}

/** Collections by kind (`minor`, `major`, `incremental`, `weakcb`), as counters since the node started. */
export type GcTotals = Readonly<Record<string, GcKind>>;

const SERIES = /^ringnest_nodejs_gc_duration_seconds_(sum|count)\{kind="([a-z]+)"\} ([0-9.eE+-]+)$/gm;

/**
 * The collection counters in a metrics page (none of a kind not collected yet: a series appears
 * with its first collection); throws when the page does not declare the metric (not a Ringnest
 * node's page, or the metric renamed).
 */
export function gcTotals(metricsText: string): GcTotals {
  if (!/^# TYPE ringnest_nodejs_gc_duration_seconds histogram$/m.test(metricsText)) {
    throw new Error('the metrics page has no ringnest_nodejs_gc_duration_seconds histogram');
  }
  const totals: Record<string, { count: number; seconds: number }> = {};
  for (const [, field, kind, value] of metricsText.matchAll(SERIES)) {
    const entry = (totals[kind] ??= { count: 0, seconds: 0 });
    if (field === 'sum') entry.seconds = Number(value);
    else entry.count = Number(value);
  }
  return totals;
}

/** What several nodes collected between two readings of each (`before[i]` and `after[i]` of the same node). */
export interface GcDuring {
  /** main-thread pause, summed over the nodes and every kind, in µs */
  readonly pauseUs: number;
  /** full (mark-compact) collections */
  readonly major: number;
  /** scavenges of the young generation */
  readonly minor: number;
}

export function gcDuring(before: readonly GcTotals[], after: readonly GcTotals[]): GcDuring {
  let pauseUs = 0;
  let major = 0;
  let minor = 0;
  after.forEach((totals, i) => {
    for (const [kind, now] of Object.entries(totals)) {
      const then = before[i]?.[kind] ?? { count: 0, seconds: 0 };
      pauseUs += (now.seconds - then.seconds) * 1e6;
      if (kind === 'major') major += now.count - then.count;
      if (kind === 'minor') minor += now.count - then.count;
    }
  });
  return { pauseUs, major, minor };
}

/** Read the counters of each node (its HTTP base URL). */
export async function readGcTotals(httpUrls: readonly string[]): Promise<GcTotals[]> {
  return Promise.all(httpUrls.map(async (url) => gcTotals(await (await fetch(`${url}/metrics`)).text())));
}
