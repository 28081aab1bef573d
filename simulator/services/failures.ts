/**
 * What a mock service answers when it will not (or did not) do the work:
 * ApplicationFailures whose `type` is a stable name, so retry policies and
 * checkers can match them. All are retryable except a reused key, which no
 * retry can fix.
 */
import { ApplicationFailure } from "../../engine/index.ts";
import type { ServiceName } from "../model.ts";

/** Refused at once (connection refused, 503 before any work): nothing applied. */
export const SERVICE_UNAVAILABLE = "ServiceUnavailable";
/** Failed after doing nothing (500 after a while): nothing applied. */
export const SERVICE_FAILED = "ServiceFailed";
/** No answer within the service's timeout: the caller cannot tell whether anything was applied. */
export const SERVICE_TIMEOUT = "ServiceTimeout";
/** The key was first used for another operation on this service (as Stripe refuses a reused key with other parameters). */
export const IDEMPOTENCY_KEY_REUSED = "IdempotencyKeyReused";

export type ServiceFailureType = typeof SERVICE_UNAVAILABLE | typeof SERVICE_FAILED | typeof SERVICE_TIMEOUT | typeof IDEMPOTENCY_KEY_REUSED;

export function serviceFailure(type: ServiceFailureType, service: ServiceName, operation: string, key: string, why: string): ApplicationFailure {
  return new ApplicationFailure(`${service}.${operation} (key ${key}): ${why}`, {
    type,
    nonRetryable: type === IDEMPOTENCY_KEY_REUSED,
    details: { service, operation, key },
  });
}
