/** Abort reason used when the process is stopping: the run is left for the next start to resume. */
export const SHUTDOWN = 'shutdown';
