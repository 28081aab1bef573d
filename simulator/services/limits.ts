/**
 * Every bound the mock services use, in one place. Virtual milliseconds.
 */

/**
 * A healthy call's latency, drawn uniformly per call (both ends included).
 * Small next to the workloads' 5 s start-to-close timeout, so a healthy call
 * never times out: only an outage makes one hang.
 */
export const SERVICE_LATENCY_MS_MIN = 5;
export const SERVICE_LATENCY_MS_MAX = 50;

/**
 * How long a hung call lasts, from the moment it is made, before the
 * service's gateway gives up and answers ServiceTimeout. Longer than the
 * workloads' start-to-close timeout on purpose: as with a real stuck
 * dependency, the engine's watchdog usually aborts the attempt first.
 */
export const SERVICE_TIMEOUT_MS = 30_000;
