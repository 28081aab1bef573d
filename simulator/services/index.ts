/** The simulator's mock external services: an effect ledger per service, outages on demand. */
export { MockServices, type MockServicesOptions, type ServiceReply, type ServiceRequest } from "./mock-services.ts";
export { EffectLedger, type LedgerEntry, type LedgerLookup } from "./ledger.ts";
export { IDEMPOTENCY_KEY_REUSED, SERVICE_FAILED, SERVICE_TIMEOUT, SERVICE_UNAVAILABLE, type ServiceFailureType } from "./failures.ts";
export { SERVICE_LATENCY_MS_MAX, SERVICE_LATENCY_MS_MIN, SERVICE_TIMEOUT_MS } from "./limits.ts";
