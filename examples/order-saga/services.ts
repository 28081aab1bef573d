/**
 * In-memory stand-ins for the shop's external services: inventory, payments
 * and shipping. Each keeps an effect ledger per operation, keyed by the
 * idempotency key the caller sends, so a repeated request (a retry, or a
 * second attempt after a worker crashed) is answered from the ledger instead
 * of applying its effect again.
 *
 * They can be told to misbehave the way real services do: a card that is
 * declined, an address no carrier serves, a carrier API that is down for the
 * next few calls. Every call is reported to listeners, which is how the demo
 * narrates what happened.
 */
import { EffectLedger } from "./ledger.ts";
import { formatUsd } from "./money.ts";

export type ServiceName = "inventory" | "payments" | "shipping";
export type Operation = "reserve" | "release" | "charge" | "refund" | "ship";

export interface ServiceCall {
  service: ServiceName;
  operation: Operation;
  orderId: string;
  idempotencyKey: string;
  /** applied: the effect happened now; deduplicated: answered from the ledger; rejected: a ServiceError. */
  outcome: "applied" | "deduplicated" | "rejected";
  /** What was done, or why it was refused, in words. */
  description: string;
}

export type CallListener = (call: ServiceCall) => void;

export type ServiceErrorCode = "OUT_OF_STOCK" | "UNKNOWN_RESERVATION" | "CARD_DECLINED" | "UNKNOWN_CHARGE" | "ADDRESS_UNDELIVERABLE" | "SHIPPING_UNAVAILABLE";

/** A refusal, as a service's API would return it; activities decide what it means for retries. */
export class ServiceError extends Error {
  override name = "ServiceError";
  constructor(
    readonly code: ServiceErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface ReserveRequest {
  orderId: string;
  sku: string;
  quantity: number;
}
export interface Reservation {
  reservationId: string;
  sku: string;
  quantity: number;
}
export interface ReleaseRequest {
  orderId: string;
  reservationId: string;
}
export interface Release {
  reservationId: string;
  quantity: number;
}

export interface ChargeRequest {
  orderId: string;
  amountCents: number;
  card: string;
}
export interface Charge {
  chargeId: string;
  amountCents: number;
}
export interface RefundRequest {
  orderId: string;
  chargeId: string;
}
export interface Refund {
  refundId: string;
  chargeId: string;
  amountCents: number;
}

export interface ShipRequest {
  orderId: string;
  sku: string;
  quantity: number;
  address: string;
}
export interface Shipment {
  trackingNumber: string;
  address: string;
}

/** Runs one request through a ledger and reports it, applied, deduplicated or rejected. */
abstract class Service {
  constructor(
    private readonly service: ServiceName,
    private readonly report: CallListener,
  ) {}

  protected handle<R>(operation: Operation, orderId: string, idempotencyKey: string, ledger: EffectLedger<R>, effect: () => R, describe: (receipt: R) => string): R {
    const call = { service: this.service, operation, orderId, idempotencyKey };
    try {
      const { receipt, deduplicated } = ledger.applyOnce(idempotencyKey, orderId, effect);
      this.report({ ...call, outcome: deduplicated ? "deduplicated" : "applied", description: describe(receipt) });
      return receipt;
    } catch (err) {
      if (err instanceof ServiceError) this.report({ ...call, outcome: "rejected", description: `${err.code}: ${err.message}` });
      throw err;
    }
  }
}

export class InventoryService extends Service {
  readonly reservations = new EffectLedger<Reservation>();
  readonly releases = new EffectLedger<Release>();
  private readonly stock: Map<string, number>;
  private readonly reservationsById = new Map<string, Reservation>();
  private nextId = 1;

  constructor(report: CallListener, initialStock: Record<string, number>) {
    super("inventory", report);
    this.stock = new Map(Object.entries(initialStock));
  }

  stockOf(sku: string): number {
    return this.stock.get(sku) ?? 0;
  }

  reserve(request: ReserveRequest, idempotencyKey: string): Reservation {
    return this.handle("reserve", request.orderId, idempotencyKey, this.reservations, () => {
      const available = this.stockOf(request.sku);
      if (available < request.quantity) throw new ServiceError("OUT_OF_STOCK", `${request.quantity} x ${request.sku} wanted, ${available} in stock`);
      this.stock.set(request.sku, available - request.quantity);
      const reservation = { reservationId: `res-${this.nextId++}`, sku: request.sku, quantity: request.quantity };
      this.reservationsById.set(reservation.reservationId, reservation);
      return reservation;
    }, (r) => `reserved ${r.quantity} x ${r.sku} as ${r.reservationId}`);
  }

  release(request: ReleaseRequest, idempotencyKey: string): Release {
    return this.handle("release", request.orderId, idempotencyKey, this.releases, () => {
      const reservation = this.reservationsById.get(request.reservationId);
      if (!reservation) throw new ServiceError("UNKNOWN_RESERVATION", `no reservation ${request.reservationId}`);
      this.stock.set(reservation.sku, this.stockOf(reservation.sku) + reservation.quantity);
      return { reservationId: reservation.reservationId, quantity: reservation.quantity };
    }, (r) => `released ${r.reservationId} (${r.quantity} back in stock)`);
  }
}

export class PaymentService extends Service {
  readonly charges = new EffectLedger<Charge>();
  readonly refunds = new EffectLedger<Refund>();
  private readonly declinedCards = new Set<string>();
  private readonly chargesById = new Map<string, Charge>();
  private nextChargeId = 1;
  private nextRefundId = 1;

  constructor(report: CallListener) {
    super("payments", report);
  }

  /** From now on, charges to this card are declined. */
  declineCard(card: string): void {
    this.declinedCards.add(card);
  }

  charge(request: ChargeRequest, idempotencyKey: string): Charge {
    return this.handle("charge", request.orderId, idempotencyKey, this.charges, () => {
      if (this.declinedCards.has(request.card)) throw new ServiceError("CARD_DECLINED", `card ${request.card} was declined`);
      const charge = { chargeId: `ch-${this.nextChargeId++}`, amountCents: request.amountCents };
      this.chargesById.set(charge.chargeId, charge);
      return charge;
    }, (c) => `charged ${formatUsd(c.amountCents)} as ${c.chargeId}`);
  }

  refund(request: RefundRequest, idempotencyKey: string): Refund {
    return this.handle("refund", request.orderId, idempotencyKey, this.refunds, () => {
      const charge = this.chargesById.get(request.chargeId);
      if (!charge) throw new ServiceError("UNKNOWN_CHARGE", `no charge ${request.chargeId}`);
      return { refundId: `re-${this.nextRefundId++}`, chargeId: charge.chargeId, amountCents: charge.amountCents };
    }, (r) => `refunded ${formatUsd(r.amountCents)} of ${r.chargeId} as ${r.refundId}`);
  }
}

export class ShippingService extends Service {
  readonly shipments = new EffectLedger<Shipment>();
  private readonly undeliverable = new Set<string>();
  private readonly outageCallsLeft = new Map<string, number>();
  private nextId = 1;

  constructor(report: CallListener) {
    super("shipping", report);
  }

  /** No carrier serves this address, now or later. */
  markUndeliverable(address: string): void {
    this.undeliverable.add(address);
  }

  /** The next `calls` ship requests for this order fail as if the carrier's API were down. */
  failTransiently(orderId: string, calls: number): void {
    this.outageCallsLeft.set(orderId, calls);
  }

  ship(request: ShipRequest, idempotencyKey: string): Shipment {
    return this.handle("ship", request.orderId, idempotencyKey, this.shipments, () => {
      const outageLeft = this.outageCallsLeft.get(request.orderId) ?? 0;
      if (outageLeft > 0) {
        this.outageCallsLeft.set(request.orderId, outageLeft - 1);
        throw new ServiceError("SHIPPING_UNAVAILABLE", "carrier API unavailable (503), try again later");
      }
      if (this.undeliverable.has(request.address)) throw new ServiceError("ADDRESS_UNDELIVERABLE", `no carrier delivers to "${request.address}"`);
      return { trackingNumber: `TRK-${this.nextId++}`, address: request.address };
    }, (s) => `shipped to "${s.address}", tracking ${s.trackingNumber}`);
  }
}

/** The three services together, with one stream of reported calls. */
export class OrderServices {
  readonly inventory: InventoryService;
  readonly payments: PaymentService;
  readonly shipping: ShippingService;
  private readonly listeners = new Set<CallListener>();

  constructor(options: { initialStock: Record<string, number> }) {
    const report: CallListener = (call) => this.listeners.forEach((listen) => listen(call));
    this.inventory = new InventoryService(report, options.initialStock);
    this.payments = new PaymentService(report);
    this.shipping = new ShippingService(report);
  }

  /** Hear about every call; returns a function that stops listening. */
  onCall(listener: CallListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
