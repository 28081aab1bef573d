/**
 * Proves the mock services keep their promise to the demo: one effect per
 * idempotency key (a repeat returns the first receipt and applies nothing),
 * refusals leave no effect behind, and transient outages end after the
 * number of calls they were given.
 */
import { describe, expect, it } from "vitest";
import { OrderServices, ServiceError, type ServiceCall } from "./services.ts";

function servicesWithLog(): { services: OrderServices; calls: ServiceCall[] } {
  const services = new OrderServices({ initialStock: { widget: 10 } });
  const calls: ServiceCall[] = [];
  services.onCall((call) => calls.push(call));
  return { services, calls };
}

describe("order services", () => {
  it("apply a charge once per idempotency key and return the original receipt to a repeat", () => {
    const { services, calls } = servicesWithLog();
    const first = services.payments.charge({ orderId: "o1", amountCents: 500, card: "4242" }, "run-1:2");
    const repeat = services.payments.charge({ orderId: "o1", amountCents: 500, card: "4242" }, "run-1:2");
    expect(repeat).toEqual(first);
    expect(services.payments.charges.entries()).toEqual([{ idempotencyKey: "run-1:2", orderId: "o1", receipt: first, calls: 2 }]);
    expect(calls.map((c) => c.outcome)).toEqual(["applied", "deduplicated"]);
  });

  it("take stock once per reservation key and give it back on release", () => {
    const { services } = servicesWithLog();
    const reservation = services.inventory.reserve({ orderId: "o1", sku: "widget", quantity: 3 }, "k1");
    services.inventory.reserve({ orderId: "o1", sku: "widget", quantity: 3 }, "k1");
    expect(services.inventory.stockOf("widget")).toBe(7);
    services.inventory.release({ orderId: "o1", reservationId: reservation.reservationId }, "k2");
    services.inventory.release({ orderId: "o1", reservationId: reservation.reservationId }, "k2");
    expect(services.inventory.stockOf("widget")).toBe(10);
  });

  it("leave no effect behind when they refuse", () => {
    const { services, calls } = servicesWithLog();
    services.payments.declineCard("4000");
    services.shipping.markUndeliverable("nowhere");
    expect(() => services.payments.charge({ orderId: "o1", amountCents: 500, card: "4000" }, "k1")).toThrow(ServiceError);
    expect(() => services.shipping.ship({ orderId: "o1", sku: "widget", quantity: 1, address: "nowhere" }, "k2")).toThrow(/no carrier delivers/);
    expect(() => services.inventory.reserve({ orderId: "o1", sku: "widget", quantity: 11 }, "k3")).toThrow(/in stock/);
    expect(services.payments.charges.entries()).toEqual([]);
    expect(services.shipping.shipments.entries()).toEqual([]);
    expect(services.inventory.stockOf("widget")).toBe(10);
    expect(calls.map((c) => c.outcome)).toEqual(["rejected", "rejected", "rejected"]);
  });

  it("fail a ship request transiently for as many calls as told, then ship it", () => {
    const { services } = servicesWithLog();
    services.shipping.failTransiently("o1", 2);
    const ship = () => services.shipping.ship({ orderId: "o1", sku: "widget", quantity: 1, address: "1 High St" }, "k1");
    expect(ship).toThrow(/unavailable/);
    expect(ship).toThrow(/unavailable/);
    expect(ship().trackingNumber).toMatch(/^TRK-/);
    expect(services.shipping.shipments.entries()).toHaveLength(1);
  });
});
