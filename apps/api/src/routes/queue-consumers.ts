/**
 * The run queue as the API sees it when separate worker processes walk the runs (the BullMQ
 * executor): which queue, and how many workers consume it right now.
 */
export interface QueueConsumers {
  queueName: string;
  count(): Promise<number>;
}

/** What a queued run says about who will walk it. */
export interface QueueReport {
  workers: number;
  detail: string;
}

export function queueReport(queueName: string, workers: number): QueueReport {
  if (workers === 0) {
    return {
      workers,
      detail: `No worker is consuming the queue "${queueName}": this run waits until one starts (npm run worker with the same REDIS_URL and SLIPWAY_QUEUE).`,
    };
  }
  return {
    workers,
    detail: `${workers} worker${workers === 1 ? '' : 's'} consume${workers === 1 ? 's' : ''} the queue "${queueName}"; this run waits for a free one.`,
  };
}
