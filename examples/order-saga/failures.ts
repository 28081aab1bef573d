/**
 * The business failures' type names: what activities throw as
 * ApplicationFailure.type and retry policies match. Shared by workflow and
 * activity code, so workflow code need not import the activities themselves.
 */

/** Final by the workflow's retry policy: retrying cannot change the answer. */
export const OUT_OF_STOCK = "OutOfStock";
export const CARD_DECLINED = "CardDeclined";
/** Final where it is raised: the activity marks it non-retryable (no carrier will ever serve the address). */
export const ADDRESS_UNDELIVERABLE = "AddressUndeliverable";
/** Retryable: the carrier's API is down for now. */
export const SHIPPING_UNAVAILABLE = "ShippingUnavailable";
/** A compensation naming a reservation or charge that does not exist: a bug in the saga, never retried. */
export const UNKNOWN_REFERENCE = "UnknownReference";
/** The workflow's own failure once its completed steps were undone. */
export const ORDER_COMPENSATED = "OrderCompensated";
